// @ts-check
/** Canned responses (admins): create, edit, delete. Agents insert them with `/shortcut`. */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { adminPage, attempt, errorLine, field, tableHead } from './common.js';

/** @param {import('../shell.js').AppContext} ctx */
export function cannedPage(ctx) {
  /** @type {string | null} the response being edited */
  let editing = null;
  const shortcut = h('input', { type: 'text', required: true, maxLength: 32, pattern: '[a-z0-9_\\-]{1,32}', autocomplete: 'off', testid: 'canned-shortcut' });
  const title = h('input', { type: 'text', maxLength: 200, autocomplete: 'off', testid: 'canned-title' });
  const text = h('textarea', { rows: 4, required: true, testid: 'canned-body' });
  const save = h('button', { type: 'submit', class: 'button primary', testid: 'canned-save', text: 'Add response' });
  const cancel = h('button', { type: 'button', class: 'button', testid: 'canned-cancel', text: 'Cancel', hidden: true, on: { click: () => edit(null) } });
  const legend = h('legend', { text: 'New canned response' });
  const formError = errorLine('canned-form-error');
  const listError = errorLine('canned-error');
  const body = h('tbody');

  /** @param {any} item */
  function edit(item) {
    editing = item?.id ?? null;
    shortcut.value = item?.shortcut ?? '';
    title.value = item?.title ?? '';
    text.value = item?.body ?? '';
    legend.textContent = item ? `Edit /${item.shortcut}` : 'New canned response';
    save.textContent = item ? 'Save changes' : 'Add response';
    cancel.hidden = !item;
    formError.textContent = '';
    if (item) shortcut.focus();
  }

  async function refresh() {
    await attempt(listError, async () => {
      const { items } = await ctx.api.canned();
      replace(body, items.map((/** @type {any} */ c) => h('tr', { testid: 'canned-row', dataset: { cannedId: c.id, shortcut: c.shortcut } },
        h('td', {}, h('code', { text: `/${c.shortcut}` })),
        h('td', { text: c.title }),
        h('td', { class: 'clip', text: c.body }),
        h('td', { class: 'actions' },
          h('button', { type: 'button', class: 'button small', testid: 'canned-edit', text: 'Edit', on: { click: () => edit(c) } }), ' ',
          h('button', { type: 'button', class: 'button small danger', testid: 'canned-delete', text: 'Delete', on: { click: async () => {
            if (!(await confirmDialog(`Delete /${c.shortcut}?`, 'Delete'))) return;
            await attempt(listError, () => ctx.api.deleteCanned(c.id));
            ctx.canned.invalidate();
            if (editing === c.id) edit(null);
            refresh();
          } } })))));
      if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 4, class: 'muted', text: 'No canned responses yet.' })));
    });
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    const item = { shortcut: shortcut.value.trim().toLowerCase(), title: title.value.trim(), body: text.value };
    const id = editing;
    const ok = await attempt(formError, () => (id ? ctx.api.updateCanned(id, item) : ctx.api.createCanned(item)), save);
    if (ok) {
      ctx.canned.invalidate();
      edit(null);
      refresh();
    }
  }

  const form = h('form', { class: 'admin-form', testid: 'canned-form', on: { submit } },
    h('fieldset', {}, legend,
      field('Shortcut', shortcut, 'Lowercase letters, digits, _ and -. Agents type /shortcut.'),
      field('Title', title),
      field('Text', text),
      formError, h('div', { class: 'row' }, save, cancel)));
  const table = h('table', { class: 'table', testid: 'canned-list' }, tableHead(['Shortcut', 'Title', 'Text', '']), body);
  refresh();
  return { el: adminPage('Canned responses', form, listError, table) };
}
