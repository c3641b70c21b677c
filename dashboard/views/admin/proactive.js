// @ts-check
/**
 * A site's proactive messages: rules that open the widget with a message from a named agent on
 * matching pages, after some seconds, for returning visitors only if asked. Up to ten, each a
 * row (message, from whom among the active agents, pages, delay, returning); checked here,
 * then saved alone (`PATCH /sites/{id} {settings: {proactive}}`), so the site form's other
 * settings are left as they are. The server's 422 goes to the row and field it names.
 */
import { h, replace } from '../../lib/dom.js';
import {
  DELAY_MAX, MAX_RULES, MESSAGE_MAX, PATTERN_MAX, newRow, ruleRows, rulesFromRows, serverRuleError,
} from '../../lib/proactive.js';
import { errorLine, field, statusLine } from './common.js';

/** @typedef {import('../../lib/proactive.js').RuleRow} RuleRow */
/** @typedef {{el: HTMLElement, read: () => RuleRow, controls: Record<string, HTMLElement>, legend: HTMLElement}} Row */

let rowCounter = 0;

/**
 * @param {import('../shell.js').AppContext} ctx @param {any} site
 * @param {(site: any) => void} saved told the site as the server holds it after a save
 */
export function proactiveEditor(ctx, site, saved) {
  /** @type {Row[]} */
  const rows = [];
  /** @type {{id: string, name: string}[]} */
  let agents = [];
  let agentsRead = false;
  const list = h('div', { class: 'proactive-rows', testid: 'site-proactive-rows' });
  const empty = h('p', { class: 'muted small', testid: 'site-proactive-empty', text: 'No proactive messages.' });
  const add = h('button', { type: 'button', class: 'button small', testid: 'site-proactive-add', text: 'Add message', on: { click: () => addRow(newRow(ctx.desk.workspace.me?.id ?? agents[0]?.id ?? ''), true) } });
  const save = h('button', { type: 'submit', class: 'button primary', testid: 'site-proactive-save', text: 'Save messages' });
  const error = errorLine('site-proactive-error');
  const status = statusLine('site-proactive-status');
  const form = h('form', { class: 'admin-form proactive-form', testid: 'site-proactive', on: { submit } },
    h('fieldset', {}, h('legend', { text: 'Proactive messages' }),
      h('p', { class: 'muted small', text: 'Open the chat with a message from one of you, on the pages you choose. Each is shown at most once per browser, and only while someone can answer.' }),
      list, empty, h('div', { class: 'row' }, add), error, status, h('div', { class: 'row' }, save)));

  /** @param {RuleRow} row @param {boolean} focus */
  function addRow(row, focus) {
    rowCounter += 1;
    const n = rowCounter;
    const message = h('textarea', { id: `proactive-message-${n}`, rows: 2, maxLength: MESSAGE_MAX, testid: 'site-proactive-message', value: row.message, placeholder: 'Questions about our plans? I can help.' });
    const agent = h('select', { id: `proactive-agent-${n}`, testid: 'site-proactive-agent' });
    const url = h('input', { type: 'text', id: `proactive-url-${n}`, maxLength: PATTERN_MAX, testid: 'site-proactive-url', value: row.url, spellcheck: false, autocomplete: 'off' });
    const delay = h('input', { type: 'number', id: `proactive-delay-${n}`, min: '0', max: String(DELAY_MAX), step: '1', testid: 'site-proactive-delay', value: row.delay });
    const returning = h('input', { type: 'checkbox', id: `proactive-returning-${n}`, testid: 'site-proactive-returning', checked: row.returning });
    fillAgents(agent, row.agent_id);
    const legend = h('legend', {});
    const id = row.id;
    /** @type {Row} */
    const handle = {
      el: h('fieldset', { class: 'proactive-row', testid: 'site-proactive-row', dataset: { ruleId: id } }),
      read: () => ({ id, message: message.value, agent_id: agent.value, url: url.value, delay: delay.value, returning: returning.checked }),
      controls: { message, agent_id: agent, url, delay },
      legend,
    };
    const remove = h('button', { type: 'button', class: 'button small', testid: 'site-proactive-remove', text: 'Remove message', on: { click: () => removeRow(handle) } });
    replace(handle.el, legend,
      field('Message', message),
      h('div', { class: 'grid-fields' },
        field('From', agent),
        field('Pages', url, '* for every page; /pricing* for the pages starting so.'),
        field('Seconds on the page first', delay, `0 to ${DELAY_MAX}.`)),
      h('div', { class: 'row' }, field('Returning visitors only', returning), remove));
    rows.push(handle);
    list.append(handle.el);
    render();
    if (focus) message.focus();
  }

  /** @param {Row} handle */
  function removeRow(handle) {
    const at = rows.indexOf(handle);
    if (at < 0) return;
    rows.splice(at, 1);
    handle.el.remove();
    render();
    const next = rows[at] ?? rows[at - 1];
    (next ? next.controls.message : add).focus();
  }

  /**
   * The active agents, and the rule's own agent when it is not one of them (or while the
   * agents are still being read).
   * @param {HTMLSelectElement} select @param {string} current
   */
  function fillAgents(select, current) {
    replace(select, agents.map((a) => h('option', { value: a.id, text: a.name })));
    if (current && !agents.some((a) => a.id === current)) {
      select.append(h('option', { value: current, text: agentsRead ? 'An agent no longer active' : 'Loading…' }));
    }
    select.value = current;
  }

  function render() {
    empty.hidden = rows.length > 0;
    add.disabled = rows.length >= MAX_RULES;
    add.title = add.disabled ? `At most ${MAX_RULES} messages` : '';
    rows.forEach((row, i) => { row.legend.textContent = `Message ${i + 1}`; });
  }

  /**
   * Shows a mistake and marks its control (focused), or clears.
   * @param {import('../../lib/proactive.js').RuleError | null} problem
   */
  function showError(problem) {
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    error.textContent = problem?.message ?? '';
    if (!problem) return;
    const control = problem.field === 'add' ? add : problem.field ? rows[problem.index]?.controls[problem.field] : null;
    if (!control) return;
    if (problem.field !== 'add') control.setAttribute('aria-invalid', 'true');
    control.focus();
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    status.textContent = '';
    const checked = rulesFromRows(rows.map((r) => r.read()));
    showError(checked.error);
    if (!checked.rules) return;
    save.disabled = true;
    try {
      const answer = await ctx.api.updateSite(site.id, { settings: { proactive: checked.rules } });
      saved(answer);
      show(answer.settings?.proactive ?? checked.rules);
      status.textContent = 'Saved.';
    } catch (err) {
      const message = /** @type {Error} */ (err).message;
      const named = /** @type {any} */ (err).status === 422 ? serverRuleError(message) : null;
      showError(named ?? { index: 0, field: null, message });
    } finally {
      save.disabled = false;
    }
  }

  /** The rules as the server holds them. @param {unknown} rules */
  function show(rules) {
    for (const row of rows) row.el.remove();
    rows.length = 0;
    for (const row of ruleRows(rules)) addRow(row, false);
    render();
  }

  show(site.settings?.proactive);
  ctx.api.agents().then((page) => {
    agents = (page.items ?? []).filter((/** @type {any} */ a) => a.active !== false).map((/** @type {any} */ a) => ({ id: a.id, name: a.name }));
    agentsRead = true;
    for (const row of rows) fillAgents(/** @type {HTMLSelectElement} */ (row.controls.agent_id), row.read().agent_id);
  }, (err) => {
    error.textContent = `The agents cannot be read: ${err.message}`;
  });
  return form;
}
