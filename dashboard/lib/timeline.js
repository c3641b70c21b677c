// @ts-check
/**
 * One conversation's messages as held by this tab: kept by `seq` (so a message that arrives
 * twice — live and in a `sync` — is kept once), listed in `seq` order whatever the arrival
 * order, with what is known of older pages and of the visitor's read mark.
 */

/** @typedef {import('./protocol.js').Message} Message */

export class Timeline {
  /** @param {string} conversationId */
  constructor(conversationId) {
    this.conversationId = conversationId;
    /** @type {Map<number, Message>} */
    this.bySeq = new Map();
    /** Whether the newest page was fetched (before it, only live messages are held). */
    this.loaded = false;
    /** Whether older messages than the oldest held exist on the server. */
    this.hasOlder = false;
    /** The visitor's read mark (a high-water mark), from the visitor's `read` frames. */
    this.visitorRead = 0;
    /** @type {Message[] | null} */
    this.sorted = null;
  }

  /**
   * Keeps `message` unless this seq is already held.
   * @param {Message} message
   * @returns {boolean} whether it was new
   */
  add(message) {
    if (message.conversation_id !== this.conversationId || this.bySeq.has(message.seq)) return false;
    this.bySeq.set(message.seq, message);
    this.sorted = null;
    return true;
  }

  /**
   * @param {Message[]} messages
   * @returns {Message[]} the new ones
   */
  addAll(messages) {
    return messages.filter((m) => this.add(m));
  }

  /** @returns {Message[]} ascending by seq */
  list() {
    if (!this.sorted) this.sorted = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return this.sorted;
  }

  /** The highest seq held, 0 when none. */
  get newest() {
    const list = this.list();
    return list.length ? list[list.length - 1].seq : 0;
  }

  /** The lowest seq held, null when none. */
  get oldest() {
    const list = this.list();
    return list.length ? list[0].seq : null;
  }

  /** @param {number} seq */
  markVisitorRead(seq) {
    if (seq > this.visitorRead) this.visitorRead = seq;
  }
}
