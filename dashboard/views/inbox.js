// @ts-check
/**
 * The inbox: tabs (Mine, Queue, Unassigned, All open, Snoozed, Resolved), a team filter, a
 * label filter, search over message text, the list sorted by last activity with unread badges,
 * the visitor-online dot, label chips and a priority mark, and "load more". A snoozed
 * conversation is in the Snoozed tab only, until its time passes (counted here, to the second:
 * it comes back by itself, and the server's frame confirms it). The queue is the unassigned conversations oldest first, each with how
 * long it has waited (since its `updated_at`), counted live.
 * What a tab shows is every conversation held that matches its filter — fetched pages, the
 * welcome, and live `conversation`/`message` frames alike — so a new conversation appears
 * without a refetch. With a search, only the conversations the search returned are shown.
 */
import { h, replace } from '../lib/dom.js';
import { fullTime, shortTime, stars, waited } from '../lib/format.js';
import { TABS, conversationHref, inboxHref } from '../lib/router.js';
import { Keys, load, save } from '../lib/storage.js';
import { PRIORITIES, isSnoozed, unreadOf, visitorLabel } from '../lib/workspace.js';

/** @typedef {import('../lib/workspace.js').Conversation} Conversation */
/** @typedef {{ids: Set<string>, cursor: string | null, loading: boolean, loaded: boolean, error: string}} Listing */

const SEARCH_DELAY_MS = 300;
/** The queue is shown whole, oldest first: this many pages at most. */
const QUEUE_PAGES = 20;
/** Waiting times are counted again this often. */
const WAITING_TICK_MS = 1000;
/** The tabs that show how many conversations they hold (resolved ones pile up for good). */
const COUNTED_TABS = Object.freeze(['mine', 'queue', 'unassigned', 'open', 'snoozed']);
/** A snooze ending is looked at this long after its time (a timer may fire a little early). */
const SNOOZE_SLACK_MS = 50;

/**
 * Whether a conversation belongs in a tab now: the open tabs leave out the snoozed ones, which
 * the Snoozed tab holds until their time.
 * @param {Conversation} c @param {string} tab @param {string | undefined} me
 * @param {number} [now] the clock, for snoozes
 */
export function inTab(c, tab, me, now = Date.now()) {
  const awake = c.status === 'open' && !isSnoozed(c, now);
  switch (tab) {
    case 'mine':
      return awake && c.assignee_id === me;
    case 'queue':
    case 'unassigned':
      return awake && !c.assignee_id;
    case 'open':
      return awake;
    case 'snoozed':
      return c.status === 'open' && isSnoozed(c, now);
    case 'resolved':
      return c.status === 'resolved';
    default:
      return false;
  }
}

/** What an empty tab says (with no search), fitting what the tab holds. */
const EMPTY_TEXTS = Object.freeze({
  mine: 'Nothing assigned to you. Conversations you take or are given appear here.',
  queue: 'No one is waiting. Visitors waiting for an agent appear here.',
  unassigned: 'No unassigned conversations. New conversations appear as they start.',
  open: 'No open conversations. New conversations appear as they start.',
  snoozed: 'Nothing snoozed. A snoozed conversation waits here until its time, or until the visitor writes.',
  resolved: 'No resolved conversations yet. Conversations appear here once they are resolved.',
});

/**
 * The status line of a tab that shows nothing.
 * @param {string} tab @param {string} [q] the search, if any
 */
export function emptyText(tab, q = '') {
  if (q) return 'No conversation matches.';
  return EMPTY_TEXTS[/** @type {keyof typeof EMPTY_TEXTS} */ (tab)] ?? 'Nothing here.';
}

/**
 * The team filter: '' (every team), `none` (conversations of no team) or a team id.
 * @param {Conversation} c @param {string} team
 */
export function inTeam(c, team) {
  if (!team) return true;
  if (team === 'none') return !c.team_id;
  return c.team_id === team;
}

/**
 * The label filter: '' (every conversation) or a label id.
 * @param {Conversation} c @param {string} label
 */
export function hasLabel(c, label) {
  return !label || c.labels.includes(label);
}

/** The word of a priority other than none, else null. @param {string} priority */
export function priorityText(priority) {
  if (priority === 'none') return null;
  return PRIORITIES.find((p) => p.id === priority)?.label ?? null;
}

/** @param {Conversation} a @param {Conversation} b */
export function byActivity(a, b) {
  if (a.last_activity_at === b.last_activity_at) return a.id < b.id ? 1 : -1;
  return a.last_activity_at < b.last_activity_at ? 1 : -1;
}

/** The queue's order: the longest waiting first. @param {Conversation} a @param {Conversation} b */
export function byWaiting(a, b) {
  if (a.updated_at === b.updated_at) return a.id < b.id ? -1 : 1;
  return a.updated_at < b.updated_at ? -1 : 1;
}

export class InboxView {
  /**
   * @param {import('./shell.js').AppContext} ctx
   * @param {{onTab: (tab: string) => boolean}} options called on a tab click; true: handled without navigating
   */
  constructor(ctx, options) {
    this.ctx = ctx;
    this.ws = ctx.desk.workspace;
    this.options = options;
    this.tab = '';
    this.q = '';
    /** @type {string} '' (every team), `none`, or a team id */
    this.team = String(load(Keys.INBOX_TEAM, '') ?? '');
    /** @type {string} '' (every conversation) or a label id */
    this.label = String(load(Keys.INBOX_LABEL, '') ?? '');
    /** @type {any} the next snooze to end, looked at then */ this.snoozeTimer = null;
    /** @type {string | null} */
    this.selected = null;
    /** @type {Map<string, Listing>} */
    this.listings = new Map();
    /** @type {Map<string, HTMLElement>} */
    this.rows = new Map();
    /** @type {string[]} */
    this.order = [];
    this.pending = false;
    /** @type {any} */ this.searchTimer = null;
    this.build();
    this.offs = [
      this.ws.on('conversation', () => this.schedule()),
      this.ws.on('agents', () => this.schedule()),
      this.ws.on('teams', () => this.renderTeams()),
      this.ws.on('labels', () => this.renderLabels()),
      ctx.desk.on('welcome', (/** @type {{reconnect: boolean}} */ info) => {
        if (info.reconnect) this.refetch();
        else this.schedule();
        if (this.tab !== 'open' || this.q || this.team || this.label) this.prefetchOpen();
      }),
    ];
    this.waitingTimer = setInterval(() => this.tickWaiting(), WAITING_TICK_MS);
    this.renderTeams();
    this.renderLabels();
  }

  build() {
    /** @type {Map<string, HTMLElement>} each counted tab's number */
    this.counts = new Map();
    this.tabLinks = TABS.map((t) => {
      const count = COUNTED_TABS.includes(t.id) ? h('span', { class: 'tab-count', testid: `inbox-tab-count-${t.id}`, text: '0' }) : null;
      if (count) this.counts.set(t.id, count);
      return h('a', {
        href: inboxHref(t.id), class: 'tab', testid: `inbox-tab-${t.id}`, dataset: { tab: t.id },
        attrs: { role: 'tab', 'aria-selected': 'false' },
        on: { click: (/** @type {MouseEvent} */ e) => {
          if (!e.ctrlKey && !e.metaKey && !e.shiftKey && this.options.onTab(t.id)) e.preventDefault();
        } },
      }, t.label, count ? [' ', count] : null);
    });
    this.search = h('input', {
      type: 'search', id: 'inbox-search', testid: 'inbox-search', placeholder: 'Search messages  ( / )',
      autocomplete: 'off', on: { input: () => this.searchSoon(), keydown: (/** @type {KeyboardEvent} */ e) => this.searchKey(e) },
    });
    this.teamSelect = h('select', { id: 'inbox-team', testid: 'inbox-team-filter', on: { change: () => this.setTeam(this.teamSelect.value) } });
    this.teamFilter = h('div', { class: 'team-filter', hidden: true },
      h('label', { htmlFor: 'inbox-team', class: 'muted small', text: 'Team' }), this.teamSelect);
    this.labelSelect = h('select', { id: 'inbox-label', testid: 'inbox-label-filter', on: { change: () => this.setLabel(this.labelSelect.value) } });
    this.labelFilter = h('div', { class: 'team-filter', testid: 'inbox-label-filter-box', hidden: true },
      h('label', { htmlFor: 'inbox-label', class: 'muted small', text: 'Label' }), this.labelSelect);
    this.list = h('ul', { class: 'inbox-list', testid: 'inbox-list', attrs: { 'aria-label': 'Conversations' } });
    this.more = h('button', { type: 'button', class: 'button wide', testid: 'inbox-load-more', text: 'Load more', hidden: true, on: { click: () => this.fetch(true) } });
    this.status = h('p', { class: 'inbox-status muted', testid: 'inbox-status', attrs: { role: 'status' } });
    this.el = h('div', { class: 'inbox' },
      h('nav', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Inbox views' } }, this.tabLinks),
      h('form', { class: 'search', attrs: { role: 'search' }, on: { submit: (/** @type {Event} */ e) => { e.preventDefault(); this.runSearch(); } } },
        h('label', { htmlFor: 'inbox-search', class: 'sr-only', text: 'Search messages' }), this.search),
      h('div', { class: 'filters' }, this.teamFilter, this.labelFilter),
      this.list, this.status, this.more);
  }

  destroy() {
    for (const off of this.offs) off();
    clearTimeout(this.searchTimer);
    clearInterval(this.waitingTimer);
    clearTimeout(this.snoozeTimer);
  }

  key() {
    return `${this.tab}|${this.team}|${this.label}|${this.q}`;
  }

  /** The label filter's choices: shown once the workspace has labels (or one is chosen). */
  renderLabels() {
    const labels = [...this.ws.labels.values()].sort((a, b) => a.name.localeCompare(b.name));
    const options = [h('option', { value: '', text: 'All labels' })];
    for (const l of labels) options.push(h('option', { value: l.id, text: l.name }));
    if (this.label && !this.ws.labels.has(this.label)) options.push(h('option', { value: this.label, text: 'Another label' }));
    replace(this.labelSelect, options);
    this.labelSelect.value = this.label;
    this.labelFilter.hidden = !labels.length && !this.label;
    this.schedule();
  }

  /** @param {string} label '' (every conversation) or a label id */
  setLabel(label) {
    if (label === this.label) return;
    this.label = label;
    save(Keys.INBOX_LABEL, label || null);
    this.labelSelect.value = label;
    if (!this.listings.get(this.key())?.loaded) this.fetch(false);
    this.render();
  }

  /** The team filter's choices: shown once the workspace has teams (or one is chosen). */
  renderTeams() {
    const teams = [...this.ws.teams.values()].sort((a, b) => a.name.localeCompare(b.name));
    const options = [h('option', { value: '', text: 'All teams' }), h('option', { value: 'none', text: 'No team' })];
    for (const t of teams) options.push(h('option', { value: t.id, text: t.name }));
    // A team chosen earlier that is not known (yet) stays chosen.
    if (this.team && this.team !== 'none' && !this.ws.teams.has(this.team)) options.push(h('option', { value: this.team, text: 'Another team' }));
    replace(this.teamSelect, options);
    this.teamSelect.value = this.team;
    this.teamFilter.hidden = !teams.length && !this.team;
    this.schedule();
  }

  /** @param {string} team '' (every team), `none`, or a team id */
  setTeam(team) {
    if (team === this.team) return;
    this.team = team;
    save(Keys.INBOX_TEAM, team || null);
    this.teamSelect.value = team;
    if (!this.listings.get(this.key())?.loaded) this.fetch(false);
    this.render();
  }

  /** The queue's waiting times, counted again (the rows stay as they are). */
  tickWaiting() {
    if (this.tab !== 'queue') return;
    const now = Date.now();
    for (const span of this.list.querySelectorAll('[data-testid="inbox-item-waiting"]')) {
      const since = Date.parse(/** @type {HTMLElement} */ (span).dataset.since ?? '');
      const text = `Waiting ${waited(now - since)}`;
      if (span.textContent !== text) span.textContent = text;
    }
  }

  /** @param {string} tab */
  setTab(tab) {
    if (tab === this.tab) return;
    this.tab = tab;
    for (const link of this.tabLinks) {
      const current = link.dataset.tab === tab;
      link.setAttribute('aria-selected', String(current));
      link.classList.toggle('current', current);
    }
    this.listings.delete(this.key());
    this.fetch(false);
    this.render();
  }

  /** @param {string | null} id */
  setSelected(id) {
    this.selected = id;
    this.render();
  }

  focusSearch() {
    this.search.focus();
    this.search.select();
  }

  searchSoon() {
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => this.runSearch(), SEARCH_DELAY_MS);
  }

  /** @param {KeyboardEvent} e */
  searchKey(e) {
    if (e.key === 'Escape') {
      this.search.value = '';
      this.runSearch();
      this.search.blur();
    }
  }

  runSearch() {
    clearTimeout(this.searchTimer);
    const q = this.search.value.trim();
    if (q === this.q) return;
    this.q = q;
    // A search runs afresh each time; the plain list keeps what it had loaded (and its cursor).
    if (q) this.listings.delete(this.key());
    if (!this.listings.get(this.key())?.loaded) this.fetch(false);
    this.render();
  }

  /** The tab's first page again (after a reconnect). */
  refetch() {
    this.listings.delete(this.key());
    this.fetch(false);
  }

  /**
   * The newest open conversations with their unread counts, whatever the tab shows, so that
   * the title's count and the other tabs are right from the start (and after a reconnect).
   */
  async prefetchOpen() {
    try {
      const page = await this.ctx.api.conversations({ status: 'open' });
      for (const raw of page.items) this.ws.upsertConversation(raw);
    } catch {
      /* the tabs fetch their own */
    }
  }

  /** @param {boolean} more next page, else the first */
  async fetch(more) {
    const key = this.key();
    const tab = TABS.find((t) => t.id === this.tab);
    if (!tab) return;
    /** @type {Listing} */
    const listing = this.listings.get(key) ?? { ids: new Set(), cursor: null, loading: false, loaded: false, error: '' };
    this.listings.set(key, listing);
    if (listing.loading || (more && !listing.cursor)) return;
    listing.loading = true;
    listing.error = '';
    this.render();
    try {
      // The queue is read whole: its oldest conversation may be on the last page.
      let pages = tab.id === 'queue' && !this.q ? QUEUE_PAGES : 1;
      let cursor = more ? listing.cursor : null;
      do {
        const page = await this.ctx.api.conversations({
          status: tab.status, assignee: tab.assignee, team: this.team || undefined, label: this.label || undefined,
          snoozed: tab.snoozed, q: this.q || undefined, cursor: cursor ?? undefined,
        });
        for (const raw of page.items) {
          listing.ids.add(raw.id);
          this.ws.upsertConversation(raw);
        }
        cursor = page.next_cursor;
        pages -= 1;
      } while (cursor && pages > 0);
      listing.cursor = cursor;
      listing.loaded = true;
    } catch (err) {
      listing.error = /** @type {Error} */ (err).message;
    } finally {
      listing.loading = false;
      this.render();
    }
  }

  /** The conversations this view shows, in order. @returns {Conversation[]} */
  visible() {
    const me = this.ws.me?.id;
    const now = Date.now();
    const listing = this.listings.get(this.key());
    let all = [...this.ws.conversations.values()];
    if (this.q) all = listing ? all.filter((c) => listing.ids.has(c.id)) : [];
    return all.filter((c) => inTab(c, this.tab, me, now) && inTeam(c, this.team) && hasLabel(c, this.label))
      .sort(this.tab === 'queue' ? byWaiting : byActivity);
  }

  /**
   * The conversation `delta` places from `id` in the list (j/k); the first when none is open.
   * @param {string | null} id @param {number} delta
   */
  step(id, delta) {
    const ids = this.order;
    if (!ids.length) return null;
    const at = id ? ids.indexOf(id) : -1;
    if (at < 0) return ids[0];
    return ids[Math.max(0, Math.min(ids.length - 1, at + delta))] ?? null;
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  /** Each counted tab's number, from every conversation held (the team and label filters apply). */
  renderCounts() {
    const me = this.ws.me?.id;
    const now = Date.now();
    const held = [...this.ws.conversations.values()].filter((c) => inTeam(c, this.team) && hasLabel(c, this.label));
    for (const [tab, el] of this.counts) {
      const n = String(held.filter((c) => inTab(c, tab, me, now)).length);
      if (el.textContent !== n) el.textContent = n;
      el.dataset.count = n;
    }
  }

  /** Renders again when the next snooze held ends: the conversation comes back by itself. */
  watchSnoozes() {
    const now = Date.now();
    let next = Infinity;
    for (const c of this.ws.conversations.values()) {
      const until = c.snoozed_until ? Date.parse(c.snoozed_until) : NaN;
      if (c.status === 'open' && until > now && until < next) next = until;
    }
    clearTimeout(this.snoozeTimer);
    this.snoozeTimer = Number.isFinite(next) ? setTimeout(() => this.schedule(), Math.min(next - now + SNOOZE_SLACK_MS, 2 ** 31 - 1)) : null;
  }

  render() {
    this.watchSnoozes();
    this.renderCounts();
    const shown = this.visible();
    this.order = shown.map((c) => c.id);
    const keep = new Set(this.order);
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    shown.forEach((c, index) => {
      let row = this.rows.get(c.id);
      if (!row) {
        row = h('li', { class: 'inbox-row' });
        this.rows.set(c.id, row);
      }
      this.fill(row, c);
      if (this.list.children[index] !== row) this.list.insertBefore(row, this.list.children[index] ?? null);
    });
    const listing = this.listings.get(this.key());
    this.more.hidden = !listing?.cursor;
    this.more.disabled = Boolean(listing?.loading);
    this.status.textContent = listing?.error
      ? `Could not load: ${listing.error}`
      : listing?.loading && !shown.length
        ? 'Loading…'
        : !shown.length
          ? emptyText(this.tab, this.q)
          : '';
  }

  /** @param {HTMLElement} row @param {Conversation} c */
  fill(row, c) {
    const unread = unreadOf(c);
    const me = this.ws.me?.id;
    const who = visitorLabel(c);
    const preview = c.last_body
      ? `${c.last_kind === 'note' ? 'Note: ' : c.last_author_kind === 'agent' ? 'Agent: ' : ''}${c.last_body}`
      : 'No messages yet';
    const assignee = c.assignee_id ? (c.assignee_id === me ? 'You' : c.assignee_name ?? this.ws.agentName(c.assignee_id) ?? 'Agent') : 'Unassigned';
    const selected = c.id === this.selected;
    const score = c.rating?.score ?? 0;
    const queued = this.tab === 'queue';
    const team = this.ws.teamName(c.team_id);
    const emailed = Boolean(c.visitor_email);
    const labels = this.ws.labelsOf(c);
    const priority = priorityText(c.priority);
    const snoozedUntil = this.tab === 'snoozed' ? c.snoozed_until : null;
    const signature = JSON.stringify([unread, who, preview, assignee, selected, c.visitor_online, c.visitor_verified, emailed, c.status, c.last_activity_at, score, queued && c.updated_at, team,
      labels.map((l) => [l.id, l.name, l.color]), c.priority, snoozedUntil]);
    if (row.dataset.signature === signature) return;
    row.dataset.signature = signature;
    const link = h('a', {
      href: conversationHref(c.id),
      class: `inbox-item${unread ? ' unread' : ''}${selected ? ' selected' : ''}`,
      testid: 'inbox-item',
      dataset: { conversationId: c.id, status: c.status, unread: String(unread) },
      attrs: selected ? { 'aria-current': 'true' } : {},
    },
    h('span', { class: 'avatar', attrs: { 'aria-hidden': 'true' } }, who.slice(0, 1).toUpperCase(),
      h('span', { class: `presence-dot${c.visitor_online ? ' online' : ''}`, testid: 'visitor-online-dot', dataset: { online: String(c.visitor_online) } })),
    h('span', { class: 'item-main' },
      h('span', { class: 'item-top' },
        priority ? h('span', { class: `priority-mark priority-${c.priority}`, testid: 'inbox-item-priority', dataset: { priority: c.priority }, text: priority, attrs: { title: `Priority: ${priority}` } }) : null,
        h('span', { class: 'item-name', testid: 'inbox-item-name', text: who }),
        c.visitor_verified ? h('span', { class: 'verified', text: '✓', attrs: { title: 'Verified identity' } }) : null,
        // Such a visitor can be answered by email after they leave (docs/email.md).
        emailed ? h('span', { class: 'mail-mark', testid: 'inbox-item-email', text: '✉', attrs: { role: 'img', 'aria-label': 'left an email', title: 'Left an email' } }) : null,
        h('time', { class: 'item-time', dateTime: c.last_activity_at, text: shortTime(c.last_activity_at) })),
      h('span', { class: 'item-bottom' },
        h('span', { class: 'item-preview', testid: 'inbox-item-preview', text: preview }),
        unread ? h('span', { class: 'badge', testid: 'unread-badge', text: String(unread), attrs: { 'aria-label': `${unread} unread` } }) : null),
      labels.length ? h('span', { class: 'item-labels', testid: 'inbox-item-labels' }, h('span', { class: 'sr-only', text: 'Labels: ' }), labels.map((l) => labelChip(l, 'inbox-item-label'))) : null,
      h('span', { class: 'item-meta muted' },
        queued ? h('span', { class: 'waited', testid: 'inbox-item-waiting', dataset: { since: c.updated_at }, text: `Waiting ${waited(Date.now() - Date.parse(c.updated_at))}` }) : null,
        queued ? ' · ' : null,
        snoozedUntil ? h('span', { testid: 'inbox-item-snoozed', text: `Snoozed until ${shortTime(snoozedUntil)} · `, attrs: { title: fullTime(snoozedUntil) } }) : null,
        h('span', { testid: 'inbox-item-assignee', text: assignee }),
        team ? h('span', { testid: 'inbox-item-team', text: ` · ${team}` }) : null,
        c.visitor_online ? h('span', { class: 'sr-only', text: ', visitor online' }) : null,
        c.status === 'resolved' ? h('span', { text: ' · Resolved' }) : null,
        score ? h('span', { class: 'item-rating', testid: 'inbox-item-rating', dataset: { score: String(score) }, attrs: { title: `Rated ${stars(score)} ${score}/5` } },
          ' · ', h('span', { class: 'sr-only', text: 'rated ' }), h('span', { class: 'rating-stars', attrs: { 'aria-hidden': 'true' }, text: '★' }), `${score}/5`) : null)));
    replace(row, link);
  }
}

/**
 * A label as a chip: its name, with a dot of its colour (the text keeps the page's colours, so
 * that any colour reads).
 * @param {import('../lib/workspace.js').Label} label @param {string} testid
 */
export function labelChip(label, testid) {
  const dot = h('span', { class: 'label-dot', attrs: { 'aria-hidden': 'true' } });
  if (/^#[0-9a-f]{6}$/i.test(label.color)) dot.style.setProperty('--label-color', label.color);
  return h('span', { class: 'label-chip', testid, dataset: { labelId: label.id } }, dot, label.name);
}
