// @ts-check
/**
 * The visitor side of the WebSocket wire protocol, mirroring `src/ws/protocol.rs`: frame types,
 * error codes, close codes, limits, and one builder per client frame. The only module that
 * knows frame shapes; everything else calls these builders.
 */

/** Path of the visitor endpoint; the site key goes in the query. */
export const VISITOR_PATH = '/ws/visitor';

/** Client frame types (`ClientFrame` in protocol.rs, plus the Parley additions `profile`, `end`). */
export const Client = Object.freeze({
  HELLO: 'hello',
  PING: 'ping',
  SEND: 'send',
  SYNC: 'sync',
  HISTORY: 'history',
  TYPING: 'typing',
  READ: 'read',
  PAGE: 'page',
  PROFILE: 'profile',
  END: 'end',
});

/** Server frame types a visitor receives. */
export const Server = Object.freeze({
  WELCOME: 'welcome',
  SENT: 'sent',
  MESSAGE: 'message',
  SYNCED: 'synced',
  HISTORY: 'history',
  TYPING: 'typing',
  READ: 'read',
  AGENTS: 'agents',
  CONVERSATION: 'conversation',
  ERROR: 'error',
  PONG: 'pong',
  OK: 'ok',
});

/** `ErrorCode` in protocol.rs. */
export const ErrorCode = Object.freeze({
  BAD_REQUEST: 'bad_request',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  TOO_LARGE: 'too_large',
  RATE_LIMITED: 'rate_limited',
  UNAVAILABLE: 'unavailable',
  CONFLICT: 'conflict',
});

/** `Close` in protocol.rs. */
export const Close = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  BINARY: 1003,
  INVALID_UTF8: 1007,
  POLICY: 1008,
  TOO_LARGE: 1009,
  RESTART: 1012,
  SLOW_CONSUMER: 1013,
  UNAUTHORIZED: 4001,
  FORBIDDEN: 4003,
});

/** Limits the server enforces (its defaults); the widget stays inside them. */
export const Limits = Object.freeze({
  MAX_REF_CHARS: 64,
  SYNC_PAGE: 500,
  HISTORY_MAX: 100,
  HISTORY_DEFAULT: 50,
  MAX_URL_CHARS: 2048,
  MAX_TITLE_CHARS: 1000,
  MAX_PREVIEW_CHARS: 4000,
  /** `PARLEY_MAX_BODY_CHARS`, in Unicode code points. */
  MAX_BODY_CHARS: 4000,
});

/** Client-side timing. */
export const Timing = Object.freeze({
  /** A `ping` this often once welcomed (the server's idle timeout is 60 s). */
  PING_INTERVAL_MS: 25_000,
  /** No frame at all this long after a ping: the socket is half-open; drop it. */
  PONG_TIMEOUT_MS: 10_000,
  /** From `new WebSocket` to `welcome`; past it the attempt is abandoned. */
  CONNECT_TIMEOUT_MS: 15_000,
  /** Reconnect backoff: full jitter over `min(cap, base * 2^attempt)`. */
  BACKOFF_BASE_MS: 500,
  BACKOFF_CAP_MS: 30_000,
  /** At most one `typing` frame per this interval (2/s; the server allows 5/s). */
  TYPING_INTERVAL_MS: 500,
  /** Typing turns `off` after this long without a keystroke. */
  TYPING_IDLE_MS: 3_000,
  /** An agent's `typing on` is forgotten after this long without news. */
  AGENT_TYPING_TTL_MS: 8_000,
});

/**
 * What to do when the socket closes with `code`.
 * - `stop`: do not reconnect (4003: the site requires a verified identity we do not have).
 * - `fresh`: drop the visitor token and try once more as a new visitor (4001).
 * - `retry`: reconnect with backoff (1012 restart, 1013 slow consumer, 1008, network loss…).
 * @param {number} code
 * @returns {'stop' | 'fresh' | 'retry'}
 */
export function closeAction(code) {
  if (code === Close.FORBIDDEN) return 'stop';
  if (code === Close.UNAUTHORIZED) return 'fresh';
  return 'retry';
}

/**
 * `ws(s)://<origin>/ws/visitor?site_key=KEY` for a page served from `origin`.
 * @param {string} origin e.g. `https://chat.example.com`
 * @param {string} siteKey
 */
export function visitorSocketUrl(origin, siteKey) {
  const url = new URL(VISITOR_PATH, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('site_key', siteKey);
  return url.href;
}

/** @param {string} text @param {number} max */
export function clip(text, max) {
  const s = String(text ?? '');
  if (s.length <= max) return s;
  return Array.from(s).slice(0, max).join('');
}

/** Length in Unicode code points, as the server counts a body. @param {string} text */
export function codePoints(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * @typedef {{url: string, title: string, referrer?: string}} Page
 * @typedef {{jwt: string} | {id: string, name?: string, email?: string, hash?: string}} Identity
 * @typedef {{kind: 'visitor' | 'agent' | 'system', id: string | null, name: string | null}} Author
 * @typedef {{id: string, conversation_id: string, seq: number, client_msg_id: string | null,
 *   author: Author, kind: 'text' | 'note' | 'event', body: string, created_at: string}} Message
 * @typedef {{id: string, status: 'open' | 'resolved', assignee: {name: string} | null,
 *   last_seq: number}} ConversationView
 */

/** @param {Page | null | undefined} page */
function clipPage(page) {
  if (!page) return undefined;
  /** @type {Page} */
  const out = { url: clip(page.url, Limits.MAX_URL_CHARS), title: clip(page.title, Limits.MAX_TITLE_CHARS) };
  if (page.referrer) out.referrer = clip(page.referrer, Limits.MAX_URL_CHARS);
  return out;
}

/**
 * @param {string} ref
 * @param {string | null} token
 * @param {Page | null | undefined} page
 * @param {Identity | null | undefined} identity
 */
export function helloFrame(ref, token, page, identity) {
  /** @type {Record<string, unknown>} */
  const frame = { type: Client.HELLO, ref, token: token || null };
  const p = clipPage(page);
  if (p) frame.page = p;
  if (identity) frame.identity = identity;
  return frame;
}

export function pingFrame() {
  return { type: Client.PING };
}

/**
 * @param {string} ref
 * @param {string | null} conversationId null: the open conversation is used or created
 * @param {string} clientMsgId
 * @param {string} body
 */
export function sendFrame(ref, conversationId, clientMsgId, body) {
  /** @type {Record<string, unknown>} */
  const frame = { type: Client.SEND, ref };
  if (conversationId) frame.conversation_id = conversationId;
  frame.client_msg_id = clientMsgId;
  frame.kind = 'text';
  frame.body = body;
  return frame;
}

/** @param {string} ref @param {string} conversationId @param {number} afterSeq */
export function syncFrame(ref, conversationId, afterSeq) {
  return { type: Client.SYNC, ref, conversation_id: conversationId, after_seq: afterSeq };
}

/**
 * @param {string} ref @param {string} conversationId
 * @param {number | null} beforeSeq null: the newest
 * @param {number} limit
 */
export function historyFrame(ref, conversationId, beforeSeq, limit) {
  return {
    type: Client.HISTORY,
    ref,
    conversation_id: conversationId,
    before_seq: beforeSeq,
    limit: Math.min(limit, Limits.HISTORY_MAX),
  };
}

/**
 * @param {string} conversationId
 * @param {'on' | 'off'} state
 * @param {string | null | undefined} preview sent only with `on`, only when the site allows it
 */
export function typingFrame(conversationId, state, preview) {
  /** @type {Record<string, unknown>} */
  const frame = { type: Client.TYPING, conversation_id: conversationId, state };
  if (state === 'on' && typeof preview === 'string') frame.preview = clip(preview, Limits.MAX_PREVIEW_CHARS);
  return frame;
}

/** @param {string} conversationId @param {number} seq */
export function readFrame(conversationId, seq) {
  return { type: Client.READ, conversation_id: conversationId, seq };
}

/** @param {Page} page */
export function pageFrame(page) {
  return { type: Client.PAGE, ...clipPage(page) };
}

/** Parley addition: the visitor leaves an email (and a name) to be answered by email. */
/** @param {string} ref @param {string} email @param {string} [name] */
export function profileFrame(ref, email, name) {
  /** @type {Record<string, unknown>} */
  const frame = { type: Client.PROFILE, ref, email };
  if (name) frame.name = name;
  return frame;
}

/** Parley addition: the visitor ends the conversation (it becomes resolved). */
/** @param {string} ref @param {string} conversationId */
export function endFrame(ref, conversationId) {
  return { type: Client.END, ref, conversation_id: conversationId };
}
