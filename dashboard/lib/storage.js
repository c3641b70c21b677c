// @ts-check
/**
 * The dashboard's `localStorage`, every key prefixed `parley-dashboard:`. Values are JSON. When
 * storage throws or is missing (storage blocked, private mode, quota), values live in memory
 * for the page's life.
 */

export const PREFIX = 'parley-dashboard:';

/** Keys (after the prefix). Per-conversation keys end with the conversation id. */
export const Keys = Object.freeze({
  TOKEN: 'token',
  AGENT: 'agent',
  STATUS: 'status',
  MUTED: 'muted',
  /** Desktop notifications switched off in Parley (the browser's permission kept). */
  NOTIFICATIONS_OFF: 'notifications-off',
  INBOX_TAB: 'inbox-tab',
  INBOX_TEAM: 'inbox-team',
  INBOX_LABEL: 'inbox-label',
  /** When the agent last did something in any tab (ms), for auto-away. */
  ACTIVITY: 'activity',
  /** True while the away status is auto-away's, not the agent's choice. */
  AUTO_AWAY: 'auto-away',
  draft: (/** @type {string} */ id) => `draft:${id}`,
  outbox: (/** @type {string} */ id) => `outbox:${id}`,
  OUTBOX_PREFIX: 'outbox:',
});

/** @type {Map<string, string>} */
const memory = new Map();

/** @returns {Storage | null} */
function backend() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * @template T
 * @param {string} key
 * @param {T} fallback
 * @returns {T}
 */
export function load(key, fallback) {
  // Memory holds a key only while its last write failed: it is newer than what storage has.
  let raw = memory.get(key) ?? null;
  if (raw === null) {
    try {
      raw = backend()?.getItem(PREFIX + key) ?? null;
    } catch {
      raw = null;
    }
  }
  if (raw === null) return fallback;
  try {
    return JSON.parse(raw);
  } catch {
    return fallback;
  }
}

/** @param {string} key @param {unknown} value null or undefined removes */
export function save(key, value) {
  if (value === null || value === undefined) return remove(key);
  const raw = JSON.stringify(value);
  try {
    const store = backend();
    if (!store) throw new Error('no localStorage');
    store.setItem(PREFIX + key, raw);
    memory.delete(key);
  } catch {
    memory.set(key, raw);
  }
}

/** @param {string} key */
export function remove(key) {
  memory.delete(key);
  try {
    backend()?.removeItem(PREFIX + key);
  } catch {
    /* nothing stored */
  }
}

/**
 * Every stored key (without the prefix) that starts with `start`.
 * @param {string} start
 * @returns {string[]}
 */
export function keysStartingWith(start) {
  const found = new Set([...memory.keys()].filter((k) => k.startsWith(start)));
  const store = backend();
  try {
    for (let i = 0; store && i < store.length; i++) {
      const key = store.key(i);
      if (key && key.startsWith(PREFIX + start)) found.add(key.slice(PREFIX.length));
    }
  } catch {
    /* memory only */
  }
  return [...found];
}
