// @ts-check
/**
 * Messages as a client holds them. A `Timeline` is one conversation's messages, kept by `seq`:
 * a message seen twice (a live `message` that also comes back in a `synced` or `history`
 * page, a `sent` replayed) is kept once, and messages are listed in `seq` order whatever order
 * they arrived in. It also knows what was fetched of the conversation's past, and how far the
 * other side has read (the agents' read mark for the visitor's panel, the visitor's for the
 * dashboard), which turns one's own messages from `sent` to `read`.
 *
 * `Timelines` holds one per conversation. The widget's panel and the dashboard differ in one
 * thing, and say it when they create theirs: a visitor must never be shown an internal note,
 * so the panel's drop notes (`keepNotes: false`, the default); the dashboard's keep them.
 */

/** @typedef {import('./protocol.js').Message} Message */

/**
 * Whether `m` has what every use of a message needs: a conversation, a positive integer seq,
 * a string body and an author kind. Anything else from the wire is dropped, not trusted.
 * @param {unknown} m
 * @returns {m is Message}
 */
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

/** @typedef {{keepNotes?: boolean}} TimelineOptions */

export class Timeline {
  /**
   * @param {string} conversationId
   * @param {TimelineOptions} [options]
   */
  constructor(conversationId, options = {}) {
    this.conversationId = conversationId;
    this.keepNotes = options.keepNotes === true;
    /** @type {Map<number, Message>} */
    this.bySeq = new Map();
    /** @type {Message[]} ascending seq */
    this.sorted = [];
    /** @type {Set<string>} client_msg_ids held */
    this.clientIds = new Set();
    /** Whether the newest page was fetched (before it, only live messages are held). */
    this.loaded = false;
    /** Whether older messages than the oldest held exist on the server. */
    this.hasOlder = false;
    /** The other side's read mark: the highest seq it has read (it never goes down). */
    this.readMark = 0;
  }

  /**
   * Keeps `message` unless it is held already (same seq), belongs to another conversation, is
   * not a message, or is a note that this timeline does not keep.
   * @param {unknown} message
   * @returns {boolean} whether it was new
   */
  add(message) {
    if (!isMessage(message) || message.conversation_id !== this.conversationId) return false;
    if (message.kind === 'note' && !this.keepNotes) return false;
    if (this.bySeq.has(message.seq)) return false;
    this.bySeq.set(message.seq, message);
    if (message.client_msg_id) this.clientIds.add(message.client_msg_id);
    insertBySeq(this.sorted, message);
    return true;
  }

  /**
   * @param {unknown[]} messages
   * @returns {Message[]} the new ones, in the order given
   */
  addAll(messages) {
    return /** @type {Message[]} */ (messages.filter((m) => this.add(m)));
  }

  /** @param {number} seq */
  has(seq) {
    return this.bySeq.has(seq);
  }

  /** @param {string} clientMsgId */
  hasClientMsgId(clientMsgId) {
    return this.clientIds.has(clientMsgId);
  }

  /** @returns {readonly Message[]} ascending by seq (do not change it) */
  list() {
    return this.sorted;
  }

  /** The highest seq held, 0 when none. */
  get newest() {
    return this.sorted.length ? this.sorted[this.sorted.length - 1].seq : 0;
  }

  /** The lowest seq held, null when none. */
  get oldest() {
    return this.sorted.length ? this.sorted[0].seq : null;
  }

  /**
   * The other side has read up to `seq` (a high-water mark: it never goes down).
   * @param {number} seq
   * @returns {boolean} whether it moved
   */
  markRead(seq) {
    if (!Number.isInteger(seq) || seq <= this.readMark) return false;
    this.readMark = seq;
    return true;
  }

  /**
   * Delivery state of one's own held message: `read` once the other side read its seq.
   * @param {Message} message
   * @returns {'sent' | 'read'}
   */
  deliveryState(message) {
    return message.seq <= this.readMark ? 'read' : 'sent';
  }

  /**
   * How many messages after `seq` match `predicate` (e.g. the agents' replies a visitor has
   * not seen).
   * @param {number} seq
   * @param {(message: Message) => boolean} predicate
   */
  countAfter(seq, predicate) {
    let n = 0;
    for (let i = this.sorted.length - 1; i >= 0 && this.sorted[i].seq > seq; i--) {
      if (predicate(this.sorted[i])) n++;
    }
    return n;
  }
}

/** One `Timeline` per conversation, created on first use. */
export class Timelines {
  /** @param {TimelineOptions} [options] given to every timeline */
  constructor(options = {}) {
    this.options = options;
    /** @type {Map<string, Timeline>} */
    this.byConversation = new Map();
  }

  /** The conversation's timeline (an empty one the first time). @param {string} conversationId */
  get(conversationId) {
    let t = this.byConversation.get(conversationId);
    if (!t) this.byConversation.set(conversationId, (t = new Timeline(conversationId, this.options)));
    return t;
  }

  /** The timeline if one exists, without creating it. @param {string | null} conversationId */
  find(conversationId) {
    return conversationId === null ? undefined : this.byConversation.get(conversationId);
  }

  /**
   * Adds a message to its conversation's timeline.
   * @param {unknown} message
   * @returns {boolean} whether it was new
   */
  add(message) {
    return isMessage(message) && this.get(message.conversation_id).add(message);
  }

  /** Whether any timeline holds a message with this `client_msg_id`. @param {string} clientMsgId */
  hasClientMsgId(clientMsgId) {
    for (const t of this.byConversation.values()) if (t.hasClientMsgId(clientMsgId)) return true;
    return false;
  }

  /** @returns {IterableIterator<Timeline>} */
  values() {
    return this.byConversation.values();
  }

  /** Forgets every message (a new visitor, a logout). */
  clear() {
    this.byConversation.clear();
  }
}

/**
 * Inserts in ascending seq; messages mostly arrive in order, so the search starts at the end.
 * @param {Message[]} list @param {Message} message
 */
function insertBySeq(list, message) {
  let i = list.length;
  while (i > 0 && list[i - 1].seq > message.seq) i--;
  list.splice(i, 0, message);
}
