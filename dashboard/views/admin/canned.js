// @ts-check
/**
 * Canned responses (admins): create, edit, delete. Agents insert them with `/shortcut`. A
 * response may carry files (at most ten, each within the upload limit, as a reply): chosen
 * with Attach or dropped on the form, they upload at once (progress, Retry, Remove: the
 * composer's tray); editing shows the files it has, which stay unless removed. The list says
 * how many files each has, and their names.
 */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { MAX_CANNED_FILES, cannedRequest, filesInWords, readCannedList } from '../../lib/canned.js';
import { MAX_UPLOAD_BYTES } from '../../../common/uploads.js';
import { UploadTray, dropZone, size, waitText } from '../files.js';
import { adminPage, attempt, errorLine, field, tableHead } from './common.js';

/** @typedef {import('../../lib/canned.js').Canned} Canned */

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

  // Its files: the composer's tray, the same limits.
  /** the error shown is about files (it goes once they are ready) */
  let filesError = false;
  const tray = new UploadTray({
    transport: ctx.api.uploadTransport(),
    label: 'Files sent with this response',
    per: 'canned response',
    changed: () => {
      const state = tray.state();
      if (filesError && (state === 'ready' || state === 'empty')) {
        formError.textContent = '';
        filesError = false;
      }
    },
    focusAfterLast: () => attach.focus(),
  });
  const fileInput = h('input', {
    type: 'file', multiple: true, hidden: true, tabIndex: -1, testid: 'canned-attach-input',
    attrs: { 'aria-hidden': 'true' },
    on: { change: () => {
      addFiles(Array.from(fileInput.files ?? []));
      fileInput.value = '';
    } },
  });
  const attach = h('button', {
    type: 'button', class: 'button small attach-button', testid: 'canned-attach-button',
    on: { click: () => fileInput.click() },
  }, h('span', { class: 'clip-icon', attrs: { 'aria-hidden': 'true' } }), 'Attach files');
  const filesHint = h('span', {
    class: 'hint muted small', id: 'canned-files-hint',
    text: `Sent with the text each time an agent uses it. At most ${MAX_CANNED_FILES} files, ${size(MAX_UPLOAD_BYTES)} each; or drop them here.`,
  });
  attach.setAttribute('aria-describedby', filesHint.id);

  /** @param {File[]} files */
  function addFiles(files) {
    if (!files.length) return;
    formError.textContent = '';
    tray.add(files);
  }

  /** @param {Canned | null} item */
  function edit(item) {
    editing = item?.id ?? null;
    shortcut.value = item?.shortcut ?? '';
    title.value = item?.title ?? '';
    text.value = item?.body ?? '';
    tray.clear();
    if (item) tray.attach(item.attachments);
    legend.textContent = item ? `Edit /${item.shortcut}` : 'New canned response';
    save.textContent = item ? 'Save changes' : 'Add response';
    cancel.hidden = !item;
    formError.textContent = '';
    filesError = false;
    if (item) shortcut.focus();
  }

  /** The files column: a paperclip, how many, their names (links to them). @param {Canned} c */
  function filesCell(c) {
    const files = c.attachments;
    if (!files.length) return h('td', { class: 'canned-files muted', testid: 'canned-files', dataset: { count: '0' } });
    const names = files.map((a, i) => [
      i ? ', ' : '',
      a.url
        ? h('a', { href: a.url, download: a.name, target: '_blank', rel: 'noopener noreferrer', testid: 'canned-file', text: a.name, title: `${a.name} (${size(a.size)})` })
        : h('span', { testid: 'canned-file', text: a.name }),
    ]);
    return h('td', { class: 'canned-files', testid: 'canned-files', dataset: { count: String(files.length) }, title: filesInWords(files) },
      h('span', { class: 'canned-files-count', attrs: { 'aria-hidden': 'true' } },
        h('span', { class: 'clip-icon' }), String(files.length)),
      h('span', { class: 'sr-only', text: `${files.length} ${files.length === 1 ? 'file' : 'files'}: ` }),
      h('span', { class: 'canned-file-names' }, names));
  }

  async function refresh() {
    await attempt(listError, async () => {
      const items = readCannedList(await ctx.api.canned());
      replace(body, items.map((c) => h('tr', { testid: 'canned-row', dataset: { cannedId: c.id, shortcut: c.shortcut } },
        h('td', {}, h('code', { text: `/${c.shortcut}` })),
        h('td', { text: c.title }),
        h('td', { class: 'clip', text: c.body }),
        filesCell(c),
        h('td', { class: 'actions' },
          h('button', { type: 'button', class: 'button small', testid: 'canned-edit', text: 'Edit', on: { click: () => edit(c) } }), ' ',
          h('button', { type: 'button', class: 'button small danger', testid: 'canned-delete', text: 'Delete', on: { click: async () => {
            if (!(await confirmDialog(`Delete /${c.shortcut}?`, 'Delete'))) return;
            await attempt(listError, () => ctx.api.deleteCanned(c.id));
            ctx.canned.invalidate();
            if (editing === c.id) edit(null);
            refresh();
          } } })))));
      if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 5, class: 'muted', text: 'No canned responses yet.' })));
    });
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    const wait = waitText(tray.state());
    if (wait) {
      formError.textContent = wait;
      filesError = true;
      return;
    }
    const item = cannedRequest({ shortcut: shortcut.value, title: title.value, body: text.value }, tray.attachments());
    const id = editing;
    const ok = await attempt(formError, () => (id ? ctx.api.updateCanned(id, item) : ctx.api.createCanned(item)), save);
    if (ok) {
      ctx.canned.invalidate();
      edit(null);
      refresh();
    }
  }

  const dropHint = h('div', { class: 'drop-hint', testid: 'canned-drop-hint', text: 'Drop files to attach them to this response' });
  const form = h('form', { class: 'admin-form canned-form', testid: 'canned-form', on: { submit } },
    h('fieldset', {}, legend,
      field('Shortcut', shortcut, 'Lowercase letters, digits, _ and -. Agents type /shortcut.'),
      field('Title', title),
      field('Text', text),
      h('div', { class: 'field', testid: 'canned-files-field', attrs: { role: 'group', 'aria-labelledby': 'canned-files-label' } },
        h('span', { class: 'field-label', id: 'canned-files-label', text: 'Files' }),
        h('div', { class: 'row' }, attach, fileInput),
        tray.el,
        filesHint),
      formError, h('div', { class: 'row' }, save, cancel)),
    dropHint);
  dropZone(form, dropHint, addFiles);
  const table = h('table', { class: 'table', testid: 'canned-list' }, tableHead(['Shortcut', 'Title', 'Text', 'Files', '']), body);
  refresh();
  return { el: adminPage('Canned responses', form, listError, table) };
}
