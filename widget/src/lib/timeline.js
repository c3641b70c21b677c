// @ts-check
/**
 * The messages a tab holds, kept by `(conversation_id, seq)`: a message seen twice (a live
 * `message` that also comes back in a `synced` page, a `sent` replayed) is kept once, and
 * messages are listed in `seq` order whatever order they arrived in. Also tracks how far the
 * agents have read, which turns the visitor's own messages from `sent` to `read`.
 */

/** @typedef {import('./protocol.js').Message} Message */

/** @param {string} conversationId @param {number} seq */
export function messageKey(conversationId, seq) {
  return `${conversationId}:${seq}`;
}

/** @param {unknown} m @returns {m is Message} */
export function isMessage(m) {
  const x = /** @type {any} */ (m);
  return (
    !!x &&
    typeof x.conversation_id === 'string' &&
    Number.isInteger(x.seq) &&
    x.seq > 0 &&
    typeof x.body === 'string' &&
    !!x.author &&
    typeof x.author.kind === 'string'
  );
}

export class Timeline {
  constructor() {
    /** @type {Map<string, Message>} */
    this.byKey = new Map();
    /** @type {Map<string, Message[]>} per conversation, ascending seq */
    this.lists = new Map();
    /** @type {Map<string, number>} per conversation: highest seq an agent has read */
    this.agentRead = new Map();
    /** @type {Set<string>} client_msg_ids held */
    this.clientIds = new Set();
  }

  /**
   * Adds a message unless it is already held (or is not a message, or is a note).
   * @param {unknown} message
   * @returns {boolean} true when it was new
   */
  add(message) {
    if (!isMessage(message) || message.kind === 'note') return false;
    const key = messageKey(message.conversation_id, message.seq);
    if (this.byKey.has(key)) return false;
    this.byKey.set(key, message);
    if (message.client_msg_id) this.clientIds.add(message.client_msg_id);
    let list = this.lists.get(message.conversation_id);
    if (!list) this.lists.set(message.conversation_id, (list = []));
    insertBySeq(list, message);
    return true;
  }

  /** @param {string} conversationId @param {number} seq */
  has(conversationId, seq) {
    return this.byKey.has(messageKey(conversationId, seq));
  }

  /** @param {string} clientMsgId */
  hasClientMsgId(clientMsgId) {
    return this.clientIds.has(clientMsgId);
  }

  /** @param {string | null} conversationId @returns {Message[]} ascending seq */
  messages(conversationId) {
    return conversationId ? this.lists.get(conversationId) ?? [] : [];
  }

  /** @param {string | null} conversationId */
  maxSeq(conversationId) {
    const list = this.messages(conversationId);
    return list.length ? list[list.length - 1].seq : 0;
  }

  /** @param {string | null} conversationId */
  minSeq(conversationId) {
    const list = this.messages(conversationId);
    return list.length ? list[0].seq : 0;
  }

  /**
   * Agents have read up to `seq` (a high-water mark: it never goes down).
   * @param {string} conversationId @param {number} seq
   * @returns {boolean} true when it moved
   */
  markAgentRead(conversationId, seq) {
    if (!Number.isInteger(seq) || seq <= (this.agentRead.get(conversationId) ?? 0)) return false;
    this.agentRead.set(conversationId, seq);
    return true;
  }

  /**
   * Delivery state of a held message of the visitor's: `read` once an agent read its seq.
   * @param {Message} message
   * @returns {'sent' | 'read'}
   */
  deliveryState(message) {
    return message.seq <= (this.agentRead.get(message.conversation_id) ?? 0) ? 'read' : 'sent';
  }

  /**
   * Replies the visitor has not seen: agents' text messages after `seenSeq`.
   * @param {string | null} conversationId @param {number} seenSeq
   */
  unread(conversationId, seenSeq) {
    let n = 0;
    for (const m of this.messages(conversationId)) {
      if (m.seq > seenSeq && m.author.kind === 'agent' && m.kind === 'text') n++;
    }
    return n;
  }

  clear() {
    this.byKey.clear();
    this.lists.clear();
    this.agentRead.clear();
    this.clientIds.clear();
  }
}

/** Inserts in ascending seq; messages mostly arrive in order, so search from the end. */
/** @param {Message[]} list @param {Message} message */
function insertBySeq(list, message) {
  let i = list.length;
  while (i > 0 && list[i - 1].seq > message.seq) i--;
  list.splice(i, 0, message);
}
