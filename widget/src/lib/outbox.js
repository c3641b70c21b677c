// @ts-check
/**
 * The outbox: every message the visitor typed and the server has not yet acknowledged with
 * `sent`. An item gets its `client_msg_id` the moment it is typed and keeps it through every
 * resend, so a resend after a lost `sent` is stored once (the server's idempotency key).
 *
 * The outbox does not write storage itself: each change is handed to `persist` (in the panel,
 * a postMessage to the loader, which keeps it in the host page's localStorage under
 * `parley:outbox`), and a reloaded page restores the outbox from what was kept.
 */

/**
 * @typedef {{client_msg_id: string, body: string, created_at: string}} OutboxItem
 * @typedef {{put(item: OutboxItem): void, remove(id: string): void}} OutboxPersist
 */

/** @type {OutboxPersist} */
const NO_PERSIST = { put() {}, remove() {} };

export class Outbox {
  /**
   * @param {OutboxPersist} [persist]
   * @param {unknown} [restored] items kept by an earlier page (checked, bad entries dropped)
   */
  constructor(persist = NO_PERSIST, restored = []) {
    this.persist = persist;
    /** @type {Map<string, OutboxItem>} insertion order = typing order */
    this.pending = new Map();
    for (const item of validItems(restored)) this.pending.set(item.client_msg_id, item);
  }

  /**
   * Queues a typed message and persists it at once.
   * @param {string} body
   * @param {{uuid: () => string, now: () => Date}} env
   * @returns {OutboxItem}
   */
  add(body, env) {
    const item = { client_msg_id: env.uuid(), body, created_at: env.now().toISOString() };
    this.pending.set(item.client_msg_id, item);
    this.persist.put(item);
    return item;
  }

  /** Forgets a message once the server has it (`sent`, or seen in a `sync`). @param {string} id */
  remove(id) {
    if (!this.pending.delete(id)) return false;
    this.persist.remove(id);
    return true;
  }

  /** @param {string} id */
  has(id) {
    return this.pending.has(id);
  }

  /** @returns {OutboxItem[]} in the order they were typed */
  items() {
    return [...this.pending.values()];
  }

  get size() {
    return this.pending.size;
  }

  /** Forgets everything without persisting (the loader already cleared storage on reset). */
  clear() {
    this.pending.clear();
  }
}

/** @param {unknown} value @returns {OutboxItem[]} */
export function validItems(value) {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item) =>
      item &&
      typeof item === 'object' &&
      typeof item.client_msg_id === 'string' &&
      item.client_msg_id.length > 0 &&
      typeof item.body === 'string' &&
      typeof item.created_at === 'string',
  );
}
