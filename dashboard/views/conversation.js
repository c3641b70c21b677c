// @ts-check
/**
 * One conversation: header with assignment, transfer and status actions, its team, its labels,
 * priority and snooze, "Download transcript" (views/triage.js), the visitor's rating and the
 * other agents viewing it, the message list (scroll-back paging, live
 * messages, notes set apart, system lines centred, the visitor's read receipt), who is typing
 * (other agents, and the visitor with their draft when the site shares it), the replies waiting
 * in the outbox, and the composer. While it is shown the other agents are told (`viewing`).
 * Under an agent's text reply, whether it was emailed to the visitor who left (lib/emails.js).
 * Files: a message's images as thumbnails opening the image viewer, other files as chips that
 * download them; files dropped anywhere on the conversation go to the composer.
 */
import { h, linkify, replace } from '../lib/dom.js';
import { fullTime, shortTime, stars } from '../lib/format.js';
import { AuthorKind, Kind } from '../../common/protocol.js';
import { namesAre } from '../lib/viewers.js';
import { EmailRefresh, emailMark } from '../lib/emails.js';
import { visitorLabel } from '../lib/workspace.js';
import { Composer } from './composer.js';
import { Lightbox, dropZone, filesList } from './files.js';
import { summary } from '../../common/uploads.js';
import { TransferSection } from './transfer.js';
import { TriageBar } from './triage.js';

/** @typedef {import('../../common/protocol.js').Message} Message */
/** @typedef {import('../../common/protocol.js').Rating} Rating */

/** Within this many pixels of the bottom, new messages keep the list scrolled down. */
const STICKY_PX = 80;
/** Within this many pixels of the top, older messages are fetched. */
const TOP_PX = 40;

export class ConversationView {
  /**
   * @param {import('./shell.js').AppContext} ctx
   * @param {string} id
   * @param {{backHref: string, toggleVisitor: () => void}} options
   */
  constructor(ctx, id, options) {
    this.ctx = ctx;
    this.desk = ctx.desk;
    this.ws = ctx.desk.workspace;
    this.id = id;
    this.options = options;
    /** @type {Map<number, HTMLElement>} */
    this.rows = new Map();
    this.loaded = false;
    this.loadingOlder = false;
    this.pendingShown = 0;
    /** @type {string | null} the rating shown (score, comment, time); null before the first render */
    this.ratingShown = null;
    /** @type {string} the viewers line shown */
    this.viewersShown = '';
    this.composer = new Composer(ctx, id);
    this.lightbox = new Lightbox();
    /** @param {import('./files.js').Attachment} a @param {HTMLElement} trigger */
    this.openImage = (a, trigger) => this.lightbox.open(a, trigger);
    this.composer.onEscape = () => this.focusList();
    this.transfer = new TransferSection(ctx, id);
    this.triage = new TriageBar(ctx, id, { act: (action) => this.act(action) });
    /** @type {import('../lib/emails.js').ReplyEmail[]} */
    this.emails = [];
    this.emailRefresh = new EmailRefresh({
      load: () => (this.mayBeEmailed() ? ctx.api.conversationEmails(id) : Promise.resolve(null)),
      apply: (emails) => {
        this.emails = emails;
        this.renderEmails();
      },
    });
    this.build();
    const ws = this.ws;
    this.offs = [
      ws.on('messages', (cid, added) => cid === id && this.messagesAdded(added)),
      ws.on('conversation', (c) => c.id === id && this.renderHeader()),
      ws.on('agents', () => {
        this.renderHeader();
        this.renderViewers();
      }),
      ws.on('teams', () => this.renderHeader()),
      ws.on('viewers', (cid) => cid === id && this.renderViewers()),
      ws.on('typing', (cid) => cid === id && this.renderTyping()),
      ws.on('read', (cid) => cid === id && this.renderReceipt()),
      this.desk.on('outbox', (cid) => cid === id && this.renderOutbox()),
      this.desk.on('connection', () => this.renderOutbox()),
      this.desk.on('welcome', () => this.loaded && this.markRead()),
    ];
    this.onVisible = () => this.markRead();
    document.addEventListener('visibilitychange', this.onVisible);
    globalThis.addEventListener('focus', this.onVisible);
    // Typing and viewing both expire without a word: look again every second.
    this.typingTimer = setInterval(() => {
      this.renderTyping();
      this.renderViewers();
    }, 1000);
    this.renderHeader();
    this.renderViewers();
    this.renderOutbox();
    this.desk.show(id);
    this.load();
  }

  build() {
    this.title = h('h2', { class: 'conversation-title', testid: 'conversation-title' });
    this.statusPill = h('span', { class: 'pill', testid: 'conversation-status' });
    this.teamPill = h('span', { class: 'pill team-pill', testid: 'conversation-team', hidden: true });
    this.viewers = h('p', { class: 'viewers', testid: 'conversation-viewers', hidden: true, attrs: { 'aria-live': 'polite' } });
    this.onlineDot = h('span', { class: 'presence-dot', testid: 'conversation-online' });
    this.assignSelect = h('select', { id: `assign-${this.id}`, testid: 'assign-select', on: { change: () => this.assignFromSelect() } });
    this.assignMe = h('button', { type: 'button', class: 'button small', testid: 'assign-me', text: 'Assign to me', on: { click: () => this.act(() => this.desk.assign(this.id, this.ws.me?.id ?? null)) } });
    this.resolveButton = h('button', { type: 'button', class: 'button small primary', testid: 'resolve-button', text: 'Resolve', attrs: { 'aria-keyshortcuts': 'e' }, on: { click: () => this.resolve() } });
    this.reopenButton = h('button', { type: 'button', class: 'button small', testid: 'reopen-button', text: 'Reopen', on: { click: () => this.act(() => this.desk.reopen(this.id)) } });
    this.actionError = h('p', { class: 'form-error', testid: 'conversation-error', attrs: { role: 'alert' } });
    this.rating = h('p', { class: 'conversation-rating', testid: 'conversation-rating', hidden: true });
    const header = h('header', { class: 'conversation-header' },
      this.backLink = h('a', { href: this.options.backHref, class: 'back-link', testid: 'conversation-back', attrs: { 'aria-label': 'Back to the inbox' }, text: '←' }),
      h('div', { class: 'conversation-who' }, this.onlineDot, this.title, this.statusPill, this.teamPill, this.triage.chips),
      h('div', { class: 'conversation-actions' },
        h('label', { htmlFor: `assign-${this.id}`, class: 'sr-only', text: 'Assignee' }),
        this.assignSelect, this.assignMe, this.transfer.button, this.resolveButton, this.reopenButton,
        h('button', { type: 'button', class: 'button small visitor-toggle', testid: 'visitor-toggle', text: 'Visitor', attrs: { 'aria-label': 'Show visitor details' }, on: { click: () => this.options.toggleVisitor() } })),
      this.triage.el,
      this.transfer.form,
      this.viewers,
      this.rating,
      this.actionError);

    this.earlier = h('button', { type: 'button', class: 'button small', testid: 'load-earlier', text: 'Load earlier messages', hidden: true, on: { click: () => this.loadOlder() } });
    this.list = h('ol', { class: 'messages', attrs: { 'aria-label': 'Messages' } });
    this.pendingList = h('ol', { class: 'messages pending', testid: 'outbox-list', attrs: { 'aria-label': 'Waiting to be sent' } });
    this.loading = h('p', { class: 'muted center', testid: 'messages-loading', text: 'Loading messages…' });
    this.scroller = h('div', { class: 'scroller', testid: 'message-list', tabIndex: 0, attrs: { 'aria-label': 'Conversation history' }, on: { scroll: () => this.scrolled() } },
      h('div', { class: 'center' }, this.earlier), this.loading, this.list, this.pendingList);
    this.typing = h('div', { class: 'typing', testid: 'typing-indicator', attrs: { 'aria-live': 'polite' } });
    this.dropHint = h('div', { class: 'drop-hint', testid: 'drop-hint', text: 'Drop files to attach them to your reply' });
    this.el = h('div', { class: 'conversation', testid: 'conversation', dataset: { conversationId: this.id } },
      header, this.scroller, this.typing, this.composer.el, this.dropHint);
    this.undrop = dropZone(this.el, this.dropHint, (files) => {
      this.composer.addFiles(files);
      this.composer.focus();
    });
  }

  /** @param {string} href */
  setBackHref(href) {
    this.backLink.href = href;
  }

  focusComposer() {
    if (globalThis.matchMedia?.('(pointer: coarse)').matches) return;
    queueMicrotask(() => this.composer.focus());
  }

  focusList() {
    queueMicrotask(() => this.scroller.focus({ preventScroll: true }));
  }

  destroy() {
    for (const off of this.offs) off();
    if (this.desk.shown === this.id) this.desk.show(null);
    document.removeEventListener('visibilitychange', this.onVisible);
    globalThis.removeEventListener('focus', this.onVisible);
    clearInterval(this.typingTimer);
    this.emailRefresh.stop();
    this.undrop();
    this.lightbox.close();
    this.composer.destroy();
    this.triage.destroy();
  }

  async load() {
    try {
      await this.desk.open(this.id);
    } catch (err) {
      this.loading.textContent = `Could not load the conversation: ${/** @type {Error} */ (err).message}`;
      return;
    }
    this.loaded = true;
    this.loading.hidden = true;
    this.renderAll();
    this.renderHeader();
    this.scrollToBottom();
    this.markRead();
    this.emailRefresh.request();
  }

  // ---- messages ---------------------------------------------------------------------------

  renderAll() {
    const timeline = this.ws.timeline(this.id);
    const messages = timeline.list();
    messages.forEach((m, index) => {
      let row = this.rows.get(m.seq);
      if (!row) {
        row = this.messageRow(m);
        this.rows.set(m.seq, row);
      }
      if (this.list.children[index] !== row) this.list.insertBefore(row, this.list.children[index] ?? null);
    });
    this.earlier.hidden = !timeline.hasOlder;
    this.renderReceipt();
    this.renderEmails();
  }

  /** @param {Message[]} added */
  messagesAdded(added) {
    if (!this.loaded) return;
    const stick = this.atBottom() || added.some((m) => this.ws.isMine(m));
    const newest = this.rows.size ? Math.max(...this.rows.keys()) : 0;
    this.renderAll();
    if (stick) this.scrollToBottom();
    for (const m of added) {
      if (m.seq > newest && !this.ws.isMine(m) && m.kind !== Kind.EVENT) {
        this.ctx.announce(`${this.authorName(m)}${m.kind === Kind.NOTE ? ' (note)' : ''}: ${summary(m)}`);
      }
    }
    this.markRead();
    if (added.some(isAgentReply)) this.emailRefresh.request();
  }

  /** @param {Message} m */
  authorName(m) {
    if (this.ws.isMine(m)) return 'You';
    if (m.author.kind === AuthorKind.VISITOR) {
      const c = this.ws.conversations.get(this.id);
      return c ? visitorLabel(c) : m.author.name ?? 'Visitor';
    }
    if (m.author.kind === AuthorKind.SYSTEM) return 'Parley';
    return m.author.name ?? 'Agent';
  }

  /** @param {Message} m */
  messageRow(m) {
    const mine = this.ws.isMine(m);
    const from = m.author.kind === AuthorKind.VISITOR ? 'visitor' : m.author.kind === AuthorKind.AGENT ? 'agent' : 'system';
    const classes = ['message', `from-${from}`, `kind-${m.kind}`];
    if (mine) classes.push('mine');
    const dataset = { seq: String(m.seq), kind: m.kind, author: from, mine: String(mine) };
    // A system line ("Transferred to Billing", "Alice joined the conversation"), centred.
    if (m.kind === Kind.EVENT || m.author.kind === AuthorKind.SYSTEM) {
      if (!classes.includes('kind-event')) classes.push('kind-event');
      return h('li', { class: classes.join(' '), testid: 'message', dataset },
        h('span', { class: 'event-text', testid: 'message-body', text: m.body }), ' ',
        h('time', { dateTime: m.created_at, text: shortTime(m.created_at), attrs: { title: fullTime(m.created_at) } }));
    }
    return h('li', { class: classes.join(' '), testid: 'message', dataset },
      h('div', { class: 'message-head' },
        agentPicture(m.author.kind === AuthorKind.AGENT && m.author.id ? this.ws.agentPicture(m.author.id) : null),
        h('span', { class: 'message-author', text: this.authorName(m) }),
        m.kind === Kind.NOTE ? h('span', { class: 'note-label', testid: 'note-label', text: 'Internal note' }) : null,
        h('time', { dateTime: m.created_at, text: shortTime(m.created_at), attrs: { title: fullTime(m.created_at) } })),
      h('div', { class: 'message-body', testid: 'message-body' }, linkify(m.body)),
      filesList(/** @type {any} */ (m).attachments, { open: this.openImage }),
      h('div', { class: 'receipt', testid: 'read-receipt', hidden: true, text: 'Seen' }),
      isAgentReply(m) ? h('div', { class: 'email-mark', testid: 'email-mark', hidden: true }) : null);
  }

  /**
   * Reply emails are only written for a visitor with an email, and only carry agents' text
   * replies: without both there is nothing to ask the server about.
   */
  mayBeEmailed() {
    return Boolean(this.ws.conversations.get(this.id)?.visitor_email) && this.ws.timeline(this.id).list().some(isAgentReply);
  }

  /** "Emailed", "Email failed" or "Will be emailed…" under the agent replies emails carry. */
  renderEmails() {
    for (const [seq, row] of this.rows) {
      const el = /** @type {HTMLElement | null} */ (row.querySelector('.email-mark'));
      if (!el) continue;
      const mark = emailMark(this.emails, seq);
      el.hidden = !mark;
      el.textContent = mark?.text ?? '';
      el.title = mark?.title ?? '';
      el.dataset.state = mark?.state ?? '';
    }
  }

  /** Marks the last agent reply the visitor has read. */
  renderReceipt() {
    const timeline = this.ws.timeline(this.id);
    let seen = null;
    for (const m of timeline.list()) {
      if (m.seq > timeline.readMark) break;
      if (m.author.kind === AuthorKind.AGENT && m.kind === Kind.TEXT) seen = m.seq;
    }
    for (const [seq, row] of this.rows) {
      const receipt = /** @type {HTMLElement | null} */ (row.querySelector('.receipt'));
      if (receipt) receipt.hidden = seq !== seen;
    }
  }

  renderOutbox() {
    const items = this.desk.outbox(this.id);
    const connected = this.desk.connection.isOpen;
    replace(this.pendingList, items.map((item) => h('li', {
      class: `message from-agent mine kind-${item.kind} ${item.state}`,
      testid: 'message-pending',
      dataset: { clientMsgId: item.client_msg_id, state: item.state, kind: item.kind },
    },
    h('div', { class: 'message-head' },
      h('span', { class: 'message-author', text: 'You' }),
      item.kind === Kind.NOTE ? h('span', { class: 'note-label', text: 'Internal note' }) : null),
    h('div', { class: 'message-body' }, linkify(item.body)),
    filesList(item.attachments),
    item.state === 'failed'
      ? h('div', { class: 'pending-state error' },
        h('span', { text: `Not sent: ${item.error ?? 'error'} ` }),
        h('button', { type: 'button', class: 'link-button', testid: 'retry-send', text: 'Retry', on: { click: () => this.desk.retry(this.id, item.client_msg_id) } }),
        ' ',
        h('button', { type: 'button', class: 'link-button', testid: 'discard-send', text: 'Discard', on: { click: () => this.desk.discard(this.id, item.client_msg_id) } }))
      : h('div', { class: 'pending-state muted', text: connected ? 'Sending…' : 'Waiting for the connection…' }))));
    if (items.length > this.pendingShown) this.scrollToBottom();
    this.pendingShown = items.length;
  }

  /** "Bob is viewing": the other agents who have this conversation on screen. */
  renderViewers() {
    const names = this.ws.viewersOf(this.id).map((v) => v.name ?? 'Another agent');
    const text = namesAre(names, 'viewing');
    if (text === this.viewersShown) return;
    this.viewersShown = text;
    this.viewers.hidden = !text;
    this.viewers.dataset.count = String(names.length);
    this.viewers.textContent = text;
  }

  renderTyping() {
    const typists = this.ws.typists(this.id);
    if (!typists.length) {
      this.typing.replaceChildren();
      this.typing.hidden = true;
      return;
    }
    this.typing.hidden = false;
    const c = this.ws.conversations.get(this.id);
    const names = typists.map((t) => (t.author.kind === AuthorKind.VISITOR ? (c ? visitorLabel(c) : 'The visitor') : t.author.name ?? 'An agent'));
    const preview = typists.find((t) => t.author.kind === AuthorKind.VISITOR && t.preview)?.preview;
    replace(this.typing,
      h('span', { class: 'typing-dots', attrs: { 'aria-hidden': 'true' } }, h('span'), h('span'), h('span')),
      h('span', { testid: 'typing-text', text: `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` }),
      preview ? h('blockquote', { class: 'typing-preview', testid: 'typing-preview', text: preview }) : null);
  }

  // ---- scrolling --------------------------------------------------------------------------

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < STICKY_PX;
  }

  scrollToBottom() {
    requestAnimationFrame(() => {
      this.scroller.scrollTop = this.scroller.scrollHeight;
    });
  }

  scrolled() {
    if (this.loaded && this.scroller.scrollTop < TOP_PX && this.ws.timeline(this.id).hasOlder) this.loadOlder();
  }

  async loadOlder() {
    if (this.loadingOlder) return;
    this.loadingOlder = true;
    this.earlier.disabled = true;
    const before = this.scroller.scrollHeight;
    try {
      await this.desk.loadOlder(this.id);
      this.renderAll();
      this.scroller.scrollTop += this.scroller.scrollHeight - before;
    } catch (err) {
      this.actionError.textContent = `Could not load earlier messages: ${/** @type {Error} */ (err).message}`;
    } finally {
      this.loadingOlder = false;
      this.earlier.disabled = false;
    }
  }

  // ---- reading ----------------------------------------------------------------------------

  markRead() {
    if (!this.loaded || document.visibilityState !== 'visible') return;
    this.desk.markRead(this.id);
  }

  // ---- header and actions -----------------------------------------------------------------

  renderHeader() {
    const c = this.ws.conversations.get(this.id);
    const me = this.ws.me;
    if (!c) {
      this.title.textContent = 'Conversation';
      return;
    }
    this.title.textContent = visitorLabel(c);
    this.onlineDot.classList.toggle('online', c.visitor_online);
    this.onlineDot.dataset.online = String(c.visitor_online);
    this.onlineDot.title = c.visitor_online ? 'Visitor online' : 'Visitor offline';
    this.statusPill.textContent = c.status === 'open' ? 'Open' : 'Resolved';
    this.statusPill.dataset.status = c.status;
    const team = this.ws.teamName(c.team_id);
    this.teamPill.hidden = !c.team_id;
    this.teamPill.textContent = team ?? (c.team_id ? 'A team' : '');
    this.teamPill.dataset.teamId = c.team_id ?? '';
    this.teamPill.title = team ? `Team: ${team}` : '';
    const focused = document.activeElement;
    this.resolveButton.hidden = c.status !== 'open';
    this.reopenButton.hidden = c.status === 'open';
    this.assignMe.hidden = Boolean(me && c.assignee_id === me.id);
    // A button that goes once used (Assign to me, Resolve, Reopen) hands the focus on to the
    // next action rather than drop it on the page, where a keyboard user would start over.
    if (focused instanceof HTMLButtonElement && focused.hidden && this.el.contains(focused)) {
      const next = [this.resolveButton, this.reopenButton, this.transfer.button].find((b) => !b.hidden);
      next?.focus();
    }
    this.renderAssignees(c.assignee_id);
    this.renderRating(c.rating);
    this.triage.render();
  }

  /**
   * The visitor's rating under the header: `★★★★☆ 4/5` and the comment. One that arrives while
   * the conversation is on screen is read out too.
   * @param {Rating | null} rating
   */
  renderRating(rating) {
    const shown = rating ? JSON.stringify([rating.score, rating.comment, rating.created_at]) : '';
    if (shown === this.ratingShown) return;
    const arrived = this.ratingShown !== null && rating !== null;
    this.ratingShown = shown;
    this.rating.hidden = !rating;
    if (!rating) {
      this.rating.replaceChildren();
      return;
    }
    this.rating.dataset.score = String(rating.score);
    replace(this.rating,
      h('span', { class: 'muted', text: 'Visitor’s rating ' }),
      h('span', { class: 'rating-score', testid: 'conversation-rating-score', attrs: { title: fullTime(rating.created_at) } },
        h('span', { class: 'rating-stars', attrs: { 'aria-hidden': 'true' }, text: stars(rating.score) }), ` ${rating.score}/5`),
      rating.comment ? h('q', { class: 'rating-comment', testid: 'conversation-rating-comment', text: rating.comment }) : null);
    if (arrived) this.ctx.announce(`The visitor rated this conversation ${rating.score} out of 5${rating.comment ? `: ${rating.comment}` : ''}`);
  }

  /** @param {string | null} current */
  renderAssignees(current) {
    const me = this.ws.me;
    const team = [...this.ws.team.values()].filter((m) => m.active !== false || m.id === current);
    team.sort((a, b) => (a.id === me?.id ? -1 : b.id === me?.id ? 1 : (a.name ?? '').localeCompare(b.name ?? '')));
    const options = [h('option', { value: '', text: 'Unassigned' })];
    for (const m of team) {
      const name = m.name ?? `Agent ${m.id.slice(-4)}`;
      const label = m.id === me?.id ? `${name} (you)` : `${name}${m.status === 'offline' ? '' : ` — ${m.status}`}`;
      options.push(h('option', { value: m.id, text: label }));
    }
    if (current && !team.some((m) => m.id === current)) {
      options.push(h('option', { value: current, text: this.ws.agentName(current) ?? 'Another agent' }));
    }
    replace(this.assignSelect, options);
    this.assignSelect.value = current ?? '';
  }

  assignFromSelect() {
    const value = this.assignSelect.value || null;
    this.act(() => this.desk.assign(this.id, value));
  }

  /** @returns {Promise<boolean>} whether it was open and is now resolved */
  async resolve() {
    const c = this.ws.conversations.get(this.id);
    if (c?.status !== 'open') return false;
    return this.act(() => this.desk.resolve(this.id));
  }

  /** @param {() => Promise<unknown>} action @returns {Promise<boolean>} whether it succeeded */
  async act(action) {
    this.actionError.textContent = '';
    try {
      await action();
      return true;
    } catch (err) {
      this.actionError.textContent = /** @type {Error} */ (err).message;
      this.renderHeader();
      return false;
    }
  }
}

/** An agent's text reply (never a note): what reply emails carry. @param {Message} m */
function isAgentReply(m) {
  return m.author.kind === AuthorKind.AGENT && m.kind === Kind.TEXT;
}

/** Beside an agent's message, its author's picture (decorative: the name follows). @param {string | null} url */
function agentPicture(url) {
  return url ? h('img', { class: 'message-avatar', testid: 'message-avatar', src: url, alt: '' }) : null;
}
