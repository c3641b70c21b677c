// @ts-check
/**
 * Teams (admins): the list, creating and editing one — its name, members (among the
 * workspace's agents), how its conversations are assigned (manual, round robin, least busy)
 * and its business hours (off: always open; or a time zone, weekly rows, several a day if
 * need be, and dated exceptions: closed, or open from–to) — and deleting one (its sites go
 * back to the whole workspace). A mistake is named at its row before asking; the server's
 * 422 under the part of the form it names, any other error under the form.
 */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import {
  DAYS, hoursForm, hoursFromForm, hoursSummary, newException, nextWeeklyRow, timeZones,
} from '../../lib/hours.js';
import { adminHref, go } from '../../lib/router.js';
import { ASSIGNMENTS, assignmentLabel, memberNames, teamDraft } from '../../lib/teams.js';
import { adminPage, attempt, errorLine, field, fieldError, showFieldError, statusLine, tableHead } from './common.js';

/** @typedef {import('../../lib/hours.js').WeeklyRow} WeeklyRow */
/** @typedef {import('../../lib/hours.js').ExceptionRow} ExceptionRow */

/** Ties each exception's "Closed all day" label to its checkbox. */
let exceptionCounter = 0;

/**
 * @param {import('../shell.js').AppContext} ctx
 * @param {string | null} id `new`, a team id, or null for the list
 */
export function teamsPage(ctx, id) {
  if (id === 'new') return { el: teamLoader(ctx, null) };
  if (id) return { el: teamLoader(ctx, id) };
  return { el: teamsList(ctx) };
}

/** The workspace's teams again, for the inbox filter and transfers. @param {import('../shell.js').AppContext} ctx */
async function shareTeams(ctx) {
  try {
    const { items } = await ctx.api.teams();
    ctx.desk.workspace.setTeams(items);
  } catch {
    /* the next welcome brings them */
  }
}

/** @param {import('../shell.js').AppContext} ctx */
function teamsList(ctx) {
  const body = h('tbody');
  const error = errorLine('teams-error');
  const status = statusLine('teams-status');
  const table = h('table', { class: 'table', testid: 'teams-list' }, tableHead(['Name', 'Members', 'Assignment', 'Business hours', '']), body);

  async function refresh() {
    await attempt(error, async () => {
      const [{ items }, agents] = await Promise.all([ctx.api.teams(), ctx.api.agents().catch(() => ({ items: [] }))]);
      ctx.desk.workspace.setTeams(items);
      const byId = new Map(agents.items.map((/** @type {any} */ a) => [a.id, a]));
      replace(body, items.map((/** @type {any} */ team) => teamRow(team, byId)));
      if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 5, class: 'muted', text: 'No teams yet: every agent answers every site.' })));
    });
  }

  /** @param {any} team @param {Map<string, any>} agents */
  function teamRow(team, agents) {
    const remove = h('button', { type: 'button', class: 'button small danger', testid: 'team-delete', text: 'Delete', attrs: { 'aria-label': `Delete ${team.name}` } });
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete the team “${team.name}”? Its sites go back to the whole workspace.`, 'Delete'))) return;
      if (await attempt(error, () => ctx.api.deleteTeam(team.id), remove)) {
        status.textContent = `${team.name} is deleted.`;
        refresh();
      }
    });
    return h('tr', { testid: 'team-row', dataset: { teamId: team.id, assignment: team.assignment } },
      h('td', {}, h('a', { href: adminHref('teams', team.id), testid: 'team-link', text: team.name })),
      h('td', { testid: 'team-row-members', text: memberNames(team.agent_ids ?? [], agents) }),
      h('td', { testid: 'team-row-assignment', text: assignmentLabel(team.assignment) }),
      h('td', { testid: 'team-row-hours', text: hoursSummary(team.hours) }),
      h('td', { class: 'actions' }, h('a', { href: adminHref('teams', team.id), class: 'button small', text: 'Edit' }), ' ', remove));
  }

  refresh();
  return adminPage('Teams',
    h('p', { class: 'muted', text: 'A team answers the sites you give it, within its business hours. Without a team, a site is answered by every agent, always.' }),
    h('div', { class: 'row' }, h('a', { href: adminHref('teams', 'new'), class: 'button primary', testid: 'team-new', text: 'New team' })),
    error, status, table);
}

/** The team (unless new) and the agents, then the form. @param {import('../shell.js').AppContext} ctx @param {string | null} id */
function teamLoader(ctx, id) {
  const holder = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  Promise.all([id ? ctx.api.team(id) : Promise.resolve(null), ctx.api.agents()]).then(
    ([team, agents]) => holder.replaceChildren(teamEditor(ctx, team, agents.items)),
    (err) => replace(holder, h('p', { class: 'form-error', text: err.message })),
  );
  return holder;
}

/**
 * The team form (create when `team` is null).
 * @param {import('../shell.js').AppContext} ctx @param {any} team @param {any[]} agents
 */
function teamEditor(ctx, team, agents) {
  const name = h('input', { type: 'text', required: true, maxLength: 200, autocomplete: 'off', testid: 'team-name', value: team?.name ?? '' });
  const nameField = field('Name', name, 'Shown to agents in the inbox and when transferring.');
  const errors = {
    name: fieldError(name, 'team-name-error'),
    agent_ids: /** @type {import('./common.js').FieldError} */ ({ control: h('div'), error: errorLine('team-members-error') }),
    assignment: /** @type {import('./common.js').FieldError} */ ({ control: h('div'), error: errorLine('team-assignment-error') }),
    hours: /** @type {import('./common.js').FieldError} */ ({ control: h('div'), error: errorLine('team-hours-error') }),
  };
  nameField.append(errors.name.error);

  // ---- assignment
  const assignment = team?.assignment ?? 'manual';
  const assignmentSet = h('fieldset', { class: 'choices', testid: 'team-assignment' },
    h('legend', { text: 'Assignment' }),
    ASSIGNMENTS.map((a) => {
      const radio = h('input', { type: 'radio', name: 'team-assignment', value: a.id, testid: `team-assignment-${a.id}`, checked: a.id === assignment });
      return field(a.label, radio, a.help);
    }),
    errors.assignment.error);
  errors.assignment.control = assignmentSet;
  const chosenAssignment = () => /** @type {HTMLInputElement | null} */ (assignmentSet.querySelector('input:checked'))?.value ?? '';

  // ---- members
  const members = new Set(team?.agent_ids ?? []);
  const sorted = [...agents].sort((a, b) => a.name.localeCompare(b.name));
  const memberBoxes = sorted.map((a) => {
    const box = h('input', { type: 'checkbox', value: a.id, testid: 'team-member-option', dataset: { agentId: a.id }, checked: members.has(a.id) });
    const about = [a.email, typeof a.capacity === 'number' ? `capacity ${a.capacity}` : null, a.active ? null : 'deactivated'].filter(Boolean).join(' · ');
    return field(a.name, box, about);
  });
  const membersSet = h('fieldset', { class: 'members', testid: 'team-members' },
    h('legend', { text: 'Members' }),
    h('p', { class: 'muted small', text: 'Automatic assignment gives conversations to online members, each up to their capacity (set on the Agents page).' }),
    memberBoxes.length ? h('div', { class: 'grid-fields' }, memberBoxes) : h('p', { class: 'muted', text: 'No agents yet.' }),
    errors.agent_ids.error);
  errors.agent_ids.control = membersSet;
  const chosenMembers = () => [...membersSet.querySelectorAll('input[type="checkbox"]:checked')].map((el) => /** @type {HTMLInputElement} */ (el).value);

  // ---- business hours
  const hours = new HoursEditor(hoursForm(team?.hours ?? null));
  errors.hours.control = hours.el;
  hours.el.append(errors.hours.error);

  const save = h('button', { type: 'submit', class: 'button primary', testid: 'team-save', text: team ? 'Save changes' : 'Create team' });
  const error = errorLine('team-form-error');
  const status = statusLine('team-form-status');

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    status.textContent = '';
    error.textContent = '';
    for (const f of Object.values(errors)) showFieldError(f, '');
    const checked = hoursFromForm(hours.read());
    if (checked.error) {
      showFieldError(errors.hours, checked.error.message);
      hours.focus(checked.error);
      return;
    }
    const made = teamDraft({ name: name.value, agentIds: chosenMembers(), assignment: chosenAssignment(), hours: checked.hours });
    if (made.error) {
      showFieldError(errors[made.error.field], made.error.message);
      return;
    }
    const draft = made.draft;
    /** @type {any} */
    let saved = null;
    const ok = await attempt(error, async () => {
      saved = team ? await ctx.api.updateTeam(team.id, draft) : await ctx.api.createTeam(draft);
    }, save, errors);
    if (!ok) return;
    shareTeams(ctx);
    if (!team) {
      go(adminHref('teams'));
      return;
    }
    team = saved;
    title.textContent = saved.name;
    status.textContent = 'Saved.';
  }

  const form = h('form', { class: 'admin-form team-form', testid: 'team-form', noValidate: true, on: { submit } },
    h('fieldset', {}, h('legend', { text: 'Team' }), nameField, assignmentSet),
    membersSet,
    hours.el,
    error, status,
    h('div', { class: 'row' }, save, h('a', { href: adminHref('teams'), class: 'button', testid: 'team-back', text: 'Back to teams' })));

  const page = adminPage(team ? team.name : 'New team', form);
  const title = /** @type {HTMLElement} */ (page.querySelector('.admin-title'));
  if (team) {
    const remove = h('button', { type: 'button', class: 'button danger', testid: 'team-delete', text: 'Delete team' });
    const removeError = errorLine('team-delete-error');
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete the team “${team.name}”? Its sites go back to the whole workspace.`, 'Delete'))) return;
      if (await attempt(removeError, () => ctx.api.deleteTeam(team.id), remove)) {
        shareTeams(ctx);
        go(adminHref('teams'));
      }
    });
    page.append(h('section', { class: 'danger-zone' }, h('h2', { class: 'panel-subtitle', text: 'Danger zone' }), remove, removeError));
  }
  return page;
}

/**
 * The business hours part of the form: off (always open), or a time zone, weekly rows and
 * dated exceptions, each row with its own Remove.
 */
class HoursEditor {
  /** @param {import('../../lib/hours.js').HoursForm} form */
  constructor(form) {
    /** @type {{el: HTMLElement, read: () => WeeklyRow, controls: Record<string, HTMLElement>}[]} */
    this.weekly = [];
    /** @type {{el: HTMLElement, read: () => ExceptionRow, controls: Record<string, HTMLElement>}[]} */
    this.exceptions = [];
    this.enabled = h('input', { type: 'checkbox', testid: 'team-hours-enabled', checked: form.scheduled, on: { change: () => this.toggle() } });
    this.zone = h('select', { testid: 'team-time-zone' }, timeZones(form.time_zone).map((z) => h('option', { value: z, text: z.replace(/_/g, ' ') })));
    this.zone.value = form.time_zone;
    this.weeklyList = h('div', { class: 'hours-rows', testid: 'team-weekly' });
    this.exceptionList = h('div', { class: 'hours-rows', testid: 'team-exceptions' });
    this.weeklyEmpty = h('p', { class: 'muted small', text: 'No weekly hours: closed every day, but for the exceptions.' });
    this.exceptionEmpty = h('p', { class: 'muted small', text: 'No exceptions.' });
    const addWeekly = h('button', { type: 'button', class: 'button small', testid: 'team-weekly-add', text: 'Add hours', on: { click: () => this.addWeekly(nextWeeklyRow(this.weekly.map((r) => r.read())), true) } });
    const addException = h('button', { type: 'button', class: 'button small', testid: 'team-exception-add', text: 'Add exception', on: { click: () => this.addException(newException(today()), true) } });
    this.details = h('div', { class: 'hours-details', testid: 'team-hours' },
      field('Time zone', this.zone, 'Times below are this zone’s wall clock: 09:00 stays 09:00 across daylight-saving changes.'),
      h('h3', { class: 'panel-subtitle', text: 'Every week' }),
      h('p', { class: 'muted small', text: 'Several rows for one day make several openings (e.g. 09:00–12:00 and 14:00–18:00). A row that ends before it starts runs past midnight; 24:00 ends at midnight.' }),
      this.weeklyList, this.weeklyEmpty, h('div', { class: 'row' }, addWeekly),
      h('h3', { class: 'panel-subtitle', text: 'Exceptions' }),
      h('p', { class: 'muted small', text: 'A date listed here ignores the week: closed, or open only in its own hours (holidays, short days).' }),
      this.exceptionList, this.exceptionEmpty, h('div', { class: 'row' }, addException));
    this.el = h('fieldset', { class: 'hours-editor', testid: 'team-hours-editor' },
      h('legend', { text: 'Business hours' }),
      field('Set business hours', this.enabled, 'Off: always open. Conversations outside the hours wait; the widget follows the site’s offline setting.'),
      this.details);
    for (const row of form.weekly) this.addWeekly(row, false);
    for (const row of form.exceptions) this.addException(row, false);
    this.toggle();
  }

  toggle() {
    this.details.hidden = !this.enabled.checked;
  }

  renderEmpty() {
    this.weeklyEmpty.hidden = this.weekly.length > 0;
    this.exceptionEmpty.hidden = this.exceptions.length > 0;
  }

  /** @param {WeeklyRow} row @param {boolean} focus */
  addWeekly(row, focus) {
    const n = this.weekly.length + 1;
    const day = h('select', { testid: 'team-weekly-day', attrs: { 'aria-label': `Day of row ${n}` } }, DAYS.map((d) => h('option', { value: d.id, text: d.label })));
    day.value = row.day;
    const from = timeInput('team-weekly-from', row.from, `From, row ${n}`);
    const to = timeInput('team-weekly-to', row.to, `To, row ${n}`);
    const handle = {
      el: h('div', { class: 'hours-row', testid: 'team-weekly-row' }),
      read: () => ({ day: day.value, from: from.value, to: to.value }),
      controls: { day, from, to },
    };
    const remove = h('button', {
      type: 'button', class: 'button small', testid: 'team-weekly-remove', text: 'Remove', attrs: { 'aria-label': `Remove row ${n}` },
      on: { click: () => this.remove(this.weekly, handle, this.weeklyList) },
    });
    replace(handle.el, day, from, h('span', { class: 'muted', text: '–' }), to, remove);
    this.weekly.push(handle);
    this.weeklyList.append(handle.el);
    this.renderEmpty();
    if (focus) day.focus();
  }

  /** @param {ExceptionRow} row @param {boolean} focus */
  addException(row, focus) {
    const n = this.exceptions.length + 1;
    const date = h('input', { type: 'date', testid: 'team-exception-date', value: row.date, attrs: { 'aria-label': `Date of exception ${n}` } });
    exceptionCounter += 1;
    const closed = h('input', { type: 'checkbox', testid: 'team-exception-closed', checked: row.closed, id: `exception-closed-${exceptionCounter}` });
    const from = timeInput('team-exception-from', row.from, `From, exception ${n}`);
    const to = timeInput('team-exception-to', row.to, `To, exception ${n}`);
    const sync = () => {
      from.disabled = closed.checked;
      to.disabled = closed.checked;
      if (!closed.checked && !from.value && !to.value) {
        from.value = '09:00';
        to.value = '12:00';
      }
    };
    closed.addEventListener('change', sync);
    const handle = {
      el: h('div', { class: 'hours-row', testid: 'team-exception-row' }),
      read: () => ({ date: date.value, closed: closed.checked, from: from.value, to: to.value }),
      controls: { date, closed, from, to },
    };
    const remove = h('button', {
      type: 'button', class: 'button small', testid: 'team-exception-remove', text: 'Remove', attrs: { 'aria-label': `Remove exception ${n}` },
      on: { click: () => this.remove(this.exceptions, handle, this.exceptionList) },
    });
    replace(handle.el, date,
      h('span', { class: 'check-inline' }, closed, h('label', { htmlFor: closed.id, text: 'Closed all day' })),
      from, h('span', { class: 'muted', text: '–' }), to, remove);
    from.disabled = closed.checked;
    to.disabled = closed.checked;
    this.exceptions.push(handle);
    this.exceptionList.append(handle.el);
    this.renderEmpty();
    if (focus) date.focus();
  }

  /**
   * Removes a row; the focus goes to the next row's first control, else to the add button.
   * @param {{el: HTMLElement, controls: Record<string, HTMLElement>}[]} rows
   * @param {{el: HTMLElement, controls: Record<string, HTMLElement>}} handle
   * @param {HTMLElement} list
   */
  remove(rows, handle, list) {
    const at = rows.indexOf(handle);
    if (at < 0) return;
    rows.splice(at, 1);
    handle.el.remove();
    this.renderEmpty();
    const next = rows[at] ?? rows[at - 1];
    const focus = next ? Object.values(next.controls)[0] : list.parentElement?.querySelector('.row button');
    /** @type {HTMLElement | null | undefined} */ (focus)?.focus();
  }

  /** @returns {import('../../lib/hours.js').HoursForm} */
  read() {
    return {
      scheduled: this.enabled.checked,
      time_zone: this.zone.value,
      weekly: this.weekly.map((r) => r.read()),
      exceptions: this.exceptions.map((r) => r.read()),
    };
  }

  /** Puts the focus where a mistake is. @param {import('../../lib/hours.js').HoursError} error */
  focus(error) {
    const rows = error.section === 'weekly' ? this.weekly : error.section === 'exceptions' ? this.exceptions : null;
    const control = rows ? rows[error.index]?.controls[error.field] : this.zone;
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.addEventListener('input', () => control.removeAttribute('aria-invalid'), { once: true });
      control.focus();
    }
  }
}

/** @param {string} testid @param {string} value @param {string} label */
function timeInput(testid, value, label) {
  return h('input', {
    type: 'text', testid, value, class: 'time', maxLength: 5, size: 5, placeholder: 'HH:MM', autocomplete: 'off',
    spellcheck: false, attrs: { 'aria-label': label, pattern: '([01]?[0-9]|2[0-3])[:.h][0-5][0-9]|24[:.h]00' },
  });
}

/** Today in this browser, `YYYY-MM-DD`. */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
