// @ts-check
/**
 * The agent's live session: ties the socket, the HTTP API, the workspace model and the outbox
 * together. It answers frames (welcome, message, conversation, typing, read, presence,
 * visitor), catches up after every reconnect (`sync` from the last seq held, for every
 * timeline held), sends replies through the outbox (same `client_msg_id` until acknowledged),
 * marks conversations read, tells the other agents which conversation it shows (`viewing`),
 * and carries out the agent's actions (assign, resolve, transfer). No DOM.
 *
 * It asks for focused delivery (`subscription: 'focused'` in the hello): when the welcome
 * echoes it, the server sends in full only the conversations this page shows (named with
 * `watch`, again at every change and every welcome) or that are assigned to this agent, and
 * sums up the others in `activity` frames; their inbox rows follow those, and their timelines,
 * left behind, are caught up with `sync` when shown. A server that does not echo it sends
 * everything, as before, and is sent no `watch`.
 *
 * Events (besides the workspace's own): `connection` (state), `welcome` ({reconnect}),
 * `outbox` (conversationId), `alert` ({kind: 'conversation' | 'message', conversation, message?}),
 * `unauthorized`, `error` (message for the agent).
 */
import { Emitter } from './emitter.js';
import { AgentConnection, FrameError, SYSTEM_CLOCK } from './connection.js';
import { Workspace } from './workspace.js';
import { createOutbox, storedItems } from './outbox.js';
import { VIEWING, VIEWING_REPEAT_MS, viewingFrame } from './viewers.js';
import { emailSetup } from './emails.js';
import { fileRefs } from '../../common/uploads.js';
import { isMessage } from '../../common/timeline.js';
import {
  AuthorKind, ErrorCode, Kind, Limits, RETRYABLE, Server, Subscription, codePoints, socketUrl,
  historyFrame, readFrame, sendFrame, statusFrame, syncFrame, typingFrame, watchFrame,
} from '../../common/protocol.js';

/** @typedef {import('../../common/protocol.js').Message} Message */
/** @typedef {import('../../common/protocol.js').Frame} Frame */
/** @typedef {import('./outbox.js').OutboxItem} OutboxItem */
/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./connection.js').Clock} Clock */

/**
 * What `PATCH /conversations/{id}` changes: status, assignee, team (a transfer, with a note),
 * labels (ids, replacing those it had), priority, snooze (RFC 3339; null wakes it).
 * @typedef {{status?: string, assignee_id?: string | null, team_id?: string | null, note?: string,
 *   labels?: string[], priority?: string, snoozed_until?: string | null}} ConversationChange
 */

/** Newest page size when a conversation is opened, and per scroll-back. */
const PAGE = Limits.HISTORY_DEFAULT;
/** A retryable send failure is retried after this long while connected. */
const RETRY_SEND_MS = 2_000;
/** Pages of this agent's open conversations fetched when the welcome does not list them all. */
const MINE_PAGES = 20;

export class Desk extends Emitter {
  /**
   * @param {{api: Api, getToken: () => string | null, origin?: string, WebSocketImpl?: typeof WebSocket,
   *   clock?: Clock, uuid?: () => string, random?: () => number}} options (the last four for tests)
   */
  constructor(options) {
    super();
    this.api = options.api;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.uuid = options.uuid ?? (() => crypto.randomUUID());
    this.workspace = new Workspace({ now: () => this.clock.now() });
    this.connection = new AgentConnection({
      url: socketUrl(options.origin ?? globalThis.location.origin, 'agent'),
      getToken: options.getToken,
      subscription: Subscription.FOCUSED,
      WebSocketImpl: options.WebSocketImpl,
      clock: this.clock,
      random: options.random,
    });
    /** Replies not yet acknowledged, of every conversation, kept in storage. */
    this.unsent = createOutbox();
    /** Sends awaiting their `sent`, by client_msg_id. @type {Set<string>} */
    this.inflight = new Set();
    /** Sends the server was too busy for, waiting for the retry timer. @type {Set<string>} */
    this.backingOff = new Set();
    /** Read marks sent, by conversation. @type {Map<string, number>} */
    this.readSent = new Map();
    /** Conversations being caught up, so that a second catch-up waits for the first. @type {Map<string, Promise<void>>} */
    this.syncing = new Map();
    /**
     * The status this agent chose. The server keeps it (in every tab, on every node, across
     * reconnects): each welcome and each `presence` frame about this agent says what it is.
     * @type {'online' | 'away'}
     */
    this.status = 'online';
    /** @type {any} */ this.retrySendTimer = null;
    /** @type {Set<string>} conversations whose details are being fetched */
    this.fetching = new Set();
    /** The workspace's auto-away delay in seconds (`welcome.auto_away_s`; 0: off). */
    this.autoAwayS = 0;
    /** What the server says of its email (`welcome.email`). @type {import('./emails.js').EmailSetup} */
    this.email = { configured: null, inbound: false };
    /** The conversation this page shows, which the other agents are told about. @type {string | null} */
    this.shown = null;
    /** @type {any} */ this.viewingTimer = null;
    /**
     * Whether the welcome said `subscription: 'focused'`: the server then sends in full only
     * the conversations watched or assigned to this agent. False with a server that sends all.
     */
    this.focused = false;
    /** The watched set sent last (ids joined); null when the server must be told again. @type {string | null} */
    this.watchSent = null;
    /**
     * Timelines known to lack messages the server has (summed up in `activity` frames, or
     * before a message that came after a hole): conversation → the seq they are complete up
     * to, where their next catch-up starts.
     * @type {Map<string, number>}
     */
    this.behind = new Map();
    /** Conversations to catch up again when their running catch-up ends (news came meanwhile). @type {Set<string>} */
    this.catchUpAgain = new Set();

    this.connection.on('state', (state) => this.emit('connection', state));
    this.connection.on('welcome', (frame, info) => this.welcomed(frame, info));
    this.connection.on('frame', (frame) => this.handle(frame));
    this.connection.on('unauthorized', () => this.emit('unauthorized'));
  }

  start() {
    this.connection.start();
  }

  /**
   * A new socket with the token as it is now, the old one given up without a word (the page
   * signed in again after a password change, and the server closes, or has closed, the
   * sockets of the old token with 4001). What the page holds is kept, and caught up at the
   * welcome.
   */
  reconnect() {
    this.connection.stop();
    this.connection.start();
  }

  stop() {
    this.clock.clearTimeout(this.retrySendTimer);
    this.clock.clearInterval(this.viewingTimer);
    this.viewingTimer = null;
    this.shown = null;
    this.focused = false;
    this.watchSent = null;
    this.behind.clear();
    this.catchUpAgain.clear();
    this.connection.stop();
    this.inflight.clear();
    this.backingOff.clear();
    this.readSent.clear();
    this.syncing.clear();
    this.workspace.clear();
  }

  get me() {
    return this.workspace.me;
  }

  // ---- welcome and catch-up ---------------------------------------------------------------

  /** @param {Frame} frame @param {{reconnect: boolean}} info */
  async welcomed(frame, info) {
    const ws = this.workspace;
    ws.setMe(frame.agent);
    ws.setPresence(frame.agents ?? []);
    if ('teams' in frame) ws.setTeams(frame.teams);
    this.autoAwayS = Number(frame.auto_away_s) > 0 ? Number(frame.auto_away_s) : 0;
    this.email = emailSetup(frame);
    this.adoptStatus(frame.agent.status);
    const openIds = new Set();
    for (const raw of frame.conversations ?? []) {
      openIds.add(raw.id);
      ws.upsertConversation(raw);
    }
    this.loadLabels();
    // The server forgot who views what with the old socket, and what it watched.
    if (this.shown) this.viewing(this.shown, 'on');
    this.focused = frame.subscription === Subscription.FOCUSED;
    this.watchSent = null;
    this.watch();
    this.emit('welcome', info);
    if (info.reconnect && !frame.more) this.refreshMissing(openIds);
    // This agent's load counts their open conversations: fetch those the welcome left out.
    if (frame.more) this.loadMine();
    // Catch up every conversation held, then send what waits in the outboxes.
    const held = [...ws.timelines.values()].filter((t) => t.loaded).map((t) => t.conversationId);
    await Promise.all(held.map((id) => this.catchUp(id)));
    this.flushAll();
  }

  /**
   * Conversations held as open that the welcome no longer lists were resolved (or changed)
   * while the socket was down: fetch them again.
   * @param {Set<string>} openIds
   */
  refreshMissing(openIds) {
    for (const c of this.workspace.conversations.values()) {
      if (c.status === 'open' && !openIds.has(c.id)) this.refreshConversation(c.id);
    }
  }

  /** The workspace's labels (again after a reconnect: an admin may have changed them). */
  async loadLabels() {
    try {
      const { items } = await this.api.labels();
      this.workspace.setLabels(items);
    } catch {
      /* shown without names until the next welcome */
    }
  }

  /** Every open conversation assigned to this agent (a bounded number of pages). */
  async loadMine() {
    /** @type {string | null} */
    let cursor = null;
    try {
      for (let page = 0; page < MINE_PAGES; page++) {
        const result = await this.api.conversations({ status: 'open', assignee: 'me', cursor });
        for (const raw of result.items) this.workspace.upsertConversation(raw);
        cursor = result.next_cursor;
        if (!cursor) return;
      }
    } catch {
      /* the Mine tab fetches its own */
    }
  }

  /** @param {string} id */
  async refreshConversation(id) {
    if (this.fetching.has(id)) return;
    this.fetching.add(id);
    try {
      const raw = await this.api.conversation(id);
      this.workspace.upsertConversation(raw);
    } catch {
      /* the next inbox fetch will tell */
    } finally {
      this.fetching.delete(id);
    }
  }

  /**
   * Every message after the last seq held, page after page (`sync`).
   * @param {string} id
   */
  catchUp(id) {
    const running = this.syncing.get(id);
    if (running) return running;
    const work = (async () => {
      let complete = false;
      try {
        let after = this.syncFrom(id);
        let more = true;
        while (more && this.connection.isOpen) {
          const reply = await this.connection.request(syncFrame('', id, after));
          const messages = reply.messages ?? [];
          this.received(id, messages, { live: true });
          // The next page starts after this one, not after the newest held: a message held
          // past a hole must not make the catch-up skip the hole.
          for (const m of messages) if (Number.isInteger(m?.seq) && m.seq > after) after = m.seq;
          more = Boolean(reply.more) && messages.length > 0;
        }
        complete = !more;
      } catch (err) {
        if (!(err instanceof FrameError) || err.code !== ErrorCode.DISCONNECTED) console.warn('parley: sync failed', err);
      } finally {
        this.syncing.delete(id);
      }
      if (complete) this.caughtUp(id);
      if (this.catchUpAgain.delete(id)) await this.catchUp(id);
    })();
    this.syncing.set(id, work);
    return work;
  }

  /**
   * Where a catch-up starts: after the newest seq held, or before that where the timeline is
   * known to lack messages.
   * @param {string} id
   */
  syncFrom(id) {
    const newest = this.workspace.timeline(id).newest;
    return Math.min(this.behind.get(id) ?? newest, newest);
  }

  /**
   * The timeline holds everything the server had when the catch-up ended; an `activity` that
   * came meanwhile may have told of newer messages still, which the next catch-up fetches.
   * @param {string} id
   */
  caughtUp(id) {
    this.behind.delete(id);
    const newest = this.workspace.timeline(id).newest;
    if (this.focused && (this.workspace.conversations.get(id)?.last_seq ?? 0) > newest) this.behind.set(id, newest);
  }

  /**
   * The server has messages up to `seq` in this conversation that its timeline may lack: the
   * next catch-up starts where the timeline is complete (focused delivery only: with all of
   * them delivered, a timeline has no hole). A timeline never fetched and holding nothing has
   * nothing to complete: its newest page is fetched when it is shown.
   * @param {string} id @param {number} seq
   */
  noteBehind(id, seq) {
    if (!this.focused || this.behind.has(id)) return;
    const timeline = this.workspace.timelines.find(id);
    if (!timeline || seq <= timeline.newest || (!timeline.loaded && timeline.newest === 0)) return;
    this.behind.set(id, timeline.newest);
  }

  // ---- frames -----------------------------------------------------------------------------

  /** @param {Frame} frame */
  handle(frame) {
    const ws = this.workspace;
    switch (frame.type) {
      case Server.MESSAGE:
        return this.liveMessage(frame.message);
      case Server.ACTIVITY:
        // Visitors who came or went, summed up like the conversations (focused delivery).
        if (Array.isArray(frame.visitors)) {
          for (const v of frame.visitors) {
            if (v && typeof v.visitor_id === 'string') ws.visitorPresence(v.visitor_id, Boolean(v.online));
          }
        }
        return this.activity(frame.conversations);
      case Server.CONVERSATION: {
        const known = ws.conversations.has(frame.conversation.id);
        const c = ws.upsertConversation(frame.conversation);
        if (!known) {
          this.refreshConversation(c.id);
          if (c.status === 'open') this.emit('alert', { kind: 'conversation', conversation: c });
        }
        return;
      }
      case Server.TYPING:
        return ws.setTyping(frame.conversation_id, frame.author, frame.state, frame.preview);
      case Server.READ:
        if (frame.reader?.kind === AuthorKind.VISITOR) ws.visitorRead(frame.conversation_id, frame.seq);
        return;
      case Server.PRESENCE:
        if (frame.visitor_id) ws.visitorPresence(frame.visitor_id, Boolean(frame.online));
        else if (frame.agent_id) {
          ws.agentPresence(frame.agent_id, frame.status);
          // Chosen in another tab (or on another node): this tab follows.
          if (frame.agent_id === this.me?.id) this.adoptStatus(frame.status);
        }
        return;
      case Server.VISITOR:
        return ws.visitorChanged(frame.visitor);
      case VIEWING:
        if (typeof frame.conversation_id === 'string' && typeof frame.agent_id === 'string') {
          ws.setViewing(frame.conversation_id, frame.agent_id, frame.state);
        }
        return;
      case Server.ERROR:
        console.warn('parley: server error', frame.code, frame.message);
        return;
      default:
        return;
    }
  }

  /** @param {Message} message */
  liveMessage(message) {
    const id = message.conversation_id;
    const ws = this.workspace;
    const timeline = ws.timeline(id);
    const gap = timeline.loaded && message.seq > timeline.newest + 1;
    this.noteBehind(id, message.seq - 1);
    const added = this.received(id, [message], { live: true });
    if (gap) this.catchUp(id);
    const c = ws.conversations.get(id);
    if (!c) this.refreshConversation(id);
    if (added.length && c && message.author.kind === AuthorKind.VISITOR) {
      this.emit('alert', { kind: 'message', conversation: c, message });
    }
  }

  /**
   * An `activity` frame (focused delivery): conversations this page is not sent in full got
   * messages. Their inbox rows follow (last message, time, order, unread count, the title's
   * total) and a visitor's message alerts, as `message` frames would; their timelines do not
   * take the last message (the ones before it were not sent) but are marked behind, to be
   * caught up with `sync` when shown.
   * @param {unknown} entries
   */
  activity(entries) {
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (entry && typeof entry.conversation_id === 'string' && Number.isInteger(entry.last_seq)) this.activityEntry(entry);
    }
  }

  /** @param {import('../../common/protocol.js').ActivityEntry} entry */
  activityEntry(entry) {
    const id = entry.conversation_id;
    const shown = id === this.shown;
    this.noteBehind(id, entry.last_seq);
    const c = this.workspace.activity(entry, { countUnread: !shown });
    if (!c) {
      this.refreshConversation(id);
      return;
    }
    // On screen yet summed up: these messages came before the server read the `watch`.
    if (shown) this.catchUpShown(id);
    const m = entry.last_message;
    if (entry.unread > 0 && isMessage(m) && m.author.kind === AuthorKind.VISITOR) {
      this.emit('alert', { kind: 'message', conversation: c, message: m });
    }
  }

  /**
   * Fetches what the conversation on screen lacks: now, or after the catch-up under way (which
   * may have been answered before those messages). A timeline still loading catches up next.
   * @param {string} id
   */
  catchUpShown(id) {
    if (this.syncing.has(id)) this.catchUpAgain.add(id);
    else if (this.workspace.timeline(id).loaded && this.connection.isOpen) this.catchUp(id);
  }

  /**
   * Messages from any source: kept once each; an outbox item the server turns out to hold
   * already (same client_msg_id, written by this agent) leaves the outbox.
   * @param {string} id @param {Message[]} messages @param {{live?: boolean}} options
   */
  received(id, messages, options) {
    for (const m of messages) {
      if (m.client_msg_id && this.workspace.isMine(m) && this.unsent.remove(m.client_msg_id)) {
        this.inflight.delete(m.client_msg_id);
        this.emit('outbox', id);
      }
    }
    return this.workspace.addMessages(id, messages, options);
  }

  // ---- history ----------------------------------------------------------------------------

  /**
   * The newest page of a conversation, once; then whatever came since (a `sync`).
   * @param {string} id
   */
  async open(id) {
    const timeline = this.workspace.timeline(id);
    if (!this.workspace.conversations.has(id)) await this.refreshConversation(id);
    if (timeline.loaded) {
      if (this.connection.isOpen) await this.catchUp(id);
      return;
    }
    const page = await this.fetchPage(id, null);
    timeline.loaded = true;
    timeline.hasOlder = page.more;
    this.received(id, page.messages, {});
    if (this.connection.isOpen) await this.catchUp(id);
  }

  /** Older messages, before the oldest held. @param {string} id */
  async loadOlder(id) {
    const timeline = this.workspace.timeline(id);
    if (!timeline.hasOlder) return [];
    const page = await this.fetchPage(id, timeline.oldest);
    timeline.hasOlder = page.more;
    return this.received(id, page.messages, {});
  }

  /**
   * A history page over the socket when it is open, else over HTTP.
   * @param {string} id @param {number | null} beforeSeq
   * @returns {Promise<{messages: Message[], more: boolean}>}
   */
  async fetchPage(id, beforeSeq) {
    if (this.connection.isOpen) {
      try {
        const reply = await this.connection.request(historyFrame('', id, beforeSeq, PAGE));
        return { messages: reply.messages ?? [], more: Boolean(reply.more) };
      } catch (err) {
        if (!(err instanceof FrameError) || err.code !== ErrorCode.DISCONNECTED) throw err;
      }
    }
    const page = await this.api.messages(id, { before_seq: beforeSeq, limit: PAGE });
    return { messages: page.items, more: page.more };
  }

  // ---- sending ----------------------------------------------------------------------------

  /**
   * Puts a reply (or note) in the conversation's outbox and sends it when connected. With
   * files (uploaded already: their ids go in the `send`), the text may be empty.
   * @param {string} conversationId @param {'text' | 'note'} kind @param {string} body
   * @param {import('../../common/uploads.js').Uploaded[]} [files]
   * @returns {OutboxItem | string} the item, or why it cannot be sent
   */
  send(conversationId, kind, body, files = []) {
    const attachments = fileRefs(files);
    if (!body.trim() && !attachments.length) return 'Write something first.';
    if (codePoints(body) > Limits.MAX_BODY_CHARS) return `Too long: at most ${Limits.MAX_BODY_CHARS} characters.`;
    if (!this.me) return 'Not signed in.';
    /** @type {Omit<OutboxItem, 'client_msg_id' | 'created_at'>} */
    const fields = { conversation_id: conversationId, agent_id: this.me.id, kind, body, state: 'pending' };
    if (attachments.length) fields.attachments = attachments;
    const item = this.unsent.add(fields, { uuid: this.uuid, now: () => new Date(this.clock.now()) });
    this.emit('outbox', conversationId);
    if (kind === Kind.TEXT) this.typing(conversationId, 'off');
    this.flush(conversationId);
    return item;
  }

  /** @param {string} conversationId @returns {OutboxItem[]} this agent's items */
  outbox(conversationId) {
    return this.unsent.items((i) => i.conversation_id === conversationId && i.agent_id === this.me?.id);
  }

  /**
   * Sends every waiting item of every conversation (after a welcome), including those another
   * tab kept meanwhile (the server stores each `client_msg_id` once, whoever sends it).
   */
  flushAll() {
    this.unsent.restore(storedItems());
    for (const id of new Set(this.unsent.items().map((i) => i.conversation_id))) this.flush(id);
  }

  /**
   * Sends this conversation's pending items not already on their way, oldest first, keeping
   * at most `SEND_WINDOW` sends awaiting their answer.
   * @param {string} conversationId
   */
  flush(conversationId) {
    if (!this.connection.isOpen) return;
    for (const item of this.outbox(conversationId)) {
      if (this.inflight.size >= Limits.SEND_WINDOW) break;
      if (item.state !== 'pending' || this.inflight.has(item.client_msg_id) || this.backingOff.has(item.client_msg_id)) continue;
      this.transmit(item);
    }
  }

  /** @param {OutboxItem} item */
  async transmit(item) {
    const id = item.conversation_id;
    this.inflight.add(item.client_msg_id);
    try {
      const files = fileRefs(item.attachments).map((f) => f.id);
      const reply = await this.connection.request(sendFrame('', id, item.client_msg_id, item.body, item.kind, files));
      this.inflight.delete(item.client_msg_id);
      this.unsent.remove(item.client_msg_id);
      this.emit('outbox', id);
      // A reply to a conversation not sent in full may land past messages summed up.
      if (isMessage(reply.message)) this.noteBehind(id, reply.message.seq - 1);
      this.received(id, [reply.message], {});
    } catch (err) {
      this.inflight.delete(item.client_msg_id);
      const code = err instanceof FrameError ? err.code : ErrorCode.UNAVAILABLE;
      if (RETRYABLE.has(code)) {
        // A lost connection resends after the next welcome; a busy server, after a pause
        // (not at once: that would only earn the same error again, as fast as it comes).
        if (code !== ErrorCode.DISCONNECTED) this.scheduleRetry(item.client_msg_id);
      } else {
        this.unsent.update(item.client_msg_id, { state: 'failed', error: describeSendError(code, err, fileRefs(item.attachments).length > 0) });
        this.emit('outbox', id);
      }
    }
    this.flush(id);
  }

  /** @param {string} clientMsgId a send to try again after the pause */
  scheduleRetry(clientMsgId) {
    this.backingOff.add(clientMsgId);
    this.clock.clearTimeout(this.retrySendTimer);
    this.retrySendTimer = this.clock.setTimeout(() => {
      this.backingOff.clear();
      this.flushAll();
    }, RETRY_SEND_MS);
  }

  /** A failed item is tried again (same client_msg_id). @param {string} conversationId @param {string} clientMsgId */
  retry(conversationId, clientMsgId) {
    this.unsent.update(clientMsgId, { state: 'pending', error: undefined });
    this.emit('outbox', conversationId);
    this.flush(conversationId);
  }

  /** @param {string} conversationId @param {string} clientMsgId */
  discard(conversationId, clientMsgId) {
    this.unsent.remove(clientMsgId);
    this.emit('outbox', conversationId);
  }

  // ---- reading, typing, status ------------------------------------------------------------

  /**
   * The agent has the conversation in front of them: its unread count goes to zero and the
   * read mark (the last seq held) is sent once per new seq.
   * @param {string} conversationId
   */
  markRead(conversationId) {
    const seq = this.workspace.timeline(conversationId).newest;
    const c = this.workspace.conversations.get(conversationId);
    if (c && (c.unreadBase + c.liveUnread.size > 0 || seq > c.unreadBaseSeq)) {
      this.workspace.markRead(conversationId, seq);
    }
    if (seq <= (this.readSent.get(conversationId) ?? 0)) return;
    if (!this.connection.isOpen) return;
    this.readSent.set(conversationId, seq);
    this.connection.request(readFrame(conversationId, seq)).catch(() => {
      this.readSent.delete(conversationId);
    });
  }

  /** @param {string} conversationId @param {'on' | 'off'} state */
  typing(conversationId, state) {
    this.connection.fire(typingFrame(conversationId, state));
  }

  // ---- viewing ----------------------------------------------------------------------------

  /**
   * The conversation this page shows (null: none): the other agents are told `on` now and
   * every `VIEWING_REPEAT_MS` while it stays, and `off` when it leaves.
   * @param {string | null} conversationId
   */
  show(conversationId) {
    if (this.shown === conversationId) return;
    if (this.shown) this.viewing(this.shown, 'off');
    this.clock.clearInterval(this.viewingTimer);
    this.viewingTimer = null;
    this.shown = conversationId;
    // Watched before it is fetched, so that nothing falls between the fetch and full delivery.
    // None shown waits for the end of the task: going to another conversation destroys the
    // last view just before it shows the next, and one `watch` then says so.
    if (conversationId) this.watch();
    else queueMicrotask(() => this.watch());
    if (!conversationId) return;
    this.viewing(conversationId, 'on');
    this.viewingTimer = this.clock.setInterval(() => this.viewing(conversationId, 'on'), VIEWING_REPEAT_MS);
  }

  /**
   * Tells the server which conversations this page shows in full, replacing the set it had
   * (focused delivery only: a connection sent everything needs no `watch`). A set already sent
   * is not sent again; a failure is forgotten, the next change or welcome sends the set again.
   */
  watch() {
    if (!this.focused || !this.connection.isOpen) return;
    const ids = this.watched();
    const key = ids.join(' ');
    if (key === this.watchSent) return;
    this.watchSent = key;
    this.connection.request(watchFrame('', ids)).catch(() => {
      if (this.watchSent === key) this.watchSent = null;
    });
  }

  /** The conversations this page shows in full: the one on screen. @returns {string[]} */
  watched() {
    return this.shown ? [this.shown] : [];
  }

  /** @param {string} conversationId @param {'on' | 'off'} state */
  viewing(conversationId, state) {
    if (!this.connection.isOpen) return;
    // Nothing to retry: the next renewal, or the next welcome, says it again.
    this.connection.request(viewingFrame('', conversationId, state)).catch(() => {});
  }

  /** The server's word on this agent's status. @param {unknown} status */
  adoptStatus(status) {
    if (status !== 'online' && status !== 'away') return;
    const changed = status !== this.status;
    this.status = status;
    if (this.me) this.workspace.agentPresence(this.me.id, status);
    if (changed) this.emit('status', status);
  }

  /** @param {'online' | 'away'} status */
  async setStatus(status) {
    this.status = status;
    if (this.me) this.workspace.agentPresence(this.me.id, status);
    if (this.connection.isOpen) await this.connection.request(statusFrame('', status));
  }

  // ---- conversation actions (HTTP) --------------------------------------------------------

  /**
   * @param {string} id @param {ConversationChange} change
   */
  async update(id, change) {
    const raw = await this.api.updateConversation(id, change);
    this.workspace.upsertConversation(raw);
    return raw;
  }

  /** @param {string} id */
  resolve(id) {
    return this.update(id, { status: 'resolved' });
  }

  /** @param {string} id */
  reopen(id) {
    return this.update(id, { status: 'open' });
  }

  /** The labels it carries, replacing those it had. @param {string} id @param {string[]} labels */
  setLabels(id, labels) {
    return this.update(id, { labels });
  }

  /** @param {string} id @param {string} priority `none`, `low`, `medium`, `high` or `urgent` */
  setPriority(id, priority) {
    return this.update(id, { priority });
  }

  /**
   * Out of the open tabs until `until` (a visitor's message brings it back sooner); null
   * brings it back now. @param {string} id @param {Date | null} until
   */
  snooze(id, until) {
    return this.update(id, { snoozed_until: until ? until.toISOString() : null });
  }

  /** @param {string} id @param {string | null} agentId */
  assign(id, agentId) {
    return this.update(id, { assignee_id: agentId });
  }

  /**
   * Hands a conversation to a team (null: the whole workspace), whose automatic assignment
   * then applies, or to an agent, with an optional note for whoever takes it. The server writes
   * the system line ("Transferred to Billing") and the note.
   * @param {string} id
   * @param {{team_id: string | null} | {assignee_id: string}} target
   * @param {string} [note]
   */
  transfer(id, target, note) {
    /** @type {{team_id?: string | null, assignee_id?: string, note?: string}} */
    const change = { ...target };
    const text = note?.trim();
    if (text) change.note = text;
    return this.update(id, change);
  }
}

/** @param {string} code @param {unknown} err @param {boolean} [withFiles] the reply carries files */
function describeSendError(code, err, withFiles = false) {
  switch (code) {
    case ErrorCode.TOO_LARGE:
      return 'Too long to send.';
    case ErrorCode.NOT_FOUND:
      // An upload no message took is deleted after a day: the file must be attached again.
      return withFiles ? 'This conversation, or a file of this reply, no longer exists.' : 'This conversation no longer exists.';
    case ErrorCode.FORBIDDEN:
      return 'Not allowed.';
    default:
      return err instanceof Error ? err.message : 'Not sent.';
  }
}

