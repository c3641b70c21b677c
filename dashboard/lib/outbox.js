// @ts-check
/**
 * The dashboard's outbox: replies and notes typed and not yet acknowledged, held by the shared
 * `Outbox` (common/outbox.js) and kept in `localStorage` per conversation
 * (`parley-dashboard:outbox:<conversation id>`), so that neither a lost connection, an expired
 * session nor a reload loses them. Each change is applied to a fresh read of its key, so what
 * another tab of the dashboard keeps there stays.
 */
import { Outbox } from '../../common/outbox.js';
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
 *   attachments?: import('../../common/uploads.js').Uploaded[],
 * }} OutboxItem `attachments`: the files uploaded for it, sent by id
 */

/** @param {string} conversationId @returns {unknown[]} what the conversation's key holds */
function stored(conversationId) {
  const items = load(Keys.outbox(conversationId), []);
  return Array.isArray(items) ? items : [];
}

/** @param {string} conversationId @param {unknown[]} items */
function store(conversationId, items) {
  save(Keys.outbox(conversationId), items.length ? items : null);
}

/** @param {unknown} item */
const idOf = (item) => /** @type {any} */ (item)?.client_msg_id;

/** @type {import('../../common/outbox.js').OutboxPersist<OutboxItem>} */
export const outboxPersist = {
  put(item) {
    const items = stored(item.conversation_id).filter((i) => idOf(i) !== item.client_msg_id);
    store(item.conversation_id, [...items, item]);
  },
  remove(id, item) {
    const items = stored(item.conversation_id);
    const rest = items.filter((i) => idOf(i) !== id);
    if (rest.length !== items.length) store(item.conversation_id, rest);
  },
};

/** What a restored dashboard item must have besides the shared fields. @param {any} item */
export function isDashboardItem(item) {
  return (
    typeof item.conversation_id === 'string' &&
    typeof item.agent_id === 'string' &&
    (item.kind === 'text' || item.kind === 'note') &&
    (item.state === 'pending' || item.state === 'failed') &&
    (item.attachments === undefined || Array.isArray(item.attachments))
  );
}

/**
 * Every item kept, of every conversation, oldest first (typing order within a conversation).
 * @returns {unknown[]}
 */
export function storedItems() {
  const all = keysStartingWith(Keys.OUTBOX_PREFIX).flatMap((key) => stored(key.slice(Keys.OUTBOX_PREFIX.length)));
  return all.sort((a, b) => String(/** @type {any} */ (a)?.created_at).localeCompare(String(/** @type {any} */ (b)?.created_at)));
}

/** The outbox of this page, restored from storage. @returns {Outbox<OutboxItem>} */
export function createOutbox() {
  return new Outbox({ persist: outboxPersist, restored: storedItems(), valid: isDashboardItem });
}
