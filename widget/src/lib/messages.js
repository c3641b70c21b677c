// @ts-check
/**
 * The postMessage protocol between the loader (host page) and the panel (iframe). Every
 * message is `{parley: 1, type, ...fields}`. The loader is a classic script and cannot import
 * this module: it spells the same names in its own `MSG` table, and `test/loader.test.js`
 * drives the real loader with these constants, so a rename on one side fails the tests.
 */

export const PROTOCOL_VERSION = 1;

/** Loader → panel. */
export const ToPanel = Object.freeze({
  /** Answer to `ready`: `{state, identity, page, pages, open, proactive}`, everything the panel needs to start. */
  INIT: 'init',
  /** The panel became visible: `{focus}` says whether to move focus into it. */
  OPEN: 'open',
  /** The panel was hidden. */
  CLOSE: 'close',
  /** The host page navigated: `{page: {url, title}}`. */
  PAGE: 'page',
  /** `Parley('identify', …)`: `{identity}`; the panel reconnects with it. */
  IDENTIFY: 'identify',
  /** `Parley('reset')`: storage is already cleared; the panel reconnects as a new visitor. */
  RESET: 'reset',
  /**
   * A proactive rule of the site fired: `{proactive: {id, message, agent: {name, avatar_url} | null}}`
   * (also in `init` when it fired before the panel was ready). The panel shows the message as
   * the agent's, and the visitor's first message answers it.
   */
  PROACTIVE: 'proactive',
});

/** Panel → loader. */
export const ToLoader = Object.freeze({
  /** The panel's code is running; the loader answers with `init`. */
  READY: 'ready',
  /** Keep `{key, value}` in the host page's storage (`value` null removes it). */
  SET: 'set',
  /** Outbox change: `{op: 'put', item}` or `{op: 'remove', id}`. */
  OUTBOX: 'outbox',
  /** Unread replies: `{count}` (badge, title blink, sound, `on('unread')`). */
  UNREAD: 'unread',
  /** A new message arrived live: `{message}` (for `on('message')`). */
  MESSAGE: 'message',
  /** The visitor closed the panel (close button or Escape). */
  CLOSE: 'close',
  /** Site settings the launcher uses: `{settings: {color, position, locale}}`. */
  SETTINGS: 'settings',
  /**
   * The server erased the visitor at their request ("Delete my conversations"): forget every
   * `parley:` key here and in the page's other tabs, as `Parley('reset')` does.
   */
  RESET: 'reset',
});

/** Storage keys the panel may ask the loader to keep (all under the `parley:` prefix). */
export const PanelKeys = Object.freeze({
  TOKEN: 'token',
  CONVERSATION: 'conversation',
  SEEN: 'seen',
  SOUND: 'sound',
  EMAIL: 'email',
  /** the id of the conversation the visitor rated in this browser (the prompt is not shown again) */
  RATED: 'rated',
  /** the pages seen before the panel connected: only ever cleared (null), once a hello carried them */
  PAGES: 'pages',
});
