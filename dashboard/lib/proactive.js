// @ts-check
/**
 * Proactive messages without the DOM: a site's `settings.proactive` rules as editor rows and
 * back, checked by the server's rules (domain/proactive.rs) before asking, a rule's id made from
 * its message, and where the server's 422 (`settings.proactive[2].url …`) points.
 */

/** Most rules a site has. */
export const MAX_RULES = 10;
/** Longest message, in characters. */
export const MESSAGE_MAX = 500;
/** Longest URL pattern. */
export const PATTERN_MAX = 300;
/** Longest wait before a rule shows, in seconds. */
export const DELAY_MAX = 600;
/** Longest id. */
const ID_MAX = 40;

/**
 * @typedef {{id: string, message: string, agent_id: string, url: string, delay_s: number, returning: boolean}} Rule
 * @typedef {{id: string, message: string, agent_id: string, url: string, delay: string, returning: boolean}} RuleRow
 * @typedef {{index: number, field: 'message' | 'agent_id' | 'url' | 'delay' | 'add' | null, message: string}} RuleError
 */

/** The rules a site holds, as editor rows (anything malformed left out). @param {unknown} rules @returns {RuleRow[]} */
export function ruleRows(rules) {
  if (!Array.isArray(rules)) return [];
  return rules.filter((r) => r && typeof r === 'object').map((r) => ({
    id: typeof r.id === 'string' ? r.id : '',
    message: typeof r.message === 'string' ? r.message : '',
    agent_id: typeof r.agent_id === 'string' ? r.agent_id : '',
    url: typeof r.url === 'string' ? r.url : '*',
    delay: String(Number.isInteger(r.delay_s) ? r.delay_s : 0),
    returning: r.returning === true,
  }));
}

/** A fresh row: every page, at once, from `agentId`. @param {string} agentId @returns {RuleRow} */
export const newRow = (agentId) => ({ id: '', message: '', agent_id: agentId, url: '*', delay: '0', returning: false });

/**
 * An id from a message (`Questions about plans?` → `questions-about-plans`), unique among
 * `taken`: a browser remembers the ids it was shown, so a kept rule keeps its id.
 * @param {string} message @param {Set<string>} taken
 */
export function ruleId(message, taken) {
  // Accents come apart (NFKD) and their marks go, so that "Ça coûte" reads "ca-coute".
  const base = message.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32).replace(/-+$/, '') || 'rule';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`.slice(0, ID_MAX);
  return id;
}

/**
 * The rules to save, or the first mistake at its row. Rows without an id get one.
 * @param {RuleRow[]} rows
 * @returns {{rules: Rule[], error: null} | {rules: null, error: RuleError}}
 */
export function rulesFromRows(rows) {
  if (rows.length > MAX_RULES) return { rules: null, error: { index: MAX_RULES, field: 'add', message: `At most ${MAX_RULES} messages.` } };
  const taken = new Set(rows.map((r) => r.id).filter(Boolean));
  /** @type {Rule[]} */
  const rules = [];
  for (const [index, row] of rows.entries()) {
    const fail = (/** @type {RuleError['field']} */ field, /** @type {string} */ message) => ({ rules: null, error: { index, field, message } });
    const message = row.message.trim();
    if (!message) return fail('message', `Message ${index + 1}: write what the visitor reads.`);
    if ([...message].length > MESSAGE_MAX) return fail('message', `Message ${index + 1}: at most ${MESSAGE_MAX} characters.`);
    if (!row.agent_id) return fail('agent_id', `Message ${index + 1}: choose who it is from.`);
    const url = row.url.trim() || '*';
    if ([...url].length > PATTERN_MAX) return fail('url', `Message ${index + 1}: the pages' pattern is at most ${PATTERN_MAX} characters.`);
    const delay = Number(row.delay.trim() || '0');
    if (!Number.isInteger(delay) || delay < 0 || delay > DELAY_MAX) return fail('delay', `Message ${index + 1}: wait 0 to ${DELAY_MAX} seconds.`);
    const id = row.id || ruleId(message, taken);
    taken.add(id);
    rules.push({ id, message, agent_id: row.agent_id, url, delay_s: delay, returning: row.returning });
  }
  return { rules, error: null };
}

/**
 * Where a 422 of the server points: `settings.proactive[2].delay_s must …` → row 2, its delay.
 * Null when it names no rule.
 * @param {string} message
 * @returns {RuleError | null}
 */
export function serverRuleError(message) {
  const found = /^settings\.proactive(?:\[(\d+)\](?:\.([a-z_]+))?)?/.exec(message);
  if (!found) return null;
  const index = found[1] === undefined ? 0 : Number(found[1]);
  const named = { message: 'message', agent_id: 'agent_id', url: 'url', delay_s: 'delay' }[found[2] ?? ''] ?? null;
  return { index, field: /** @type {RuleError['field']} */ (named), message };
}
