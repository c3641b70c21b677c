// @ts-check
/**
 * The audit log without the DOM: its filters (an action's prefix: `site.`…), an entry's action,
 * actor, target and detail in words, and the query of one page (`GET /audit`).
 */

/** The filters offered, in order: the value the API takes as `action` and its label. */
export const ACTION_FILTERS = Object.freeze([
  { value: '', label: 'All actions' },
  { value: 'site.', label: 'Sites' },
  { value: 'agent.', label: 'Agents' },
  { value: 'team.', label: 'Teams' },
  { value: 'workspace.', label: 'Workspace' },
  { value: 'webhook.', label: 'Webhooks' },
  { value: 'api_key.', label: 'API keys' },
  { value: 'visitor.', label: 'Visitors' },
  { value: 'retention.', label: 'Retention' },
]);

/** Each known action in words. */
const ACTIONS = Object.freeze({
  'site.created': 'Site created',
  'site.updated': 'Site updated',
  'site.deleted': 'Site deleted',
  'site.secret_rotated': 'Site identity secret rotated',
  'agent.created': 'Agent created',
  'agent.updated': 'Agent updated',
  'agent.deleted': 'Agent deleted',
  'team.created': 'Team created',
  'team.updated': 'Team updated',
  'team.deleted': 'Team deleted',
  'workspace.updated': 'Workspace updated',
  'workspace.exported': 'Workspace exported',
  'webhook.created': 'Webhook created',
  'webhook.updated': 'Webhook updated',
  'webhook.deleted': 'Webhook deleted',
  'webhook.secret_rotated': 'Webhook secret rotated',
  'api_key.created': 'API key created',
  'api_key.deleted': 'API key deleted',
  'visitor.blocked': 'Visitor blocked',
  'visitor.unblocked': 'Visitor unblocked',
  'visitor.erased': 'Visitor erased',
  'visitor.exported': 'Visitor exported',
  'retention.deleted': 'Old conversations deleted',
});

/** The nouns of the actions' first parts. */
const NOUNS = Object.freeze({ site: 'Site', agent: 'Agent', team: 'Team', workspace: 'Workspace', webhook: 'Webhook', api_key: 'API key', visitor: 'Visitor', retention: 'Retention' });

/**
 * An action in words: the known ones as written above, another one made readable
 * (`label.renamed` → `Label renamed`).
 * @param {string} action
 */
export function actionLabel(action) {
  const known = /** @type {Record<string, string>} */ (ACTIONS)[action];
  if (known) return known;
  const [head, ...rest] = String(action ?? '').split('.');
  const noun = /** @type {Record<string, string>} */ (NOUNS)[head] ?? head.replace(/_/g, ' ');
  const verb = rest.join(' ').replace(/_/g, ' ');
  const text = `${noun} ${verb}`.trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : 'Unknown action';
}

/**
 * @typedef {{kind: 'agent' | 'api_key' | 'visitor' | 'system' | string, id?: string | null, name?: string | null}} Actor
 */

/** Who did it: the agent's name, `API key …`, `Visitor …`, `System`. @param {Actor | null | undefined} actor */
export function actorLabel(actor) {
  if (!actor || actor.kind === 'system') return 'System';
  const short = actor.id ? `${String(actor.id).slice(0, 8)}…` : '';
  if (actor.kind === 'api_key') return `API key ${actor.name || short}`.trim();
  if (actor.kind === 'visitor') return `Visitor ${actor.name || short}`.trim();
  return actor.name || (short ? `Agent ${short}` : 'Agent');
}

/** The target: its kind and a short id (`team 0c1f…`), `—` without one. @param {string | null | undefined} kind @param {string | null | undefined} id */
export function targetLabel(kind, id) {
  if (!kind && !id) return '—';
  const noun = kind ? (/** @type {Record<string, string>} */ (NOUNS)[kind] ?? kind.replace(/_/g, ' ')) : '';
  const short = id ? (String(id).length > 12 ? `${String(id).slice(0, 8)}…` : String(id)) : '';
  return `${noun} ${short}`.trim();
}

/** The longest detail shown in the table (the whole is its title). */
export const DETAIL_MAX = 120;

/**
 * An entry's detail, compact: `name: Sales, members: 3` (lists by their length when long,
 * objects as JSON), cut at `DETAIL_MAX` characters; the whole as `full`.
 * @param {unknown} detail
 * @returns {{text: string, full: string}}
 */
export function detailText(detail) {
  if (detail === null || detail === undefined || (typeof detail === 'object' && !Object.keys(detail).length)) return { text: '', full: '' };
  const value = (/** @type {unknown} */ v) => {
    if (Array.isArray(v)) return v.length > 3 ? `${v.length} items` : v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
    if (v && typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  const full = typeof detail === 'object' && !Array.isArray(detail)
    ? Object.entries(detail).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${value(v)}`).join(', ')
    : value(detail);
  return { text: full.length > DETAIL_MAX ? `${full.slice(0, DETAIL_MAX - 1)}…` : full, full };
}

/**
 * The query of one page of the log: only what is set goes.
 * @param {{action?: string, cursor?: string | null, limit?: number}} params
 */
export function auditQuery(params) {
  return {
    action: params.action || undefined,
    cursor: params.cursor || undefined,
    limit: params.limit && params.limit > 0 ? params.limit : undefined,
  };
}
