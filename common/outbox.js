// @ts-check
/**
 * The outbox: every message typed and not yet acknowledged by the server with `sent`. An item
 * gets its `client_msg_id` the moment it is typed and keeps it through every resend, so a
 * resend after a lost `sent` is stored once (the server's idempotency key). Items are listed
 * in typing order.
 *
 * The outbox does not write storage itself: each change is handed to `persist`, which the two
 * clients implement in their own way, and a later page restores what was kept:
 * - the widget's panel posts each change to the loader, which keeps the items in the host
 *   page's `localStorage` under `parley:outbox` (applied to a fresh read, so other tabs' items
 *   stay);
 * - the dashboard keeps them in its own `localStorage`, per conversation
 *   (`parley-dashboard:outbox:<conversation id>`), also as changes to a fresh read.
 *
 * Items carry what each client needs besides the three fields every item has: the dashboard's
 * carry their conversation, their author, their kind and whether the server refused them
 * (`state`), so they survive a reload with Retry and Discard; the widget keeps refused
 * messages out of the outbox. `valid` says which restored items a client accepts.
 */

/**
 * @typedef {{client_msg_id: string, body: string, created_at: string}} BaseItem
 */

/**
 * @template {BaseItem} T
 * @typedef {{put(item: T): void, remove(id: string, item: T): void}} OutboxPersist
 */

/**
 * @template {BaseItem} T
 * @typedef {object} OutboxOptions
 * @property {OutboxPersist<T>} [persist] told of every change (nothing by default)
 * @property {unknown} [restored] items kept by an earlier page (checked; bad entries dropped)
 * @property {(item: any) => boolean} [valid] what else a restored item must have
 */

/** @type {OutboxPersist<any>} */
const NO_PERSIST = { put() {}, remove() {} };

/** @template {BaseItem} T */
export class Outbox {
  /** @param {OutboxOptions<T>} [options] */
  constructor(options = {}) {
    this.persist = options.persist ?? NO_PERSIST;
    this.valid = options.valid ?? (() => true);
    /** @type {Map<string, T>} insertion order = typing order */
    this.pending = new Map();
    this.restore(options.restored);
  }

  /**
   * Queues a typed message with a fresh `client_msg_id` and persists it at once, before any
   * frame carries it.
   * @param {Omit<T, 'client_msg_id' | 'created_at'>} fields the body, and what else the client's items carry
   * @param {{uuid: () => string, now: () => Date}} env
   * @returns {T}
   */
  add(fields, env) {
    const item = /** @type {T} */ ({ client_msg_id: env.uuid(), ...fields, created_at: env.now().toISOString() });
    this.pending.set(item.client_msg_id, item);
    this.persist.put(item);
    return item;
  }

  /**
   * Changes an item (e.g. its state) and persists it; nothing when it is not held.
   * @param {string} id @param {Partial<T>} change
   * @returns {T | null} the changed item
   */
  update(id, change) {
    const held = this.pending.get(id);
    if (!held) return null;
    const item = { ...held, ...change, client_msg_id: id };
    this.pending.set(id, item);
    this.persist.put(item);
    return item;
  }

  /**
   * Forgets a message once the server has it (`sent`, or seen in a `sync`), or once it is
   * discarded.
   * @param {string} id
   * @returns {boolean} whether it was held
   */
  remove(id) {
    const item = this.pending.get(id);
    if (!item) return false;
    this.pending.delete(id);
    this.persist.remove(id, item);
    return true;
  }

  /** @param {string} id */
  has(id) {
    return this.pending.has(id);
  }

  /** @param {string} id @returns {T | undefined} */
  get(id) {
    return this.pending.get(id);
  }

  /**
   * @param {(item: T) => boolean} [filter]
   * @returns {T[]} in the order they were typed
   */
  items(filter) {
    const all = [...this.pending.values()];
    return filter ? all.filter(filter) : all;
  }

  get size() {
    return this.pending.size;
  }

  /**
   * Adds the valid items of `restored` that are not held yet, without persisting them (they
   * come from storage): at start, and when another tab may have added some.
   * @param {unknown} restored
   * @returns {number} how many were added
   */
  restore(restored) {
    let added = 0;
    for (const item of validItems(restored, this.valid)) {
      if (this.pending.has(item.client_msg_id)) continue;
      this.pending.set(item.client_msg_id, /** @type {T} */ (item));
      added++;
    }
    return added;
  }

  /** Forgets everything without persisting (storage was cleared already, e.g. on reset). */
  clear() {
    this.pending.clear();
  }
}

/**
 * The entries of `value` that are outbox items: a non-empty `client_msg_id`, a string `body`
 * and `created_at`, and whatever `valid` asks for. Storage can hold anything; only these are
 * trusted.
 * @param {unknown} value
 * @param {(item: any) => boolean} [valid]
 * @returns {BaseItem[]}
 */
export function validItems(value, valid = () => true) {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item) =>
      !!item &&
      typeof item === 'object' &&
      typeof item.client_msg_id === 'string' &&
      item.client_msg_id.length > 0 &&
      typeof item.body === 'string' &&
      typeof item.created_at === 'string' &&
      valid(item),
  );
}
