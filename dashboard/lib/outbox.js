// @ts-check
/**
 * Replies typed and not yet acknowledged, per conversation, in `localStorage`
 * (`parley-dashboard:outbox:<conversation id>`), so that neither a lost connection, an expired
 * session nor a reload loses them. Each item keeps its `client_msg_id` from the moment it is
 * typed: however many times it is sent, the server stores it once.
 */
import { Keys, keysStartingWith, load, save } from './storage.js';

/**
 * @typedef {{
 *   client_msg_id: string,
 *   conversation_id: string,
 *   agent_id: string,
 *   kind: 'text' | 'note',
 *   body: string,
 *   created_at: string,
 *   state: 'pending' | 'failed',
 *   error?: string,
 * }} OutboxItem
 */

/** @param {string} conversationId @returns {OutboxItem[]} */
export function outboxItems(conversationId) {
  const items = load(Keys.outbox(conversationId), []);
  return Array.isArray(items) ? items : [];
}

/** @param {string} conversationId @param {OutboxItem[]} items */
function store(conversationId, items) {
  save(Keys.outbox(conversationId), items.length ? items : null);
}

/** @param {OutboxItem} item */
export function putItem(item) {
  const items = outboxItems(item.conversation_id).filter((i) => i.client_msg_id !== item.client_msg_id);
  items.push(item);
  store(item.conversation_id, items);
}

/** @param {string} conversationId @param {string} clientMsgId @returns {boolean} whether it was there */
export function removeItem(conversationId, clientMsgId) {
  const items = outboxItems(conversationId);
  const rest = items.filter((i) => i.client_msg_id !== clientMsgId);
  if (rest.length === items.length) return false;
  store(conversationId, rest);
  return true;
}

/**
 * @param {string} conversationId @param {string} clientMsgId
 * @param {Partial<OutboxItem>} change
 */
export function updateItem(conversationId, clientMsgId, change) {
  const items = outboxItems(conversationId).map((i) => (i.client_msg_id === clientMsgId ? { ...i, ...change } : i));
  store(conversationId, items);
}

/** Ids of the conversations that have items waiting. @returns {string[]} */
export function outboxConversations() {
  return keysStartingWith(Keys.OUTBOX_PREFIX).map((k) => k.slice(Keys.OUTBOX_PREFIX.length));
}
