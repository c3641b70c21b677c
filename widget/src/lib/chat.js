// @ts-check
/**
 * One tab's chat session: the socket to `/ws/visitor`, its lifecycle (hello, welcome, catch-up,
 * heartbeat, reconnect with backoff), the outbox, and the messages held. It knows nothing of
 * the DOM or of postMessage: the panel gives it a WebSocket constructor, a clock and hooks,
 * and tests give it fakes.
 *
 * Nothing typed is lost: a message enters the persisted outbox with its `client_msg_id` at
 * once, is sent whenever a connection is welcomed, and leaves the outbox only when its `sent`
 * arrives (or when a `sync` shows the server already has it). A resend reuses the same id.
 */
import * as P from '../../../common/protocol.js';
import { Backoff } from '../../../common/backoff.js';
import { Outbox } from '../../../common/outbox.js';
import { Timelines } from '../../../common/timeline.js';
import { TypingSender } from './typing.js';
import { PanelKeys } from './messages.js';
import { emailRequired, formFields, nextStep, prechatFields, readProfile, stepForConflict } from './policy.js';

/**
 * @typedef {import('../../../common/protocol.js').Message} Message
 * @typedef {import('../../../common/protocol.js').ConversationView} ConversationView
 * @typedef {import('../../../common/protocol.js').Identity} Identity
 * @typedef {import('../../../common/protocol.js').Page} Page
 * @typedef {{id: string, message: string, agent: import('../../../common/protocol.js').AssigneeView | null}} Proactive
 *   a proactive message of the site, shown as its agent's
 * @typedef {{id: string, name: string, size: number, content_type: string}} FileRef a file
 *   uploaded for a message (`POST /api/v1/uploads`'s answer), as an unsent message keeps it
 * @typedef {import('../../../common/outbox.js').BaseItem & {attachments?: FileRef[]}} OutboxItem
 * @typedef {import('./typing.js').Clock} Clock
 * @typedef {import('./policy.js').Field} Field
 * @typedef {import('./policy.js').Profile} Profile
 * @typedef {import('./policy.js').Step} Step
 * @typedef {import('./policy.js').StepState} StepState
 *
 * @typedef {{readyState?: number, send(data: string): void, close(code?: number): void,
 *   onopen: any, onmessage: any, onclose: any, onerror: any}} SocketLike
 *
 * @typedef {object} ChatEnv
 * @property {string} url the visitor WebSocket URL
 * @property {new (url: string) => SocketLike} WebSocket
 * @property {Clock} clock
 * @property {() => number} [random] for backoff jitter
 * @property {() => string} uuid a new client_msg_id
 * @property {() => Date} [date]
 *
 * @typedef {object} ChatHooks
 * @property {(key: string, value: string | null) => void} persist keep a value in host storage
 * @property {import('../../../common/outbox.js').OutboxPersist<OutboxItem>} outbox keep the outbox in host storage
 * @property {() => void} changed state changed: render
 * @property {(message: Message) => void} [live] a message arrived after the first load
 * @property {(count: number) => void} [unread] unread replies changed
 * @property {(settings: Record<string, unknown>) => void} [settings] site settings arrived
 *
 * @typedef {object} Restored what the host page kept from an earlier page
 * @property {string | null} [token]
 * @property {string | null} [conversation]
 * @property {number} [seen]
 * @property {unknown} [outbox]
 * @property {boolean} [email]
 * @property {string | null} [rated] the conversation the visitor rated in this browser
 *
 * @typedef {{item: OutboxItem, code: string}} Failure
 * @typedef {{key: string, message?: Message, item?: OutboxItem, mine: boolean,
 *   state: 'sending' | 'waiting' | 'sent' | 'read' | 'failed' | null}} Entry `waiting`: held in
 *   the outbox until the visitor does what `step()` says
 *
 * @typedef {object} FormSpec the pre-chat or offline form the visitor must fill before writing
 * @property {'prechat' | 'offline'} step
 * @property {Field[]} fields the pre-chat fields still to answer
 * @property {boolean} email the form asks for the email (required)
 * @property {boolean} messageRequired the form's message may not be empty (nothing is waiting)
 *
 * @typedef {{answers?: Record<string, string | boolean> | null, email?: string, body?: string}} FormAnswers
 *   what a form sends: `prechat` answers (null: the form had no fields), `profile` email, message
 */

/** A request's reply never came because its connection went away. */
const DISCONNECTED = P.ErrorCode.DISCONNECTED;
/** Files one message carries at most (`MAX_PER_MESSAGE` on the server). */
export const MAX_FILES = 10;

/**
 * The well-formed files of `value`, at most `MAX_FILES`, as a message keeps them (from the
 * panel, or from storage, which can hold anything). `common/uploads.js` has its own (the attachments
 * chunk's): the first-open bundle may share no module with a chunk.
 * @param {unknown} value @returns {FileRef[]}
 */
export function fileRefs(value) {
  if (!Array.isArray(value)) return [];
  return value
    .filter((f) => f && typeof f === 'object' && typeof f.id === 'string' && f.id)
    .slice(0, MAX_FILES)
    .map((f) => ({
      id: f.id,
      name: typeof f.name === 'string' ? f.name : 'file',
      size: Number.isFinite(f.size) ? f.size : 0,
      content_type: typeof f.content_type === 'string' ? f.content_type : '',
    }));
}

export class Chat {
  /**
   * @param {ChatEnv} env
   * @param {ChatHooks} hooks
   * @param {Restored} [restored]
   */
  constructor(env, hooks, restored = {}) {
    this.env = env;
    this.hooks = hooks;
    this.clock = env.clock;
    this.backoff = new Backoff({ random: env.random });
    this.sendBackoff = new Backoff({ random: env.random });
    /** Messages held, per conversation; a visitor is never shown a note. */
    this.timelines = new Timelines({ keepNotes: false });
    /** @type {Outbox<OutboxItem>} */
    this.outbox = new Outbox({ persist: hooks.outbox, restored: restored.outbox });
    this.typingSender = new TypingSender({
      clock: env.clock,
      send: (state, preview) => this.#sendTyping(state, preview),
    });

    /** @type {'idle' | 'connecting' | 'online' | 'reconnecting' | 'stopped'} */
    this.status = 'idle';
    /** @type {'forbidden' | 'unauthorized' | null} why the session stopped */
    this.stopReason = null;
    /** @type {string | null} */
    this.token = restored.token ?? null;
    /** @type {Set<(token: string | null) => void>} who waits for a token (`signedIn`) */
    this.tokenWaiters = new Set();
    /** @type {Identity | null} */
    this.identity = null;
    /** @type {Page | null} */
    this.page = null;
    /** @type {import('../../../common/protocol.js').SeenPage[]} pages seen before, until a hello carries them */
    this.pagesBefore = [];
    /** whether a welcome came for the hello that carried them */
    this.pagesCarried = false;
    /** @type {Proactive | null} the site's proactive message shown, until the first message answers it */
    this.proactive = null;
    /** @type {string | null} */
    this.visitorId = null;
    /** @type {ConversationView | null} */
    this.conversation = null;
    /** the conversation `seen` belongs to */
    this.seenConversation = restored.conversation ?? null;
    /** highest seq the visitor has had in front of them */
    this.seen = Number.isInteger(restored.seen) ? /** @type {number} */ (restored.seen) : 0;
    this.readSent = 0;
    this.unreadCount = 0;
    this.visible = false;
    this.agentsOnline = 0;
    /** an agent can answer live now: `welcome.available`, then `agents` frames */
    this.available = false;
    /** what `available` is while agents are online, as far as the last welcome tells */
    this.availableWhenOnline = true;
    /** @type {Profile} what the visitor already gave (`welcome.profile`, then the forms) */
    this.profile = readProfile(null);
    /** @type {number | null} the conversation's place among those waiting for an agent */
    this.queuePosition = null;
    /** @type {number | null} the team's typical first-reply time, in seconds */
    this.expectedReplyS = null;
    /** the pre-chat answers were accepted on this page */
    this.prechatSent = false;
    /** @type {Step | null} a step the server asked for by refusing a `send` with `conflict` */
    this.wanted = null;
    /** @type {Record<string, unknown>} */
    this.settings = {};
    /** @type {string | null} name of the agent typing ('' when unnamed), null when nobody */
    this.agentTyping = null;
    /** older messages exist before the first one held */
    this.more = false;
    this.emailGiven = restored.email === true;
    /** the server sends email (`welcome.email_enabled`): the visitor may ask for a transcript */
    this.emailEnabled = false;
    /** @type {string | null} the conversation rated in this browser (kept by the host page) */
    this.rated = typeof restored.rated === 'string' ? restored.rated : null;
    /** @type {string | null} the conversation rated on this page, thanked until it reopens */
    this.thanked = null;
    /** @type {Map<string, Failure>} messages the server refused for good */
    this.failed = new Map();

    /** @type {SocketLike | null} */
    this.ws = null;
    /** connection generation: callbacks of an older socket are ignored */
    this.gen = 0;
    this.welcomed = false;
    this.nextRef = 1;
    /** @type {Map<string, {resolve: (f: any) => void, reject: (e: any) => void}>} */
    this.pending = new Map();
    /** @type {Map<string, number>} client_msg_id → generation it was sent on */
    this.inflight = new Map();
    /** @type {Set<string>} client_msg_ids waiting for a retry timer */
    this.retrying = new Set();
    /** @type {Set<string>} conversations whose newest page was loaded */
    this.loaded = new Set();
    this.triedFresh = false;
    /** the visitor asked to be forgotten: no socket opens until they write again */
    this.forgotten = false;
    this.awaitingFrame = false;
    this.timers = { retry: null, deadline: null, ping: null, typing: null };
  }

  // -------------------------------------------------------------------------------------------
  // What the panel calls

  /**
   * A proactive rule of the site fired: its message shows as the agent's, and the first
   * message that opens a conversation names it (`send.proactive`), so that the server stores
   * the greeting before it. Ignored in a conversation going on.
   * @param {any} rule
   */
  setProactive(rule) {
    if (!rule || typeof rule.id !== 'string' || typeof rule.message !== 'string' || !rule.message.trim()) return;
    if (this.conversation && this.conversation.status === 'open') return;
    this.proactive = { id: rule.id.slice(0, 64), message: P.clip(rule.message, 500), agent: assigneeOf(rule.agent) };
    this.hooks.changed();
  }

  /**
   * Opens the first connection. `pages`: those the host page's loader saw before, for the
   * first welcomed hello.
   * @param {{identity?: Identity | null, page?: Page | null, pages?: import('../../../common/protocol.js').SeenPage[]}} [start]
   */
  start(start = {}) {
    this.identity = start.identity ?? null;
    this.page = start.page ?? null;
    this.pagesBefore = start.pages ?? [];
    this.#connect();
  }

  /**
   * Queues a message typed by the visitor and sends it when possible: at once, or once the
   * visitor did what `step()` asks (the message waits in the outbox meanwhile). With files
   * (uploaded already: their ids go in the `send`), the text may be empty.
   * @param {string} body
   * @param {FileRef[]} [files]
   * @returns {'queued' | 'empty' | 'too_long'}
   */
  send(body, files = []) {
    const text = body.trim();
    const attachments = fileRefs(files);
    if (!text && !attachments.length) return 'empty';
    if (P.codePoints(text) > P.Limits.MAX_BODY_CHARS) return 'too_long';
    if (this.forgotten) {
      // The first message after being forgotten: as a new visitor.
      this.forgotten = false;
      this.#connect();
    }
    /** @type {Omit<OutboxItem, 'client_msg_id' | 'created_at'>} */
    const fields = attachments.length ? { body: text, attachments } : { body: text };
    this.outbox.add(fields, { uuid: this.env.uuid, now: this.env.date ?? (() => new Date()) });
    this.thanked = null;
    this.typingSender.stop();
    this.hooks.changed();
    this.#flushOutbox();
    return 'queued';
  }

  /** The composer now holds `text`. @param {string} text */
  typing(text) {
    if (this.conversation && this.welcomed) this.typingSender.input(text);
  }

  /** The panel is (or is no longer) in front of the visitor. @param {boolean} visible */
  setVisible(visible) {
    this.visible = visible;
    if (!visible) this.typingSender.stop();
    this.#markSeen();
  }

  /** The host page navigated. @param {Page} page */
  setPage(page) {
    this.page = page;
    if (this.welcomed) this.#write(P.pageFrame(page));
  }

  /** `Parley('identify', …)`: reconnect as that person. @param {Identity | null} identity */
  identify(identity) {
    this.identity = identity;
    this.forgotten = false;
    this.stopReason = null;
    this.#reconnectNow();
  }

  /**
   * The visitor's token, now or once a welcome brings one: a file dropped before the first
   * welcome waits for the session instead of failing. Null after `ms` without one, or when the
   * session stops.
   * @param {number} ms
   * @returns {Promise<string | null>}
   */
  signedIn(ms) {
    if (this.token) return Promise.resolve(this.token);
    if (this.status === 'stopped') return Promise.resolve(null);
    return new Promise((resolve) => {
      /** @param {string | null} token */
      const waiter = (token) => {
        this.clock.clearTimeout(timer);
        this.tokenWaiters.delete(waiter);
        resolve(token);
      };
      const timer = this.clock.setTimeout(() => waiter(null), ms);
      this.tokenWaiters.add(waiter);
    });
  }

  /** Those waiting for a token get it (null: the session stopped). @param {string | null} token */
  #tokenCame(token) {
    for (const waiter of [...this.tokenWaiters]) waiter(token);
  }

  /** `Parley('reset')`: forget the visitor (the loader already cleared storage). */
  reset() {
    this.token = null;
    this.identity = null;
    this.visitorId = null;
    this.conversation = null;
    this.seenConversation = null;
    this.seen = 0;
    this.readSent = 0;
    this.more = false;
    this.emailGiven = false;
    this.profile = readProfile(null);
    this.rated = null;
    this.thanked = null;
    this.agentTyping = null;
    this.wanted = null;
    this.prechatSent = false;
    this.queuePosition = null;
    this.timelines.clear();
    this.outbox.clear();
    this.failed.clear();
    this.loaded.clear();
    this.stopReason = null;
    this.#reportUnread();
    this.#reconnectNow();
  }

  /**
   * "Delete my conversations": nothing reconnects while `erase` asks the server to erase the
   * visitor (it closes their sockets); once done, the visitor is forgotten as by `reset()`, and
   * no socket opens until they write again (a new visitor then). When `erase` fails, everything
   * is kept and the connection comes back.
   * @param {() => Promise<boolean>} erase resolves whether the server erased the visitor
   */
  async forget(erase) {
    this.forgotten = true;
    const done = await erase();
    if (done) this.reset();
    else {
      this.forgotten = false;
      this.nudge();
    }
    return done;
  }

  /** The network came back or the tab became visible: check or restore the connection now. */
  nudge() {
    if (this.status === 'stopped') return;
    if (this.welcomed) this.#ping();
    else if (!this.ws) {
      this.backoff.reset();
      this.#connect();
    }
  }

  /** Loads the page of messages before the oldest one held. */
  async loadEarlier() {
    const c = this.conversation;
    if (!c || !this.welcomed || !this.more) return;
    const before = this.timelines.get(c.id).oldest;
    const page = await this.#request((ref) => P.historyFrame(ref, c.id, before, P.Limits.HISTORY_DEFAULT));
    this.#addAll(page.messages, false);
    this.more = !!page.more;
    this.hooks.changed();
  }

  /**
   * No agent is online: the visitor leaves an email to be answered there.
   * @param {string} email @param {string} [name]
   */
  async leaveEmail(email, name) {
    if (!this.welcomed) throw chatError(DISCONNECTED, 'not connected');
    await this.#request((ref) => P.profileFrame(ref, email, name));
    this.emailGiven = true;
    this.profile = { ...this.profile, email, name: name || this.profile.name };
    if (this.wanted === 'email' || this.wanted === 'offline') this.wanted = null;
    this.hooks.persist(PanelKeys.EMAIL, '1');
    this.hooks.changed();
    this.#flushOutbox();
  }

  /**
   * The visitor's answers to the pre-chat form: `prechat`, then what was waiting goes (unless
   * an email is still missing). Rejects with the server's error (`bad_request` naming a field).
   * @param {Record<string, string | boolean>} answers
   */
  async submitPrechat(answers) {
    if (!this.welcomed) throw chatError(DISCONNECTED, 'not connected');
    await this.#request((ref) => P.prechatFrame(ref, answers));
    this.prechatSent = true;
    this.#learnAnswers(answers);
    if (this.wanted === 'prechat') this.wanted = null;
    this.hooks.changed();
    this.#flushOutbox();
  }

  /**
   * A filled pre-chat or offline form: its message enters the outbox first (so that nothing
   * typed is lost whatever happens next, a lost connection included), then `prechat` (when the
   * form had fields) and `profile` (when it asked for the email) go, in that order; the message
   * is sent once nothing is missing any more. Rejects with the first error (`disconnected`
   * without a connection); what succeeded is not asked again.
   * @param {FormAnswers} form
   */
  async submitForm({ answers = null, email = '', body = '' }) {
    // Even without a connection: the outbox keeps the message for when there is one.
    if (body.trim()) {
      const queued = this.send(body);
      if (queued === 'too_long') throw chatError(P.ErrorCode.TOO_LARGE, 'message too long');
    }
    if (answers && !this.prechatSent) await this.submitPrechat(answers);
    if (email) await this.leaveEmail(email);
  }

  /**
   * What the visitor must do before messages go (null: nothing): leave an email, or fill the
   * pre-chat or the offline form. See `policy.nextStep`.
   * @returns {Step | null}
   */
  step() {
    return nextStep(this.#stepState());
  }

  /** The form to show while `step()` is `prechat` or `offline`, else null. @returns {FormSpec | null} */
  form() {
    const s = this.#stepState();
    const step = nextStep(s);
    if (step !== 'prechat' && step !== 'offline') return null;
    return {
      step,
      fields: formFields(s, step),
      email: !s.emailKnown && (step === 'offline' || emailRequired(s) || this.wanted === 'email'),
      messageRequired: step === 'prechat' && this.outbox.size === 0,
    };
  }

  /** Whether the visitor's email is known (given here, earlier in this browser, or by identity). */
  emailKnown() {
    return this.emailGiven || !!this.profile.email;
  }

  /** The visitor ends the conversation; a later message reopens it. */
  async end() {
    const c = this.conversation;
    if (!c || !this.welcomed) throw chatError(DISCONNECTED, 'not connected');
    await this.#request((ref) => P.endFrame(ref, c.id));
    if (this.conversation && this.conversation.id === c.id) this.conversation = { ...this.conversation, status: 'resolved' };
    this.agentTyping = null;
    this.hooks.changed();
  }

  /**
   * Whether the visitor may ask for the conversation by email: the server sends email, and
   * there is a conversation.
   */
  canEmailTranscript() {
    return this.emailEnabled && this.conversation !== null;
  }

  /**
   * Emails the conversation to the visitor: `profile` first when `email` is given (the visitor
   * typed it: none was known), then `transcript`. Resolves with the address it went to (null
   * when the server knows it but this page does not). Rejects with `conflict` when the server
   * knows no email for the visitor (ask for it, then call again with it).
   * @param {string} [email]
   * @returns {Promise<string | null>}
   */
  async emailTranscript(email = '') {
    const c = this.conversation;
    if (!c || !this.welcomed) throw chatError(DISCONNECTED, 'not connected');
    if (email) await this.leaveEmail(email);
    await this.#request((ref) => P.transcriptFrame(ref, c.id));
    return this.profile.email ?? null;
  }

  /**
   * The visitor rates the resolved conversation: `score` 1 to 5, an optional comment (rating
   * again replaces the earlier rating). Once the server says `ok`, the conversation is kept as
   * rated in the host page's storage, so the prompt does not come back after a reload. Rejects
   * with the server's error (`conflict` while the conversation is open), the prompt staying.
   * @param {number} score @param {string} [comment]
   */
  async rate(score, comment = '') {
    const text = comment.trim();
    if (!P.isScore(score)) throw chatError(P.ErrorCode.BAD_REQUEST, 'score must be 1 to 5');
    if (P.codePoints(text) > P.Limits.MAX_COMMENT_CHARS) throw chatError(P.ErrorCode.TOO_LARGE, 'comment too long');
    const c = this.conversation;
    if (!c || !this.welcomed) throw chatError(DISCONNECTED, 'not connected');
    await this.#request((ref) => P.rateFrame(ref, c.id, score, text));
    this.rated = this.thanked = c.id;
    this.hooks.persist(PanelKeys.RATED, c.id);
    this.hooks.changed();
  }

  /**
   * What the rating prompt shows: `ask` while the conversation is resolved and was not rated
   * in this browser, `thanks` once the visitor rated it on this page, else nothing. A message
   * typed after the resolution (which reopens the conversation) hides both at once.
   * @returns {'ask' | 'thanks' | null}
   */
  rating() {
    const c = this.conversation;
    if (!c || c.status !== 'resolved' || this.outbox.size > 0) return null;
    if (this.rated !== c.id) return 'ask';
    return this.thanked === c.id ? 'thanks' : null;
  }

  /** Closes the socket for good (the panel is going away). */
  stop() {
    this.#disconnect();
    this.#stop(null);
  }

  /**
   * What to show, in order: held messages by seq, then messages still in the outbox, then
   * messages refused for good.
   * @returns {Entry[]}
   */
  entries() {
    const cid = this.conversation ? this.conversation.id : null;
    /** @type {Entry[]} */
    const out = [];
    const timeline = this.timelines.find(cid);
    for (const message of timeline ? timeline.list() : []) {
      const mine = message.author.kind === 'visitor';
      out.push({
        key: entryKey(message.client_msg_id, `${message.conversation_id}:${message.seq}`),
        message,
        mine,
        state: mine && timeline ? timeline.deliveryState(message) : null,
      });
    }
    const held = this.step() !== null;
    for (const item of this.outbox.items()) {
      if (this.timelines.hasClientMsgId(item.client_msg_id)) continue;
      const state = held && !this.inflight.has(item.client_msg_id) ? 'waiting' : 'sending';
      out.push({ key: entryKey(item.client_msg_id, ''), item, mine: true, state });
    }
    for (const { item } of this.failed.values()) {
      out.push({ key: entryKey(item.client_msg_id, ''), item, mine: true, state: 'failed' });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Connection lifecycle

  #connect() {
    if (this.ws || this.status === 'stopped') return;
    if (this.forgotten) {
      this.status = 'idle';
      return;
    }
    this.clock.clearTimeout(this.timers.retry);
    this.timers.retry = null;
    const gen = ++this.gen;
    if (this.status !== 'reconnecting') this.status = 'connecting';
    /** @type {SocketLike} */
    let ws;
    try {
      ws = new this.env.WebSocket(this.env.url);
    } catch {
      this.#lost(0);
      return;
    }
    this.ws = ws;
    ws.onopen = () => gen === this.gen && this.#hello(gen);
    ws.onmessage = (/** @type {{data: unknown}} */ event) => gen === this.gen && this.#onText(event.data);
    ws.onclose = (/** @type {{code: number}} */ event) => gen === this.gen && this.#lost(event.code);
    ws.onerror = () => {};
    // No welcome in time (a stalled handshake, a black-holed network): give up on this socket.
    this.#setDeadline(P.Timing.CONNECT_TIMEOUT_MS, () => !this.welcomed);
  }

  /** @param {number} gen */
  #hello(gen) {
    const pages = this.pagesBefore;
    this.#request((ref) => P.helloFrame(ref, this.token, { page: this.page, identity: this.identity, pages })).then(
      (welcome) => gen === this.gen && this.#onWelcome(welcome, gen),
      (err) => {
        // `forbidden` and `unauthorized` are followed by the server's close (4003, 4001);
        // `unavailable` (storage down) is not: try again later.
        if (gen === this.gen && err.code === P.ErrorCode.UNAVAILABLE) this.#lost(0);
      },
    );
  }

  /** @param {any} welcome @param {number} gen */
  #onWelcome(welcome, gen) {
    this.#clearDeadline();
    this.welcomed = true;
    this.status = 'online';
    this.stopReason = null;
    this.#pagesDelivered();
    this.backoff.reset();
    this.triedFresh = false;
    if (this.visitorId && welcome.visitor_id !== this.visitorId) this.#forgetConversationState();
    this.visitorId = welcome.visitor_id ?? null;
    if (typeof welcome.token === 'string') {
      this.token = welcome.token;
      this.hooks.persist(PanelKeys.TOKEN, welcome.token);
    }
    if (this.token) this.#tokenCame(this.token);
    this.agentsOnline = Number(welcome.agents_online) || 0;
    this.available = typeof welcome.available === 'boolean' ? welcome.available : this.agentsOnline > 0;
    // Unavailable with agents online: the team is outside its hours (or its members away), which
    // an `agents` frame does not change; unavailable with nobody online may be only that.
    this.availableWhenOnline = this.available || this.agentsOnline === 0;
    this.profile = readProfile(welcome.profile);
    this.emailEnabled = welcome.email_enabled === true;
    this.wanted = null;
    this.#applySettings(welcome.settings);
    this.#setConversation(welcome.conversation ?? null);
    this.queuePosition = position(welcome.queue_position);
    this.expectedReplyS = seconds(welcome.expected_reply_s);
    this.#schedulePing();
    this.hooks.changed();
    this.#flushOutbox();
    this.#catchUp(gen).catch((err) => {
      if (gen === this.gen && err.code !== DISCONNECTED) this.#lost(0);
    });
  }

  /**
   * Brings the current conversation up to date: on the first connection of this tab the
   * newest page of history, then `sync` after the last seq held, page after page while `more`.
   * @param {number} gen
   */
  async #catchUp(gen) {
    const c = this.conversation;
    if (!c) return;
    if (!this.loaded.has(c.id)) {
      this.loaded.add(c.id);
      if (c.last_seq > 0) {
        const page = await this.#request((ref) => P.historyFrame(ref, c.id, null, P.Limits.HISTORY_DEFAULT));
        if (gen !== this.gen) return;
        this.#addAll(page.messages, false);
        this.more = !!page.more;
      }
    }
    let after = this.timelines.get(c.id).newest;
    for (;;) {
      const page = await this.#request((ref) => P.syncFrame(ref, c.id, after));
      if (gen !== this.gen) return;
      const messages = Array.isArray(page.messages) ? page.messages : [];
      this.#addAll(messages, true);
      const last = messages.length ? messages[messages.length - 1].seq : after;
      if (!page.more || !(last > after)) break;
      after = last;
    }
    this.hooks.changed();
  }

  /**
   * The socket is gone (closed by the server, failed, or dropped by us as dead): decide from
   * the close code whether and how to come back.
   * @param {number} code 0 when we dropped it ourselves
   */
  #lost(code) {
    this.#disconnect();
    if (this.status === 'stopped') return;
    const action = P.closeAction('visitor', code);
    if (action === 'stop') {
      this.#stop('forbidden');
      return;
    }
    if (action === 'fresh') {
      if (this.triedFresh) {
        this.#stop('unauthorized');
        return;
      }
      // The token was refused: forget it and come back once as a new visitor.
      this.triedFresh = true;
      this.token = null;
      this.hooks.persist(PanelKeys.TOKEN, null);
    }
    this.status = 'reconnecting';
    this.hooks.changed();
    this.clock.clearTimeout(this.timers.retry);
    this.timers.retry = this.clock.setTimeout(() => {
      this.timers.retry = null;
      this.#connect();
    }, this.backoff.next());
  }

  /**
   * The server has the pages seen before and this one (the hello's `page`): the loader's list
   * of them is emptied, once per panel (it may hold this page alone, which the hello carried).
   */
  #pagesDelivered() {
    if (this.pagesCarried) return;
    this.pagesCarried = true;
    this.pagesBefore = [];
    this.hooks.persist(PanelKeys.PAGES, null);
  }

  /** Lets go of the current socket without deciding what comes next. */
  #disconnect() {
    const ws = this.ws;
    this.ws = null;
    this.gen += 1;
    this.welcomed = false;
    this.awaitingFrame = false;
    this.#clearDeadline();
    this.clock.clearTimeout(this.timers.ping);
    this.timers.ping = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.inflight.clear();
    this.typingSender.forget();
    this.#setAgentTyping(null);
    for (const p of pending) p.reject(chatError(DISCONNECTED, 'connection lost'));
  }

  #reconnectNow() {
    this.#disconnect();
    this.clock.clearTimeout(this.timers.retry);
    this.timers.retry = null;
    if (this.status === 'stopped') this.status = 'idle';
    this.backoff.reset();
    this.triedFresh = false;
    this.#connect();
    this.hooks.changed();
  }

  /** @param {'forbidden' | 'unauthorized' | null} reason */
  #stop(reason) {
    this.clock.clearTimeout(this.timers.retry);
    this.timers.retry = null;
    this.status = 'stopped';
    this.stopReason = reason;
    this.#tokenCame(null);
    this.hooks.changed();
  }

  // -------------------------------------------------------------------------------------------
  // Heartbeat: browsers do not expose protocol pings, so a half-open socket (a laptop that
  // slept, a mobile network that switched) is found by a `ping` that gets no frame back.

  #schedulePing() {
    this.clock.clearTimeout(this.timers.ping);
    this.timers.ping = this.clock.setTimeout(() => this.#ping(), P.Timing.PING_INTERVAL_MS);
  }

  #ping() {
    if (!this.welcomed) return;
    this.awaitingFrame = true;
    this.#write(P.pingFrame());
    this.#setDeadline(P.Timing.PONG_TIMEOUT_MS, () => this.awaitingFrame);
    this.#schedulePing();
  }

  /** After `ms`, drops the socket if `stillBad()` says so. @param {number} ms @param {() => boolean} stillBad */
  #setDeadline(ms, stillBad) {
    this.#clearDeadline();
    const gen = this.gen;
    this.timers.deadline = this.clock.setTimeout(() => {
      this.timers.deadline = null;
      if (gen === this.gen && stillBad()) this.#lost(0);
    }, ms);
  }

  #clearDeadline() {
    this.clock.clearTimeout(this.timers.deadline);
    this.timers.deadline = null;
  }

  // -------------------------------------------------------------------------------------------
  // Frames

  /** @param {Record<string, unknown>} frame */
  #write(frame) {
    if (!this.ws) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends a frame with a fresh `ref`; resolves with the reply carrying that ref, rejects with
   * its `error` (or `disconnected` when the socket goes first).
   * @param {(ref: string) => Record<string, unknown>} build
   * @returns {Promise<any>}
   */
  #request(build) {
    const ref = String(this.nextRef++);
    return new Promise((resolve, reject) => {
      if (!this.ws) {
        reject(chatError(DISCONNECTED, 'not connected'));
        return;
      }
      this.pending.set(ref, { resolve, reject });
      if (!this.#write(build(ref))) {
        this.pending.delete(ref);
        reject(chatError(DISCONNECTED, 'not connected'));
      }
    });
  }

  /** @param {unknown} data */
  #onText(data) {
    this.awaitingFrame = false;
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== 'string') return;
    const waiting = typeof frame.ref === 'string' ? this.pending.get(frame.ref) : undefined;
    if (waiting) {
      this.pending.delete(frame.ref);
      if (frame.type === P.Server.ERROR) waiting.reject(chatError(frame.code, frame.message));
      else waiting.resolve(frame);
      return;
    }
    this.#onEvent(frame);
  }

  /** Frames that answer no request of ours. @param {any} frame */
  #onEvent(frame) {
    switch (frame.type) {
      case P.Server.MESSAGE:
        this.#addAll([frame.message], true);
        break;
      case P.Server.TYPING:
        if (frame.author?.kind !== 'visitor' && frame.conversation_id === this.conversation?.id) {
          this.#setAgentTyping(frame.state === 'on' ? String(frame.author?.name ?? '') : null);
          this.hooks.changed();
        }
        break;
      case P.Server.READ:
        if (frame.reader?.kind !== 'visitor' && this.#markAgentRead(frame.conversation_id, frame.seq)) {
          this.hooks.changed();
        }
        break;
      case P.Server.AGENTS:
        this.agentsOnline = Number(frame.online) || 0;
        this.available = typeof frame.available === 'boolean' ? frame.available : this.agentsOnline > 0 && this.availableWhenOnline;
        this.hooks.changed();
        this.#flushOutbox();
        break;
      case P.Server.QUEUE:
        this.#onQueue(frame);
        break;
      case P.Server.CONVERSATION:
        this.#onConversation(frame.conversation);
        break;
      case P.Server.ERROR:
        console.warn('[parley]', frame.code, frame.message);
        break;
      default:
        // pong, ok: the heartbeat already counted them
        break;
    }
  }

  /** The conversation's place in the queue changed (position null: an agent took it). @param {any} frame */
  #onQueue(frame) {
    if (typeof frame.conversation_id !== 'string') return;
    // Before its `sent`, the first message's conversation is known only by this frame.
    if (this.conversation && frame.conversation_id !== this.conversation.id) return;
    this.queuePosition = position(frame.position);
    if ('expected_reply_s' in frame) this.expectedReplyS = seconds(frame.expected_reply_s);
    this.hooks.changed();
  }

  /** @param {any} view */
  #onConversation(view) {
    if (!view || typeof view.id !== 'string') return;
    const switched = !this.conversation || this.conversation.id !== view.id;
    this.#setConversation(view);
    if (switched && this.welcomed) {
      const gen = this.gen;
      this.#catchUp(gen).catch(() => {});
    }
    this.hooks.changed();
  }

  /** @param {any} view */
  #setConversation(view) {
    if (!view || typeof view.id !== 'string') {
      this.conversation = null;
      return;
    }
    const switched = this.conversation !== null && this.conversation.id !== view.id;
    this.conversation = {
      id: view.id,
      status: view.status === 'resolved' ? 'resolved' : 'open',
      assignee: assigneeOf(view.assignee),
      last_seq: Number(view.last_seq) || 0,
    };
    if (this.conversation.status === 'open') this.thanked = null;
    // Waiting ends with an agent or with the conversation; another conversation waits anew.
    if (switched || this.conversation.assignee || this.conversation.status === 'resolved') this.queuePosition = null;
    // Optional: how far agents read, so `read` ticks survive a reload (if the server sends it).
    if (Number.isInteger(view.agent_read_seq)) this.#markAgentRead(view.id, view.agent_read_seq);
    if (this.seenConversation !== view.id) {
      // `seen` counted another conversation's seqs: start over for this one.
      this.seenConversation = view.id;
      this.seen = 0;
      this.readSent = 0;
      this.hooks.persist(PanelKeys.CONVERSATION, view.id);
      this.hooks.persist(PanelKeys.SEEN, '0');
    }
    this.#markSeen();
  }

  /**
   * Agents have read up to `seq` of a conversation: the visitor's messages up to it are `read`.
   * @param {unknown} conversationId @param {unknown} seq
   * @returns {boolean} whether the mark moved
   */
  #markAgentRead(conversationId, seq) {
    return typeof conversationId === 'string' && this.timelines.get(conversationId).markRead(/** @type {number} */ (seq));
  }

  /** Another visitor now (identify, reset): what this tab held belongs to someone else. */
  #forgetConversationState() {
    this.timelines.clear();
    this.loaded.clear();
    this.conversation = null;
    this.more = false;
    this.prechatSent = false;
  }

  /** @returns {StepState} */
  #stepState() {
    return {
      settings: this.settings,
      available: this.available,
      conversationOpen: this.conversation?.status === 'open',
      profile: this.profile,
      emailKnown: this.emailKnown(),
      prechatSent: this.prechatSent,
      wanted: this.wanted,
    };
  }

  /**
   * Accepted pre-chat answers are what the visitor gave: a field named `name` is the name, a
   * field of kind email the email, any other an attribute (as the server keeps them).
   * @param {Record<string, string | boolean>} answers
   */
  #learnAnswers(answers) {
    const profile = { ...this.profile, attributes: { ...this.profile.attributes } };
    for (const field of prechatFields(this.settings)) {
      const answer = answers[field.name];
      if (answer === undefined) continue;
      if (field.name === 'name' && field.kind === 'text' && typeof answer === 'string') profile.name = answer;
      else if (field.kind === 'email' && typeof answer === 'string') profile.email = answer;
      else profile.attributes[field.name] = answer;
    }
    this.profile = profile;
  }

  /** @param {Record<string, unknown>} settings */
  #applySettings(settings) {
    if (!settings || typeof settings !== 'object') return;
    this.settings = settings;
    this.typingSender.preview = settings.draft_preview === true;
    this.hooks.settings?.(settings);
  }

  /** @param {string | null} name */
  #setAgentTyping(name) {
    this.agentTyping = name;
    this.clock.clearTimeout(this.timers.typing);
    this.timers.typing = null;
    if (name === null) return;
    // A lost `off` must not leave "typing…" on screen for ever.
    this.timers.typing = this.clock.setTimeout(() => {
      this.agentTyping = null;
      this.hooks.changed();
    }, P.Timing.TYPING_TTL_MS);
  }

  /** @param {'on' | 'off'} state @param {string | null} preview */
  #sendTyping(state, preview) {
    if (this.conversation) this.#write(P.typingFrame(this.conversation.id, state, preview));
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  /**
   * Keeps new messages (duplicates by (conversation_id, seq) are dropped), settles the outbox
   * entries they confirm, and updates unread counts.
   * @param {unknown} messages @param {boolean} live
   */
  #addAll(messages, live) {
    if (!Array.isArray(messages)) return;
    let added = false;
    for (const message of messages) {
      if (!this.timelines.add(message)) continue;
      added = true;
      if (message.client_msg_id) {
        this.outbox.remove(message.client_msg_id);
        this.failed.delete(message.client_msg_id);
      }
      if (message.author.kind === 'agent') this.#setAgentTyping(null);
      if (this.conversation && message.conversation_id === this.conversation.id) {
        this.conversation.last_seq = Math.max(this.conversation.last_seq, message.seq);
      }
      if (live) this.hooks.live?.(message);
    }
    if (!added) return;
    this.#markSeen();
    this.hooks.changed();
  }

  /** Sends what the outbox holds, unless the visitor must first do what `step()` says. */
  #flushOutbox() {
    if (!this.welcomed || this.step() !== null) return;
    for (const item of this.outbox.items()) {
      if (this.inflight.size >= P.Limits.SEND_WINDOW) return;
      if (this.inflight.has(item.client_msg_id) || this.retrying.has(item.client_msg_id)) continue;
      this.#sendItem(item);
    }
  }

  /** @param {OutboxItem} item */
  #sendItem(item) {
    const id = item.client_msg_id;
    const gen = this.gen;
    this.inflight.set(id, gen);
    const conversationId = this.conversation ? this.conversation.id : null;
    const settle = () => {
      if (this.inflight.get(id) === gen) this.inflight.delete(id);
    };
    const files = fileRefs(item.attachments).map((f) => f.id);
    const answers = !conversationId || this.conversation?.status === 'resolved' ? this.proactive : null;
    this.#request((ref) => {
      const frame = P.sendFrame(ref, conversationId, id, item.body, P.Kind.TEXT, files);
      if (answers) frame.proactive = answers.id;
      return frame;
    }).then(
      (sent) => {
        settle();
        if (answers && this.proactive === answers) this.proactive = null; // the server stored it
        this.#onSent(sent.message);
        this.#flushOutbox();
      },
      (err) => {
        settle();
        this.#onSendFailed(item, err, conversationId);
        if (err.code !== DISCONNECTED) this.#flushOutbox();
      },
    );
  }

  /** @param {Message} message */
  #onSent(message) {
    if (!message || typeof message.conversation_id !== 'string') return;
    this.sendBackoff.reset();
    if (!this.conversation || this.conversation.id !== message.conversation_id) {
      // The first message opened the conversation (or the server started a new one).
      this.loaded.add(message.conversation_id);
      this.#setConversation({ id: message.conversation_id, status: 'open', assignee: null, last_seq: message.seq });
    } else if (this.conversation.status === 'resolved') {
      this.conversation = { ...this.conversation, status: 'open' };
    }
    if (message.client_msg_id) this.outbox.remove(message.client_msg_id);
    this.#addAll([message], true);
    this.hooks.changed();
  }

  /** @param {OutboxItem} item @param {{code?: string}} err @param {string | null} [conversationId] the conversation the send named */
  #onSendFailed(item, err, conversationId = null) {
    const id = item.client_msg_id;
    if (err.code === DISCONNECTED) return; // resent when the next connection is welcomed
    if (err.code === P.ErrorCode.NOT_FOUND && conversationId) {
      // The conversation we named is gone: let the server pick or open one.
      if (this.conversation?.id === conversationId) this.conversation = null;
      this.#flushOutbox();
      return;
    }
    if (err.code === P.ErrorCode.CONFLICT) {
      // The server wants pre-chat answers or an email first: the message waits in the outbox,
      // and the panel shows the step; doing it sends the message.
      const step = this.wanted ?? stepForConflict(this.#stepState());
      if (step) {
        // Messages without an email are refused only while nobody is available.
        if (step !== 'prechat') this.available = false;
        this.wanted = step;
        this.hooks.changed();
        return;
      }
    }
    if (err.code && P.RETRYABLE.has(err.code)) {
      this.retrying.add(id);
      this.clock.setTimeout(() => {
        this.retrying.delete(id);
        this.#flushOutbox();
      }, Math.max(1000, this.sendBackoff.next()));
      return;
    }
    // bad_request, too_large, forbidden, and not_found without a conversation named (a file
    // the message carries is gone: an upload no message took is deleted after a day):
    // resending the same message cannot succeed.
    this.outbox.remove(id);
    this.failed.set(id, { item, code: err.code ?? 'error' });
    this.hooks.changed();
  }

  /** Visible panel: everything held is seen, and agents are told how far the visitor read. */
  #markSeen() {
    const c = this.conversation;
    if (this.visible && c) {
      const max = this.timelines.get(c.id).newest;
      if (max > this.seen) {
        this.seen = max;
        this.hooks.persist(PanelKeys.SEEN, String(max));
      }
      if (this.welcomed && max > this.readSent) {
        this.readSent = max;
        this.#write(P.readFrame(c.id, max));
      }
    }
    this.#reportUnread();
  }

  #reportUnread() {
    const c = this.conversation;
    const count = c ? this.timelines.get(c.id).countAfter(this.seen, isReply) : 0;
    if (count === this.unreadCount) return;
    this.unreadCount = count;
    this.hooks.unread?.(count);
  }
}

/** What counts as unread for a visitor: agents' text messages (not events, never notes). @param {Message} m */
function isReply(m) {
  return m.author.kind === P.AuthorKind.AGENT && m.kind === P.Kind.TEXT;
}

/** A 1-based queue position, or null. @param {unknown} value */
function position(value) {
  return Number.isInteger(value) && /** @type {number} */ (value) > 0 ? /** @type {number} */ (value) : null;
}

/** A number of seconds, or null. @param {unknown} value */
function seconds(value) {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** @param {string | null} clientMsgId @param {string} fallback */
function entryKey(clientMsgId, fallback) {
  return clientMsgId ? `c:${clientMsgId}` : `m:${fallback}`;
}

/** @param {string} code @param {string} message */
function chatError(code, message) {
  return Object.assign(new Error(message || code), { code });
}

/** An agent's picture: only a path of the Parley origin's `/avatars/` route is shown. */
const AVATAR_PATH = /^\/avatars\/[A-Za-z0-9]{1,64}$/;

/**
 * The assignee as the panel keeps it: a name, and its picture's path when it is one.
 * @param {any} value @returns {import('../../../common/protocol.js').AssigneeView | null}
 */
export function assigneeOf(value) {
  if (!value || typeof value.name !== 'string') return null;
  const url = typeof value.avatar_url === 'string' && AVATAR_PATH.test(value.avatar_url) ? value.avatar_url : null;
  return { name: value.name, avatar_url: url };
}
