// @ts-check
/**
 * Labels (admins): the workspace's labels, each a name (1 to 50 characters, unique, case
 * aside) and a colour. Added, renamed or recoloured in place, deleted (the conversations that
 * carried one lose it). Every agent then puts them on conversations from the conversation's
 * header and filters the inbox by one.
 */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { labelChip } from '../inbox.js';
import { adminPage, attempt, errorLine, field, fieldError, statusLine, tableHead } from './common.js';

/** @typedef {{id: string, name: string, color: string, created_at: string}} Label */

/** Colours offered to a new label, in turn (the server's palette). */
export const LABEL_PALETTE = Object.freeze(['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#4b5563']);
/** The server's limit on a name. */
export const LABEL_NAME_MAX = 50;

/**
 * What is wrong with a label's name, or '' (the server's rule: 1 to 50 characters once trimmed).
 * @param {string} name
 */
export function labelNameProblem(name) {
  const length = [...name.trim()].length;
  if (!length) return 'Give the label a name.';
  if (length > LABEL_NAME_MAX) return `At most ${LABEL_NAME_MAX} characters.`;
  return '';
}

/** @param {import('../shell.js').AppContext} ctx */
export function labelsPage(ctx) {
  const name = h('input', { type: 'text', required: true, maxLength: LABEL_NAME_MAX, autocomplete: 'off', placeholder: 'Billing', testid: 'label-name' });
  const color = h('input', { type: 'color', value: LABEL_PALETTE[0], testid: 'label-color' });
  const create = h('button', { type: 'submit', class: 'button primary', testid: 'label-create', text: 'Add label' });
  const formError = errorLine('label-form-error');
  const listError = errorLine('labels-error');
  const listStatus = statusLine('labels-status');
  const body = h('tbody');
  const nameField = field('Name', name, 'What agents pick on a conversation and filter the inbox by.');
  const colorField = field('Colour', color);
  const errors = { name: fieldError(name, 'label-name-error') };
  nameField.append(errors.name.error);

  /** @param {Label[]} items */
  function show(items) {
    ctx.desk.workspace.setLabels(items);
    replace(body, items.map((l) => labelRow(l)));
    if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 4, class: 'muted', text: 'No labels yet.' })));
  }

  async function refresh() {
    await attempt(listError, async () => {
      const { items } = await ctx.api.labels();
      show(items);
      if (!name.value) color.value = LABEL_PALETTE[items.length % LABEL_PALETTE.length];
    });
  }

  /** @param {Label} l */
  function labelRow(l) {
    const rowName = h('input', { type: 'text', value: l.name, maxLength: LABEL_NAME_MAX, required: true, autocomplete: 'off', testid: 'label-row-name', attrs: { 'aria-label': `Name of ${l.name}` } });
    const rowColor = h('input', { type: 'color', value: l.color, testid: 'label-row-color', attrs: { 'aria-label': `Colour of ${l.name}` } });
    const save = h('button', { type: 'submit', class: 'button small', testid: 'label-save', text: 'Save', attrs: { 'aria-label': `Save ${l.name}` } });
    const remove = h('button', { type: 'button', class: 'button small danger', testid: 'label-delete', text: 'Delete', attrs: { 'aria-label': `Delete ${l.name}` } });
    const rowError = errorLine('label-row-error');
    const formId = `label-form-${l.id}`;
    const form = h('form', { id: formId, on: { submit: async (/** @type {SubmitEvent} */ e) => {
      e.preventDefault();
      const problem = labelNameProblem(rowName.value);
      rowError.textContent = problem;
      if (problem) return rowName.focus();
      /** @type {{name?: string, color?: string}} */
      const change = {};
      if (rowName.value.trim() !== l.name) change.name = rowName.value.trim();
      if (rowColor.value.toLowerCase() !== l.color.toLowerCase()) change.color = rowColor.value;
      if (!Object.keys(change).length) return;
      const ok = await attempt(rowError, () => ctx.api.updateLabel(l.id, change), save);
      if (!ok) return;
      listStatus.textContent = `Saved “${change.name ?? l.name}”.`;
      refresh();
    } } });
    rowName.setAttribute('form', formId);
    rowColor.setAttribute('form', formId);
    save.setAttribute('form', formId);
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete the label “${l.name}”? The conversations that carry it lose it.`, 'Delete'))) return;
      const ok = await attempt(listError, () => ctx.api.deleteLabel(l.id), remove);
      if (ok) listStatus.textContent = `Deleted “${l.name}”.`;
      refresh();
    });
    return h('tr', { testid: 'label-row', dataset: { labelId: l.id } },
      h('td', {}, labelChip(l, 'label-row-chip'), form),
      h('td', {}, rowName, rowError),
      h('td', {}, rowColor),
      h('td', { class: 'actions' }, save, ' ', remove));
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    const problem = labelNameProblem(name.value);
    if (problem) {
      errors.name.error.textContent = problem;
      name.setAttribute('aria-invalid', 'true');
      name.focus();
      return;
    }
    const ok = await attempt(formError, () => ctx.api.createLabel({ name: name.value.trim(), color: color.value }), create, errors);
    if (!ok) return;
    listStatus.textContent = `Added “${name.value.trim()}”.`;
    name.value = '';
    await refresh();
    name.focus();
  }

  const form = h('form', { class: 'admin-form inline-form', testid: 'label-form', on: { submit } },
    h('fieldset', {}, h('legend', { text: 'New label' }),
      h('div', { class: 'grid-fields' }, nameField, colorField),
      formError, h('div', { class: 'row' }, create)));
  const table = h('table', { class: 'table', testid: 'labels-list' }, tableHead(['Label', 'Name', 'Colour', '']), body);
  refresh();
  return {
    el: adminPage('Labels',
      h('p', { class: 'muted', text: 'Agents put labels on conversations from the conversation’s header, and filter the inbox by one.' }),
      form, listError, listStatus, table),
  };
}
