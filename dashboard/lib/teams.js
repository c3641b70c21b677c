// @ts-check
/**
 * Teams without the DOM: the ways a team's conversations are assigned, a team as the form
 * sends it (checked first), and how a team reads in the list.
 */

/** `assignment` of a team, with what each does in a sentence. */
export const ASSIGNMENTS = Object.freeze([
  { id: 'manual', label: 'Manual', help: 'Agents pick conversations from the queue themselves.' },
  { id: 'round_robin', label: 'Round robin', help: 'Each new conversation goes to the next online member with room, in turn.' },
  { id: 'least_busy', label: 'Least busy', help: 'Each new conversation goes to the online member with the fewest open conversations, within their capacity.' },
]);

/** A team's name: 1 to 200 characters shown (`team_name` in src/http/api/teams.rs). */
export const MAX_NAME_CHARS = 200;

/** @param {string} id */
export function assignmentLabel(id) {
  return ASSIGNMENTS.find((a) => a.id === id)?.label ?? id;
}

/**
 * @typedef {{name: string, agent_ids: string[], assignment: string, hours: import('./hours.js').Hours | null}} TeamDraft
 */

/**
 * The body of `POST /teams` or `PATCH /teams/{id}`, or why it cannot be sent (the field and
 * what is wrong), from what the form holds.
 * @param {{name: string, agentIds: Iterable<string>, assignment: string, hours: import('./hours.js').Hours | null}} form
 * @returns {{draft: TeamDraft, error: null} | {draft: null, error: {field: 'name' | 'assignment', message: string}}}
 */
export function teamDraft(form) {
  const name = form.name.trim();
  if (!name) return { draft: null, error: { field: 'name', message: 'Give the team a name.' } };
  if ([...name].length > MAX_NAME_CHARS) return { draft: null, error: { field: 'name', message: `At most ${MAX_NAME_CHARS} characters.` } };
  if (!ASSIGNMENTS.some((a) => a.id === form.assignment)) return { draft: null, error: { field: 'assignment', message: 'Choose how conversations are assigned.' } };
  return { draft: { name, agent_ids: [...new Set(form.agentIds)], assignment: form.assignment, hours: form.hours }, error: null };
}

/**
 * The members' names for the list, alphabetically; members the page does not know (removed
 * meanwhile) are counted.
 * @param {string[]} agentIds @param {Map<string, {name: string | null}>} agents
 */
export function memberNames(agentIds, agents) {
  const names = agentIds.map((id) => agents.get(id)?.name).filter((n) => typeof n === 'string');
  names.sort((a, b) => a.localeCompare(b));
  const unknown = agentIds.length - names.length;
  if (unknown) names.push(`${unknown} other${unknown === 1 ? '' : 's'}`);
  return names.length ? names.join(', ') : 'No members';
}
