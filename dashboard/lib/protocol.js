// @ts-check
/**
 * The agent side of the WebSocket wire protocol, mirroring `src/ws/protocol.rs` (and
 * `src/ws/agent.rs` for the agent's frames): frame types, error codes, close codes, limits,
 * timings, and one builder per client frame. The only module that knows frame shapes.
 */

/** Path of the agent endpoint (same origin as the dashboard). */
export const AGENT_PATH = '/ws/agent';

/** Client frame types an agent sends (`ClientFrame` in protocol.rs). */
export const Client = Object.freeze({
  HELLO: 'hello',
  PING: 'ping',
  SEND: 'send',
  SYNC: 'sync',
  HISTORY: 'history',
  TYPING: 'typing',
  READ: 'read',
  STATUS: 'status',
});

/** Server frame types an agent receives. */
export const Server = Object.freeze({
  WELCOME: 'welcome',
  SENT: 'sent',
  MESSAGE: 'message',
  SYNCED: 'synced',
  HISTORY: 'history',
  TYPING: 'typing',
  READ: 'read',
  PRESENCE: 'presence',
  VISITOR: 'visitor',
  CONVERSATION: 'conversation',
  ERROR: 'error',
  PONG: 'pong',
  OK: 'ok',
});

/** `ErrorCode` in protocol.rs, plus `disconnected`: the socket closed before the answer came. */
export const ErrorCode = Object.freeze({
  BAD_REQUEST: 'bad_request',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  TOO_LARGE: 'too_large',
  RATE_LIMITED: 'rate_limited',
  UNAVAILABLE: 'unavailable',
  CONFLICT: 'conflict',
  DISCONNECTED: 'disconnected',
});

/** Errors after which the same frame (same `client_msg_id`) is simply tried again later. */
export const RETRYABLE = /** @type {ReadonlySet<string>} */ (
  new Set([ErrorCode.UNAVAILABLE, ErrorCode.RATE_LIMITED, ErrorCode.CONFLICT, ErrorCode.DISCONNECTED])
);

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

/** Message kinds (`MessageKind`) and author kinds (`AuthorKind`). */
export const Kind = Object.freeze({ TEXT: 'text', NOTE: 'note', EVENT: 'event' });
export const AuthorKind = Object.freeze({ VISITOR: 'visitor', AGENT: 'agent', SYSTEM: 'system' });

/** `AgentStatus` in protocol.rs. */
export const AgentStatus = Object.freeze({ ONLINE: 'online', AWAY: 'away', OFFLINE: 'offline' });

/** Limits the server enforces (its defaults); the dashboard stays inside them. */
export const Limits = Object.freeze({
  MAX_REF_CHARS: 64,
  SYNC_PAGE: 500,
  HISTORY_MAX: 100,
  HISTORY_DEFAULT: 50,
  MAX_PREVIEW_CHARS: 4000,
  /** `PARLEY_MAX_BODY_CHARS`, in Unicode code points. */
  MAX_BODY_CHARS: 4000,
  /** `send` burst per connection is 20: keep at most this many sends awaiting `sent`. */
  SEND_WINDOW: 10,
});

/** Client-side timing. */
export const Timing = Object.freeze({
  /** A `ping` this often once welcomed (the server closes connections silent for 60 s). */
  PING_INTERVAL_MS: 25_000,
  /** No frame at all this long after a ping: the socket is half-open; drop it. */
  PONG_TIMEOUT_MS: 10_000,
  /** From `new WebSocket` to `welcome`; past it the attempt is abandoned. */
  CONNECT_TIMEOUT_MS: 15_000,
  /** Reconnect backoff: full jitter over `min(cap, base * 2^attempt)`. */
  BACKOFF_BASE_MS: 500,
  BACKOFF_CAP_MS: 30_000,
  /** While the agent keeps typing, `typing on` is repeated this often (the widget forgets after 8 s). */
  TYPING_REPEAT_MS: 4_000,
  /** Typing turns `off` after this long without a keystroke. */
  TYPING_IDLE_MS: 3_000,
  /** Someone else's `typing on` is forgotten after this long without news. */
  TYPING_TTL_MS: 8_000,
  /** A request that has no answer after this long is failed (and retried if it may be). */
  REQUEST_TIMEOUT_MS: 15_000,
});

/**
 * What to do when the socket closes with `code`.
 * - `logout`: the token is no longer good (4001: expired, deactivated, removed) → login form.
 * - `retry`: reconnect with backoff (1012 restart, 1013 slow consumer, 1008, network loss…).
 * @param {number} code
 * @returns {'logout' | 'retry'}
 */
export function closeAction(code) {
  return code === Close.UNAUTHORIZED || code === Close.FORBIDDEN ? 'logout' : 'retry';
}

/**
 * `ws(s)://<origin>/ws/agent` for a page served from `origin`.
 * @param {string} origin
 */
export function agentSocketUrl(origin) {
  const url = new URL(AGENT_PATH, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** Length in Unicode code points, as the server counts a body. @param {string} text */
export function codePoints(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * @typedef {{kind: 'visitor' | 'agent' | 'system', id: string | null, name: string | null}} Author
 * @typedef {{id: string, conversation_id: string, seq: number, client_msg_id: string | null,
 *   author: Author, kind: 'text' | 'note' | 'event', body: string, created_at: string}} Message
 * @typedef {{type: string, ref?: string, [key: string]: any}} Frame
 */

/** @param {string} ref @param {string} token */
export function helloFrame(ref, token) {
  return { type: Client.HELLO, ref, token };
}

export function pingFrame() {
  return { type: Client.PING };
}

/**
 * @param {string} ref @param {string} conversationId @param {string} clientMsgId
 * @param {'text' | 'note'} kind @param {string} body
 */
export function sendFrame(ref, conversationId, clientMsgId, kind, body) {
  return { type: Client.SEND, ref, conversation_id: conversationId, client_msg_id: clientMsgId, kind, body };
}

/** @param {string} ref @param {string} conversationId @param {number} afterSeq */
export function syncFrame(ref, conversationId, afterSeq) {
  return { type: Client.SYNC, ref, conversation_id: conversationId, after_seq: afterSeq };
}

/**
 * @param {string} ref @param {string} conversationId
 * @param {number | null} beforeSeq null: the newest page
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

/** @param {string} conversationId @param {'on' | 'off'} state */
export function typingFrame(conversationId, state) {
  return { type: Client.TYPING, conversation_id: conversationId, state };
}

/** @param {string} ref @param {string} conversationId @param {number} seq */
export function readFrame(ref, conversationId, seq) {
  return { type: Client.READ, ref, conversation_id: conversationId, seq };
}

/** @param {string} ref @param {'online' | 'away'} status */
export function statusFrame(ref, status) {
  return { type: Client.STATUS, ref, status };
}
