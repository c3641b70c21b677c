// @ts-check
/**
 * Hash routes: `#/login`, `#/inbox/<tab>` (mine, queue, unassigned, open, snoozed, resolved), `#/c/<conversation id>`,
 * `#/admin/<section>[/<id>]`, `#/profile` (the signed-in agent's own), `#/contacts[/<visitor id>]`, `#/reports`.
 * Views are addressed by the fragment so that `/dashboard` stays one document.
 */

/**
 * The inbox tabs, in display order: route name → filter and label. The queue is the
 * unassigned conversations again, oldest first, with how long each has waited. Snoozed
 * conversations are in the Snoozed tab until their time comes, and out of the other open ones
 * (`snoozed`: the server's filter, for paging).
 */
export const TABS = Object.freeze([
  { id: 'mine', label: 'Mine', status: 'open', assignee: 'me', snoozed: false },
  { id: 'queue', label: 'Queue', status: 'open', assignee: 'none', snoozed: false },
  { id: 'unassigned', label: 'Unassigned', status: 'open', assignee: 'none', snoozed: false },
  { id: 'open', label: 'All open', status: 'open', assignee: undefined, snoozed: false },
  { id: 'snoozed', label: 'Snoozed', status: 'open', assignee: undefined, snoozed: true },
  { id: 'resolved', label: 'Resolved', status: 'resolved', assignee: undefined, snoozed: undefined },
]);

export const ADMIN_SECTIONS = Object.freeze([
  { id: 'sites', label: 'Sites' },
  { id: 'agents', label: 'Agents' },
  { id: 'teams', label: 'Teams' },
  { id: 'canned', label: 'Canned responses' },
  { id: 'labels', label: 'Labels' },
  { id: 'webhooks', label: 'Webhooks' },
  { id: 'api-keys', label: 'API keys' },
  { id: 'blocks', label: 'Blocked visitors' },
  { id: 'privacy', label: 'Privacy & data' },
  { id: 'audit', label: 'Audit log' },
]);

export const DEFAULT_TAB = 'open';

/**
 * @typedef {{name: 'login'} | {name: 'inbox', tab: string} | {name: 'conversation', id: string}
 *   | {name: 'admin', section: string, id: string | null} | {name: 'profile'}
 *   | {name: 'contacts', id: string | null} | {name: 'reports'}} Route
 */

/** @param {string} hash @returns {Route} */
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [head, a, b] = parts;
  if (head === 'login') return { name: 'login' };
  if (head === 'profile') return { name: 'profile' };
  if (head === 'reports') return { name: 'reports' };
  if (head === 'contacts') return { name: 'contacts', id: a ?? null };
  if (head === 'c' && a) return { name: 'conversation', id: a };
  if (head === 'admin') {
    const section = ADMIN_SECTIONS.some((s) => s.id === a) ? a : 'sites';
    return { name: 'admin', section, id: b ?? null };
  }
  if (head === 'inbox' && TABS.some((t) => t.id === a)) return { name: 'inbox', tab: a };
  return { name: 'inbox', tab: '' };
}

/** @param {string} tab */
export const inboxHref = (tab) => `#/inbox/${tab}`;
/** @param {string} id */
export const conversationHref = (id) => `#/c/${encodeURIComponent(id)}`;
/** @param {string} section @param {string | null} [id] */
export const adminHref = (section, id) => `#/admin/${section}${id ? `/${encodeURIComponent(id)}` : ''}`;
/** The contacts, or one of them (its visitor id). @param {string | null} [id] */
export const contactsHref = (id) => `#/contacts${id ? `/${encodeURIComponent(id)}` : ''}`;
/** Reports (any agent). */
export const REPORTS_HREF = '#/reports';
/** The signed-in agent's own profile. */
export const PROFILE_HREF = '#/profile';

/** @param {string} href */
export function go(href) {
  if (location.hash !== href) location.hash = href;
}
