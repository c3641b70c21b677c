// @ts-check
/**
 * The WebSocket wire protocol, for both of its clients (the widget's panel speaks it as a
 * visitor on `/ws/visitor`, the dashboard as an agent on `/ws/agent`), mirroring the server's
 * `src/ws/protocol.rs`: frame types, error codes, close codes, limits, timings, and one
 * builder per client frame. The only module that knows frame shapes; everything else calls
 * these builders. `common/test/protocol.test.js` reads the server's sources and fails when the
 * two drift apart.
 *
 * Where the two roles differ (what a close code means, which frames each sends) the role is
 * named: `closeAction('visitor' | 'agent', code)`, `socketUrl(origin, role)`.
 */

/** @typedef {'visitor' | 'agent'} Role */

/** Endpoint of each role (same origin as the page that opens it). */
export const SocketPath = Object.freeze({ visitor: '/ws/visitor', agent: '/ws/agent' });

/**
 * Client frame types (`ClientFrame` in protocol.rs). `status`, `viewing` and `watch` are an
 * agent's; `page`, `profile`, `end`, `rate`, `prechat` and `transcript` are a visitor's
 * (`profile` and `end` are Parley additions to the contract; `prechat` carries the answers to
 * the site's pre-chat form; `transcript` emails a conversation to the visitor's address;
 * `watch` names the conversations a focused agent connection shows in full).
 */
export const Client = Object.freeze({
  HELLO: 'hello',
  PING: 'ping',
  SEND: 'send',
  SYNC: 'sync',
  HISTORY: 'history',
  TYPING: 'typing',
  READ: 'read',
  STATUS: 'status',
  PAGE: 'page',
  PROFILE: 'profile',
  END: 'end',
  RATE: 'rate',
  PRECHAT: 'prechat',
  TRANSCRIPT: 'transcript',
  VIEWING: 'viewing',
  WATCH: 'watch',
});

/**
 * Server frame types. `agents` (how many agents are online) and `queue` (the place of the
 * visitor's conversation among those waiting for an agent) go to visitors only; `presence` and
 * `visitor` to agents only; `activity` (the messages of conversations not shown in full, summed
 * up) to focused agent connections only.
 */
export const Server = Object.freeze({
  WELCOME: 'welcome',
  SENT: 'sent',
  MESSAGE: 'message',
  SYNCED: 'synced',
  HISTORY: 'history',
  TYPING: 'typing',
  READ: 'read',
  AGENTS: 'agents',
  PRESENCE: 'presence',
  VISITOR: 'visitor',
  CONVERSATION: 'conversation',
  QUEUE: 'queue',
  ERROR: 'error',
  PONG: 'pong',
  OK: 'ok',
  ACTIVITY: 'activity',
});

/**
 * What an agent connection receives of its workspace's messages (`Subscription`, asked in the
 * `hello`, echoed by the `welcome`): `all` of them (the default, and what a server that does not
 * echo it sends), or `focused`: in full only for the conversations it watches or that are
 * assigned to its agent, every other one summed up in `activity` frames.
 */
export const Subscription = Object.freeze({ ALL: 'all', FOCUSED: 'focused' });

/**
 * `ErrorCode` in protocol.rs, plus `disconnected`, which no server sends: a client's own code
 * for a request whose socket closed before its answer came.
 */
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

/**
 * Errors after which the same frame (a `send` with the same `client_msg_id`) is simply tried
 * again later: the server was busy or down, or the answer was lost with the connection. Any
 * other error means resending the same frame cannot succeed.
 */
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

/** Limits the server enforces (its defaults); both clients stay inside them. */
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
  /** A rating's comment, in Unicode code points (`MAX_COMMENT_CHARS` in chat/ratings.rs). */
  MAX_COMMENT_CHARS: 1000,
  /**
   * The `send` burst per connection is 20 (`PARLEY_SEND_BURST`): at most this many sends wait
   * for their `sent` at once, so a long outbox flushed after a reconnect stays under it.
   */
  SEND_WINDOW: 10,
  /** Conversations one `watch` may name (`MAX_WATCHED`; more is `bad_request`). */
  MAX_WATCHED: 20,
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
  /** A visitor sends at most one `typing` frame per this interval (2/s; the server allows 5/s). */
  TYPING_INTERVAL_MS: 500,
  /** While an agent keeps typing, `typing on` is repeated this often (before the TTL below). */
  TYPING_REPEAT_MS: 4_000,
  /** Typing turns `off` after this long without a keystroke. */
  TYPING_IDLE_MS: 3_000,
  /** Someone else's `typing on` is forgotten after this long without news. */
  TYPING_TTL_MS: 8_000,
  /** A request that has no answer after this long is failed (and retried if it may be). */
  REQUEST_TIMEOUT_MS: 15_000,
});

/**
 * What a client does when its socket closes with `code`. The two roles read 4001 and 4003
 * differently:
 * - visitor, 4003 → `stop`: the site requires a verified identity the visitor does not have
 *   (a later `identify` tries again);
 * - visitor, 4001 → `fresh`: the visitor token was refused; drop it and come back once as a
 *   new visitor;
 * - agent, 4001 or 4003 → `logout`: the agent's token is no longer good (expired,
 *   deactivated, removed): back to the login form;
 * - anything else, either role → `retry` with backoff (1012 restart, 1013 slow consumer, 1008,
 *   1006 network loss…).
 * @param {Role} role
 * @param {number} code
 * @returns {'stop' | 'fresh' | 'logout' | 'retry'}
 */
export function closeAction(role, code) {
  if (code === Close.UNAUTHORIZED) return role === 'agent' ? 'logout' : 'fresh';
  if (code === Close.FORBIDDEN) return role === 'agent' ? 'logout' : 'stop';
  return 'retry';
}

/**
 * `ws(s)://<origin>/ws/<role>` for a page served from `origin`; the visitor's carries the
 * site key in its query.
 * @param {string} origin e.g. `https://chat.example.com`
 * @param {Role} role
 * @param {string} [siteKey] the visitor's site
 */
export function socketUrl(origin, role, siteKey) {
  const url = new URL(SocketPath[role], origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (siteKey !== undefined) url.searchParams.set('site_key', siteKey);
  return url.href;
}

/** At most `max` code points of `text` (cut on a code point, never inside a pair). @param {unknown} text @param {number} max */
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
 * @typedef {Page & {seen_at: string}} SeenPage a page visited before the panel connected
 * @typedef {{jwt: string} | {id: string, name?: string, email?: string, hash?: string}} Identity
 * @typedef {{kind: 'visitor' | 'agent' | 'system', id: string | null, name: string | null}} Author
 * @typedef {{id: string, name: string, size: number, content_type: string, url: string,
 *   thumbnail_url?: string}} MessageFile a file a message carries (`url`, and `thumbnail_url`
 *   for an image: signed links that need no header)
 * @typedef {{id: string, conversation_id: string, seq: number, client_msg_id: string | null,
 *   author: Author, kind: 'text' | 'note' | 'event', body: string, created_at: string,
 *   attachments: MessageFile[]}} Message `attachments`: empty when it has none
 * @typedef {{name: string, avatar_url: string | null}} AssigneeView the agent a visitor's conversation is
 *   assigned to; `avatar_url` a path on the Parley origin (`/avatars/<key>`), or null
 * @typedef {{id: string, status: 'open' | 'resolved', assignee: AssigneeView | null,
 *   last_seq: number}} ConversationView
 * @typedef {{score: number, comment: string | null, created_at: string}} Rating a visitor's
 *   rating of a resolved conversation (`rating` of the conversation object, null until rated)
 * @typedef {{conversation_id: string, last_seq: number, unread: number, last_message: Message}} ActivityEntry
 *   one conversation in an `activity` frame: its messages since the previous one, summed up
 *   (`last_seq` and `last_message` the newest; `unread`: how many were written by someone other
 *   than the receiving agent)
 * @typedef {{type: string, ref?: string, [key: string]: any}} Frame
 */

/** @param {Page | null | undefined} page @returns {Page | undefined} */
function clipPage(page) {
  if (!page) return undefined;
  /** @type {Page} */
  const out = { url: clip(page.url, Limits.MAX_URL_CHARS), title: clip(page.title, Limits.MAX_TITLE_CHARS) };
  if (page.referrer) out.referrer = clip(page.referrer, Limits.MAX_URL_CHARS);
  return out;
}

/**
 * The first frame on every socket. A visitor's `token` is the one an earlier `welcome` gave
 * (null the first time), with the page it is on and, optionally, a verified identity; an
 * agent's is its JWT.
 * @param {string} ref
 * @param {string | null} token
 * @param {{page?: Page | null, identity?: Identity | null, pages?: SeenPage[]}} [visitor] `pages`:
 *   those seen on the site before this first connection, oldest first (the current one is `page`)
 * @returns {Frame}
 */
export function helloFrame(ref, token, visitor = {}) {
  /** @type {Frame} */
  const frame = { type: Client.HELLO, ref, token: token || null };
  const page = clipPage(visitor.page);
  if (page) frame.page = page;
  if (visitor.identity) frame.identity = visitor.identity;
  const pages = (visitor.pages ?? []).map(clipSeenPage).filter((p) => p !== undefined).slice(-MAX_PAGES_SEEN);
  if (pages.length) frame.pages = pages;
  return frame;
}

/** Pages seen before a first hello that it carries at most (the loader keeps no more). */
export const MAX_PAGES_SEEN = 20;

/** A page seen before the hello, with when (RFC 3339). @param {SeenPage} page @returns {SeenPage | undefined} */
function clipSeenPage(page) {
  const clipped = clipPage(page);
  if (!clipped || !clipped.url || typeof page.seen_at !== 'string') return undefined;
  return { ...clipped, referrer: clipped.referrer ?? '', seen_at: page.seen_at };
}

/** @returns {Frame} */
export function pingFrame() {
  return { type: Client.PING };
}

/**
 * @param {string} ref
 * @param {string | null} conversationId null (a visitor only): the open conversation is used,
 *   or one is opened
 * @param {string} clientMsgId the idempotency key: the same for every resend
 * @param {string} body may be empty when the message carries files
 * @param {'text' | 'note'} [kind] notes are an agent's
 * @param {readonly string[]} [attachments] the ids of the sender's uploads the message carries
 *   (at most 10): the frame has an `attachments` field only when there are some
 * @returns {Frame}
 */
export function sendFrame(ref, conversationId, clientMsgId, body, kind = 'text', attachments = []) {
  /** @type {Frame} */
  const frame = { type: Client.SEND, ref };
  if (conversationId) frame.conversation_id = conversationId;
  frame.client_msg_id = clientMsgId;
  frame.kind = kind;
  frame.body = body;
  if (attachments.length) frame.attachments = [...attachments];
  return frame;
}

/** @param {string} ref @param {string} conversationId @param {number} afterSeq @returns {Frame} */
export function syncFrame(ref, conversationId, afterSeq) {
  return { type: Client.SYNC, ref, conversation_id: conversationId, after_seq: afterSeq };
}

/**
 * @param {string} ref @param {string} conversationId
 * @param {number | null} beforeSeq null: the newest page
 * @param {number} limit at most `Limits.HISTORY_MAX`
 * @returns {Frame}
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
 * @param {string | null} [preview] the visitor's draft: sent only with `on`, and only when the
 *   site allows it (agents never send one)
 * @returns {Frame}
 */
export function typingFrame(conversationId, state, preview) {
  /** @type {Frame} */
  const frame = { type: Client.TYPING, conversation_id: conversationId, state };
  if (state === 'on' && typeof preview === 'string') frame.preview = clip(preview, Limits.MAX_PREVIEW_CHARS);
  return frame;
}

/**
 * The reader has seen everything up to `seq`. Without `ref` nothing answers it.
 * @param {string} conversationId @param {number} seq @param {string} [ref]
 * @returns {Frame}
 */
export function readFrame(conversationId, seq, ref) {
  /** @type {Frame} */
  const frame = { type: Client.READ, conversation_id: conversationId, seq };
  if (ref !== undefined) frame.ref = ref;
  return frame;
}

/** An agent's own status. @param {string} ref @param {'online' | 'away'} status @returns {Frame} */
export function statusFrame(ref, status) {
  return { type: Client.STATUS, ref, status };
}

/**
 * The conversations an agent connection shows in full (focused delivery), replacing those it
 * named before; at most `Limits.MAX_WATCHED` (the rest are left out).
 * @param {string} ref @param {readonly string[]} conversationIds
 * @returns {Frame}
 */
export function watchFrame(ref, conversationIds) {
  return { type: Client.WATCH, ref, conversation_ids: conversationIds.slice(0, Limits.MAX_WATCHED) };
}

/** A visitor's host page changed. @param {Page} page @returns {Frame} */
export function pageFrame(page) {
  return { type: Client.PAGE, ...clipPage(page) };
}

/**
 * A visitor leaves an email (and a name) to be answered by email.
 * @param {string} ref @param {string} email @param {string} [name]
 * @returns {Frame}
 */
export function profileFrame(ref, email, name) {
  /** @type {Frame} */
  const frame = { type: Client.PROFILE, ref, email };
  if (name) frame.name = name;
  return frame;
}

/** A visitor ends the conversation (it becomes resolved). @param {string} ref @param {string} conversationId @returns {Frame} */
export function endFrame(ref, conversationId) {
  return { type: Client.END, ref, conversation_id: conversationId };
}

/**
 * A visitor asks for the conversation, as they see it, by email to their address (`conflict`
 * while the server knows no email for them: `profile` first; `not_found` for another's).
 * @param {string} ref @param {string} conversationId @returns {Frame}
 */
export function transcriptFrame(ref, conversationId) {
  return { type: Client.TRANSCRIPT, ref, conversation_id: conversationId };
}

/** A rating's score: an integer from 1 to 5. @param {unknown} score @returns {score is number} */
export function isScore(score) {
  return Number.isInteger(score) && /** @type {number} */ (score) >= 1 && /** @type {number} */ (score) <= 5;
}

/**
 * A visitor rates a resolved conversation (again: the new rating replaces the old one). The
 * comment is left out when empty.
 * @param {string} ref @param {string} conversationId @param {number} score 1 to 5
 * @param {string | null} [comment] at most `Limits.MAX_COMMENT_CHARS`
 * @returns {Frame}
 */
export function rateFrame(ref, conversationId, score, comment) {
  /** @type {Frame} */
  const frame = { type: Client.RATE, ref, conversation_id: conversationId, score };
  if (comment) frame.comment = comment;
  return frame;
}

/**
 * A visitor's answers to the site's pre-chat form, by field name: text for the text, email,
 * phone and select fields, a boolean for a checkbox.
 * @param {string} ref @param {Record<string, string | boolean>} answers
 * @returns {Frame}
 */
export function prechatFrame(ref, answers) {
  return { type: Client.PRECHAT, ref, answers };
}
