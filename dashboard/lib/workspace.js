// @ts-check
/**
 * What the dashboard knows of the workspace, merged from the HTTP API (inbox pages, details),
 * the welcome and live frames: conversations with their unread counts, timelines, visitors
 * seen live, the team's presence, who is typing. No I/O and no DOM: it changes on calls and
 * emits what changed:
 * - `conversation` (conversation, {created}) for each upsert (and each `activity` entry),
 * - `messages` (conversationId, newMessages) when a timeline grows,
 * - `typing` (conversationId), `visitor` (visitorId), `agents` (), `read` (conversationId),
 * - `unread` (total) when the total of unread messages changes,
 * - `viewers` (conversationId) when the other agents viewing a conversation change,
 * - `teams` () when the workspace's teams change, `labels` () when its labels do, `me` () when
 *   this agent's record does.
 */
import { Emitter } from './emitter.js';
import { Viewers } from './viewers.js';
import { Timelines, isMessage } from '../../common/timeline.js';
import { AgentStatus, AuthorKind, Timing, isScore } from '../../common/protocol.js';
import { summary } from '../../common/uploads.js';

/** @typedef {import('../../common/protocol.js').Message} Message */
/** @typedef {import('../../common/protocol.js').Rating} Rating */
/** @typedef {import('../../common/protocol.js').Author} Author */
/** @typedef {import('../../common/protocol.js').ActivityEntry} ActivityEntry */

/**
 * A conversation as the dashboard holds it: the contract's conversation plus the inbox's
 * additions, and the pieces the unread count is made of.
 * @typedef {{
 *   id: string, site_id: string, visitor_id: string, status: 'open' | 'resolved',
 *   assignee_id: string | null, assignee_name: string | null, team_id: string | null, last_seq: number,
 *   created_at: string, updated_at: string, last_activity_at: string,
 *   visitor_name: string | null, visitor_email: string | null, visitor_verified: boolean,
 *   visitor_online: boolean, last_body: string | null, last_author_kind: string | null,
 *   last_kind: string | null, rating: Rating | null,
 *   labels: string[], priority: Priority, snoozed_until: string | null,
 *   unreadBase: number, unreadBaseSeq: number, liveUnread: Set<number>,
 * }} Conversation
 */

/**
 * @typedef {{id: string, name: string, email: string, role: string, capacity?: number, avatar_url?: string | null}} Me
 *   this agent (`capacity`: how many open conversations automatic assignment gives them)
 * @typedef {{id: string, name: string}} TeamRef a team of the workspace (`welcome.teams`)
 * @typedef {{id: string, name: string | null, email?: string | null, role?: string,
 *   active?: boolean, capacity?: number, avatar_url?: string | null, status: 'online' | 'away' | 'offline'}} TeamMember
 * @typedef {{author: Author, preview: string | null, until: number}} Typist
 */

/**
 * A visitor as `visitor` and `presence` frames tell it: the frame's fields, the identity with
 * what the business signed, and the pages seen since the dashboard opened.
 * @typedef {{url: string, title: string, seen_at: string}} SeenPage
 * @typedef {{status: string, id: string | null, signed: string[]}} LiveIdentity
 * @typedef {{
 *   id: string, name?: string | null, email?: string | null, identity?: LiveIdentity | null,
 *   page?: {url: string, title?: string | null} | null, user_agent?: string | null,
 *   online?: boolean, onlineKnown?: boolean, pages: RecentPages,
 * }} LiveVisitor
 */

/**
 * @typedef {'none' | 'low' | 'medium' | 'high' | 'urgent'} Priority
 * @typedef {{id: string, name: string, color: string}} Label a label of the workspace
 */

/** The priorities, lowest first, with their words. */
export const PRIORITIES = Object.freeze(/** @type {const} */ ([
  { id: 'none', label: 'No priority' },
  { id: 'low', label: 'Low' },
  { id: 'medium', label: 'Medium' },
  { id: 'high', label: 'High' },
  { id: 'urgent', label: 'Urgent' },
]));

/** @param {unknown} value @returns {Priority} */
export function priorityOf(value) {
  return PRIORITIES.some((p) => p.id === value) ? /** @type {Priority} */ (value) : 'none';
}

/**
 * Whether a conversation is snoozed now: its `snoozed_until` still ahead. Once the time has
 * passed it is back in the open tabs, even before the server's frame says so.
 * @param {{snoozed_until: string | null}} c @param {number} now
 */
export function isSnoozed(c, now) {
  if (!c.snoozed_until) return false;
  const until = Date.parse(c.snoozed_until);
  return Number.isFinite(until) && until > now;
}

/** @param {unknown} raw @returns {string[]} */
function labelIds(raw) {
  return Array.isArray(raw) ? raw.filter((id) => typeof id === 'string') : [];
}

/** Pages kept per live visitor: as many as `GET /visitors/{id}` returns (the server keeps 100). */
export const PAGES_KEPT = 50;

/** @param {string | null | undefined} a @param {string | null | undefined} b */
function later(a, b) {
  if (!a) return b ?? '';
  if (!b) return a;
  return a >= b ? a : b;
}

/**
 * The visitor's rating as the API gives it (`rating` of a conversation), or null when there is
 * none or it is not one (a score that is not 1 to 5).
 * @param {any} raw @returns {Rating | null}
 */
export function ratingOf(raw) {
  if (!raw || !isScore(raw.score)) return null;
  return { score: raw.score, comment: typeof raw.comment === 'string' && raw.comment ? raw.comment : null, created_at: String(raw.created_at ?? '') };
}

/**
 * The row shows `m` as the conversation's last message: its time, preview and author.
 * @param {Conversation} c @param {Message} m
 */
function showLast(c, m) {
  c.last_seq = m.seq;
  c.last_activity_at = later(c.last_activity_at, m.created_at);
  c.last_body = summary(m).slice(0, 200);
  c.last_author_kind = m.author.kind;
  c.last_kind = m.kind;
}

/**
 * A visitor writing brings a snoozed conversation back (the server does the same). (A message
 * older than the last change, caught up after a reconnect, does not.)
 * @param {Conversation} c @param {Message} m a message that arrived live
 */
function wakeFor(c, m) {
  if (m.author.kind === AuthorKind.VISITOR && m.seq >= c.last_seq && m.created_at >= c.updated_at) c.snoozed_until = null;
}

/** @param {Conversation} c */
export function unreadOf(c) {
  return c.unreadBase + c.liveUnread.size;
}

/** @param {Conversation} c */
export function visitorLabel(c) {
  return c.visitor_name || c.visitor_email || `Visitor ${c.visitor_id.slice(-4)}`;
}

/**
 * What the business signed of an identity: for a verified one `id`, and `name` and `email`
 * when listed; nothing otherwise. A verified identity without `signed` (data from before the
 * server sent it) reads as the id alone, so a name or email is never taken as vouched for.
 * @param {string | null | undefined} status @param {unknown} signed
 * @returns {string[]}
 */
export function signedAttributes(status, signed) {
  if (status !== 'verified') return [];
  const listed = Array.isArray(signed) ? signed : [];
  return ['id', ...['name', 'email'].filter((attribute) => listed.includes(attribute))];
}

/**
 * A frame's identity, kept with what was signed.
 * @param {any} identity @returns {LiveIdentity | null}
 */
export function liveIdentity(identity) {
  if (!identity?.status) return null;
  return { status: identity.status, id: identity.id ?? null, signed: signedAttributes(identity.status, identity.signed) };
}

/**
 * The name and email shown for a verified visitor that the business did not sign (the HMAC
 * form signs the id only): the visitor's own words, under the verified badge.
 * @param {{name: string | null, email: string | null}} given @param {string[]} signed
 * @returns {('name' | 'email')[]}
 */
export function unsignedGiven(given, signed) {
  return /** @type {('name' | 'email')[]} */ (['name', 'email']).filter((field) => given[field] && !signed.includes(field));
}

/**
 * The latest pages a visitor was seen on. Kept oldest first and appended in place, trimmed
 * back to the limit only once it holds twice as many: a page costs O(1), not a copy of all.
 */
export class RecentPages {
  /** @param {number} [limit] */
  constructor(limit = PAGES_KEPT) {
    this.limit = limit;
    /** @type {SeenPage[]} oldest first; up to twice the limit */
    this.items = [];
  }

  /** @returns {SeenPage | null} */
  get newest() {
    return this.items[this.items.length - 1] ?? null;
  }

  get size() {
    return Math.min(this.items.length, this.limit);
  }

  /** @param {SeenPage} page */
  add(page) {
    this.items.push(page);
    if (this.items.length >= 2 * this.limit) this.items.splice(0, this.items.length - this.limit);
  }

  /** Newest first, at most `count` and never more than the limit. @param {number} [count] @returns {SeenPage[]} */
  latest(count = this.limit) {
    const n = Math.min(count, this.size);
    const out = [];
    for (let i = this.items.length - 1; out.length < n; i--) out.push(this.items[i]);
    return out;
  }
}

export class Workspace extends Emitter {
  /** @param {{now?: () => number}} [options] the clock (tests give their own) */
  constructor(options = {}) {
    super();
    this.now = options.now ?? (() => Date.now());
    /** @type {Me | null} */
    this.me = null;
    /** @type {Map<string, Conversation>} */
    this.conversations = new Map();
    /** Messages per conversation; agents see notes, so they are kept. */
    this.timelines = new Timelines({ keepNotes: true });
    /** Live visitor facts from `visitor` and `presence` frames. @type {Map<string, LiveVisitor>} */
    this.visitors = new Map();
    /** @type {Map<string, TeamMember>} */
    this.team = new Map();
    /** @type {Map<string, Map<string, Typist>>} */
    this.typing = new Map();
    /** Other agents viewing each conversation (`viewing` frames). */
    this.viewers = new Viewers({ now: this.now });
    /** The workspace's teams, by id, in the order given. @type {Map<string, TeamRef>} */
    this.teams = new Map();
    /** The workspace's labels, by id, by name. @type {Map<string, Label>} */
    this.labels = new Map();
    this.lastUnreadTotal = -1;
  }

  /** @param {Me} me */
  setMe(me) {
    // The welcome does not carry the agent's picture: the one learnt (`GET /me`, a change) stays.
    const picture = 'avatar_url' in me ? me.avatar_url : this.me?.id === me.id ? this.me?.avatar_url : undefined;
    this.me = picture === undefined ? me : { ...me, avatar_url: picture };
    this.learnAgent(me.id, me.name);
    this.emit('me');
  }

  /**
   * This agent's capacity changed (an admin's edit on the Agents page).
   * @param {number} capacity
   */
  setMyCapacity(capacity) {
    if (!this.me || this.me.capacity === capacity) return;
    this.me = { ...this.me, capacity };
    this.emit('me');
  }

  /**
   * This agent's load: the open conversations assigned to them, and their capacity (null when
   * the server did not say).
   * @returns {{assigned: number, capacity: number | null}}
   */
  ownLoad() {
    const me = this.me?.id;
    let assigned = 0;
    if (me) for (const c of this.conversations.values()) if (c.status === 'open' && c.assignee_id === me) assigned += 1;
    const capacity = this.me?.capacity;
    return { assigned, capacity: typeof capacity === 'number' && Number.isFinite(capacity) ? capacity : null };
  }

  get isAdmin() {
    return this.me?.role === 'admin';
  }

  // ---- conversations ----------------------------------------------------------------------

  /**
   * Merges a conversation from any source: an inbox item (`assignee_name`, `unread`, visitor
   * fields), a `conversation` frame (`assignee {id,name}`) or the welcome (`visitor_online`).
   * Status, assignee and rating are taken only from a version at least as new as the one held
   * (rating bumps `updated_at`).
   * @param {any} raw
   * @returns {Conversation}
   */
  upsertConversation(raw) {
    const held = this.conversations.get(raw.id);
    const assigneeName = raw.assignee_name ?? raw.assignee?.name ?? null;
    if (raw.assignee_id && assigneeName) this.learnAgent(raw.assignee_id, assigneeName);
    /** @type {Conversation} */
    const c = held ?? {
      id: raw.id, site_id: raw.site_id, visitor_id: raw.visitor_id, status: raw.status,
      assignee_id: raw.assignee_id ?? null, assignee_name: assigneeName, team_id: raw.team_id ?? null, last_seq: raw.last_seq ?? 0,
      created_at: raw.created_at, updated_at: raw.updated_at, last_activity_at: raw.last_activity_at,
      visitor_name: null, visitor_email: null, visitor_verified: false, visitor_online: false,
      last_body: null, last_author_kind: null, last_kind: null, rating: ratingOf(raw.rating),
      labels: labelIds(raw.labels), priority: priorityOf(raw.priority), snoozed_until: raw.snoozed_until ?? null,
      unreadBase: 0, unreadBaseSeq: raw.last_seq ?? 0, liveUnread: new Set(),
    };
    if (held && (raw.updated_at ?? '') >= (held.updated_at ?? '')) {
      c.status = raw.status;
      c.assignee_id = raw.assignee_id ?? null;
      c.assignee_name = c.assignee_id ? assigneeName ?? this.agentName(c.assignee_id) : null;
      if ('team_id' in raw) c.team_id = raw.team_id ?? null;
      if ('rating' in raw) c.rating = ratingOf(raw.rating);
      if ('labels' in raw) c.labels = labelIds(raw.labels);
      if ('priority' in raw) c.priority = priorityOf(raw.priority);
      if ('snoozed_until' in raw) c.snoozed_until = raw.snoozed_until ?? null;
      c.updated_at = raw.updated_at;
    }
    c.last_activity_at = later(c.last_activity_at, raw.last_activity_at);
    const fresh = (raw.last_seq ?? 0) >= c.last_seq;
    c.last_seq = Math.max(c.last_seq, raw.last_seq ?? 0);
    if ('visitor_name' in raw) {
      c.visitor_name = raw.visitor_name;
      c.visitor_email = raw.visitor_email;
      c.visitor_verified = Boolean(raw.visitor_verified);
    }
    this.applyLiveVisitor(c);
    if ('visitor_online' in raw && !this.visitors.get(c.visitor_id)?.onlineKnown) {
      c.visitor_online = Boolean(raw.visitor_online);
    }
    if ('last_body' in raw && fresh) {
      c.last_body = raw.last_body;
      c.last_author_kind = raw.last_author_kind;
      c.last_kind = raw.last_kind;
    }
    if (typeof raw.unread === 'number' && fresh) {
      c.unreadBase = raw.unread;
      c.unreadBaseSeq = raw.last_seq ?? c.unreadBaseSeq;
      for (const seq of c.liveUnread) if (seq <= c.unreadBaseSeq) c.liveUnread.delete(seq);
    }
    this.conversations.set(c.id, c);
    this.emit('conversation', c, { created: !held });
    this.emitUnread();
    return c;
  }

  /** @param {Conversation} c */
  applyLiveVisitor(c) {
    const live = this.visitors.get(c.visitor_id);
    if (!live) return;
    if (live.name !== undefined && live.name !== null) c.visitor_name = live.name;
    if (live.email !== undefined && live.email !== null) c.visitor_email = live.email;
    if (live.identity?.status === 'verified') c.visitor_verified = true;
    if (live.onlineKnown) c.visitor_online = live.online;
  }

  /** @param {string} id */
  timeline(id) {
    return this.timelines.get(id);
  }

  // ---- messages ---------------------------------------------------------------------------

  /**
   * Keeps messages (deduplicated by seq) and updates the conversation's last activity, preview
   * and unread count. `live`: they arrived as `message` frames (or sync after a gap), so those
   * not written by this agent count as unread until read.
   * @param {string} conversationId
   * @param {Message[]} messages
   * @param {{live?: boolean}} [options]
   * @returns {Message[]} the new ones
   */
  addMessages(conversationId, messages, options = {}) {
    const added = this.timeline(conversationId).addAll(messages);
    if (!added.length) return added;
    const c = this.conversations.get(conversationId);
    for (const m of added) {
      if (m.author.kind === AuthorKind.AGENT && m.author.id && m.author.name) this.learnAgent(m.author.id, m.author.name);
      this.clearTyping(conversationId, m.author);
      if (!c) continue;
      if (m.seq >= c.last_seq) showLast(c, m);
      if (options.live && m.seq > c.unreadBaseSeq && !this.isMine(m)) c.liveUnread.add(m.seq);
      if (options.live) wakeFor(c, m);
    }
    this.emit('messages', conversationId, added);
    if (c) this.emit('conversation', c, { created: false });
    this.emitUnread();
    return added;
  }

  /**
   * An `activity` entry (focused delivery): the conversation got messages up to `last_seq`,
   * summed up. Its row follows as it would for the messages themselves (the last one, its
   * time, the order, the unread count) but its timeline does not take the last message: the
   * ones before it were not sent, and a timeline must not look complete past them (the desk
   * catches it up with `sync` when it is shown).
   * @param {ActivityEntry} entry
   * @param {{countUnread: boolean}} options false for the conversation on screen, whose
   *   messages are fetched, counted and read there
   * @returns {Conversation | null} the conversation, null when not held
   */
  activity(entry, options) {
    const c = this.conversations.get(entry.conversation_id);
    if (!c) return null;
    const m = entry.last_message;
    if (entry.last_seq >= c.last_seq) {
      c.last_seq = entry.last_seq;
      if (isMessage(m) && m.seq === entry.last_seq) {
        showLast(c, m);
        if (m.author.kind === AuthorKind.AGENT && m.author.id && m.author.name) this.learnAgent(m.author.id, m.author.name);
        this.clearTyping(c.id, m.author);
        wakeFor(c, m);
      }
    }
    const unread = Number.isInteger(entry.unread) && entry.unread > 0 ? entry.unread : 0;
    if (options.countUnread && entry.last_seq > c.unreadBaseSeq) {
      // At most one unread message per seq above those the count holds already: an inbox page
      // fetched meanwhile may have counted some of them.
      c.unreadBase += Math.min(unread, entry.last_seq - c.unreadBaseSeq);
      c.unreadBaseSeq = entry.last_seq;
    }
    this.emit('conversation', c, { created: false });
    this.emitUnread();
    return c;
  }

  /** @param {Message} m */
  isMine(m) {
    return m.author.kind === AuthorKind.AGENT && m.author.id === this.me?.id;
  }

  /**
   * This agent has read up to `seq`: the conversation has nothing unread below it.
   * @param {string} conversationId @param {number} seq
   */
  markRead(conversationId, seq) {
    const c = this.conversations.get(conversationId);
    if (!c) return;
    c.unreadBase = 0;
    c.unreadBaseSeq = Math.max(c.unreadBaseSeq, seq);
    for (const s of c.liveUnread) if (s <= seq) c.liveUnread.delete(s);
    this.emit('conversation', c, { created: false });
    this.emitUnread();
  }

  /** @param {string} conversationId @param {number} seq */
  visitorRead(conversationId, seq) {
    this.timeline(conversationId).markRead(seq);
    this.emit('read', conversationId);
  }

  /** Unread messages over the open conversations. */
  unreadTotal() {
    let total = 0;
    for (const c of this.conversations.values()) if (c.status === 'open') total += unreadOf(c);
    return total;
  }

  emitUnread() {
    const total = this.unreadTotal();
    if (total === this.lastUnreadTotal) return;
    this.lastUnreadTotal = total;
    this.emit('unread', total);
  }

  // ---- typing -----------------------------------------------------------------------------

  /** @param {Author} author */
  static authorKey(author) {
    return `${author.kind}:${author.id ?? ''}`;
  }

  /**
   * @param {string} conversationId @param {Author} author
   * @param {'on' | 'off'} state @param {string | null | undefined} preview
   */
  setTyping(conversationId, author, state, preview) {
    // This agent's own typing (from another of their tabs) is nothing to show here.
    if (author.kind === AuthorKind.AGENT && author.id && author.id === this.me?.id) return;
    let typists = this.typing.get(conversationId);
    if (!typists) this.typing.set(conversationId, (typists = new Map()));
    const key = Workspace.authorKey(author);
    if (state === 'on') typists.set(key, { author, preview: preview ?? null, until: this.now() + Timing.TYPING_TTL_MS });
    else typists.delete(key);
    this.emit('typing', conversationId);
  }

  /** @param {string} conversationId @param {Author} author */
  clearTyping(conversationId, author) {
    if (this.typing.get(conversationId)?.delete(Workspace.authorKey(author))) this.emit('typing', conversationId);
  }

  /** Who is typing now (expired entries dropped). @param {string} conversationId @returns {Typist[]} */
  typists(conversationId) {
    const typists = this.typing.get(conversationId);
    if (!typists) return [];
    const now = this.now();
    for (const [key, t] of typists) if (t.until <= now) typists.delete(key);
    return [...typists.values()];
  }

  // ---- viewers ----------------------------------------------------------------------------

  /**
   * A `viewing` frame about another agent (this agent's own other tabs are not shown).
   * @param {string} conversationId @param {string} agentId @param {string} state
   */
  setViewing(conversationId, agentId, state) {
    if (agentId === this.me?.id) return;
    if (this.viewers.seen(conversationId, agentId, state)) this.emit('viewers', conversationId);
  }

  /**
   * The other agents viewing a conversation now, with what is known of them.
   * @param {string} conversationId @returns {{id: string, name: string | null}[]}
   */
  viewersOf(conversationId) {
    return this.viewers.of(conversationId).map((id) => ({ id, name: this.agentName(id) }));
  }

  // ---- visitors ---------------------------------------------------------------------------

  /**
   * A `visitor` frame: current page, profile, identity (with what was signed), browser.
   * @param {any} visitor
   */
  visitorChanged(visitor) {
    const held = this.visitors.get(visitor.id);
    const pages = held?.pages ?? new RecentPages();
    const page = visitor.page;
    if (page?.url && pages.newest?.url !== page.url) {
      pages.add({ url: page.url, title: page.title ?? '', seen_at: new Date(this.now()).toISOString() });
    }
    const identity = 'identity' in visitor ? liveIdentity(visitor.identity) : held?.identity ?? null;
    this.visitors.set(visitor.id, { ...held, ...visitor, identity, onlineKnown: true, pages });
    for (const c of this.conversationsOf(visitor.id)) {
      this.applyLiveVisitor(c);
      this.emit('conversation', c, { created: false });
    }
    this.emit('visitor', visitor.id);
  }

  /** @param {string} visitorId @param {boolean} online */
  visitorPresence(visitorId, online) {
    const held = this.visitors.get(visitorId) ?? { id: visitorId, pages: new RecentPages() };
    this.visitors.set(visitorId, { ...held, online, onlineKnown: true });
    for (const c of this.conversationsOf(visitorId)) {
      c.visitor_online = online;
      this.emit('conversation', c, { created: false });
    }
    this.emit('visitor', visitorId);
  }

  /**
   * Pages the visitor was seen on live, newest first.
   * @param {string} visitorId @param {number} [count] @returns {SeenPage[]}
   */
  pagesSeen(visitorId, count) {
    return this.visitors.get(visitorId)?.pages.latest(count) ?? [];
  }

  /** @param {string} visitorId @returns {Conversation[]} */
  conversationsOf(visitorId) {
    return [...this.conversations.values()].filter((c) => c.visitor_id === visitorId);
  }

  /**
   * A visitor was erased (their conversations, messages and files with them): nothing of theirs
   * stays on screen. Each conversation is told as changed, and is no longer held.
   * @param {string} visitorId
   */
  forgetVisitor(visitorId) {
    for (const c of this.conversationsOf(visitorId)) {
      this.conversations.delete(c.id);
      this.typing.delete(c.id);
      this.emit('conversation', c, { created: false });
    }
    this.visitors.delete(visitorId);
    this.emitUnread();
  }

  // ---- team -------------------------------------------------------------------------------

  /** @param {string} id @param {string | null} name */
  learnAgent(id, name) {
    const held = this.team.get(id);
    if (held && (held.name === name || !name)) return;
    this.team.set(id, { ...(held ?? { id, status: AgentStatus.OFFLINE }), id, name: name ?? held?.name ?? null });
    this.emit('agents');
  }

  /** @param {string} id */
  agentName(id) {
    return this.team.get(id)?.name ?? null;
  }

  /** An agent's picture, when known (one's own; the whole team's for admins). @param {string} id */
  agentPicture(id) {
    return id === this.me?.id ? this.me?.avatar_url ?? null : this.team.get(id)?.avatar_url ?? null;
  }

  /**
   * The team from `GET /agents` (admins).
   * @param {any[]} agents
   */
  setTeam(agents) {
    for (const a of agents) {
      const held = this.team.get(a.id);
      this.team.set(a.id, { ...held, id: a.id, name: a.name, email: a.email, role: a.role, active: a.active, capacity: a.capacity, avatar_url: a.avatar_url ?? null, status: held?.status ?? AgentStatus.OFFLINE });
      if (a.id === this.me?.id && typeof a.capacity === 'number') this.setMyCapacity(a.capacity);
    }
    this.emit('agents');
  }

  /**
   * The workspace's teams (`welcome.teams`, or the Teams page after a change).
   * @param {unknown} teams
   */
  setTeams(teams) {
    this.teams.clear();
    for (const t of Array.isArray(teams) ? teams : []) {
      if (t && typeof t.id === 'string') this.teams.set(t.id, { id: t.id, name: String(t.name ?? '') });
    }
    this.emit('teams');
  }

  /**
   * The workspace's labels (`GET /labels`, or the Labels page after a change).
   * @param {unknown} labels
   */
  setLabels(labels) {
    this.labels.clear();
    for (const l of Array.isArray(labels) ? labels : []) {
      if (l && typeof l.id === 'string') this.labels.set(l.id, { id: l.id, name: String(l.name ?? ''), color: String(l.color ?? '') });
    }
    this.emit('labels');
  }

  /** The labels a conversation carries that are known, by name. @param {{labels: string[]}} c @returns {Label[]} */
  labelsOf(c) {
    return c.labels.map((id) => this.labels.get(id)).filter((l) => l !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** @param {string | null | undefined} id */
  teamName(id) {
    return id ? this.teams.get(id)?.name ?? null : null;
  }

  /**
   * The welcome's statuses: everyone not listed is offline.
   * @param {{id: string, name?: string | null, status: 'online' | 'away' | 'offline'}[]} statuses
   */
  setPresence(statuses) {
    for (const member of this.team.values()) member.status = AgentStatus.OFFLINE;
    for (const { id, status, name } of statuses) {
      const held = this.team.get(id);
      // The welcome names connected agents, for agents who cannot list the team.
      this.team.set(id, { ...(held ?? { id, name: null }), status, name: held?.name ?? name ?? null });
    }
    this.emit('agents');
    const present = new Set(statuses.filter((a) => a.status !== AgentStatus.OFFLINE).map((a) => a.id));
    for (const c of this.viewers.keepOnly(present)) this.emit('viewers', c);
  }

  /** @param {string} id @param {'online' | 'away' | 'offline'} status */
  agentPresence(id, status) {
    const held = this.team.get(id);
    this.team.set(id, { ...(held ?? { id, name: null }), status });
    this.emit('agents');
    // An agent gone offline has nothing on screen.
    if (status === AgentStatus.OFFLINE) for (const c of this.viewers.forgetAgent(id)) this.emit('viewers', c);
  }

  /** Forgets everything (logout). */
  clear() {
    this.me = null;
    this.conversations.clear();
    this.timelines.clear();
    this.visitors.clear();
    this.team.clear();
    this.typing.clear();
    this.viewers.clear();
    this.teams.clear();
    this.labels.clear();
    this.lastUnreadTotal = -1;
    this.emitUnread();
  }
}
