// @ts-check
/**
 * Privacy & data (admins): the workspace's retention ("Delete conversations resolved more than
 * N days ago", 1 to 3650, or off: kept forever), read from `GET /workspace` and saved with
 * `PATCH /workspace {retention_days}`; and the export of the whole workspace as NDJSON
 * (`GET /workspace/export`). One visitor's data is exported or erased from the visitor panel
 * beside a conversation, or from the contact.
 */
import { h } from '../../lib/dom.js';
import { RETENTION_MAX_DAYS, RETENTION_MIN_DAYS, parseRetention, retentionForm, retentionSentence } from '../../lib/privacy.js';
import { saveFile } from '../privacy.js';
import { adminPage, attempt, errorLine, field, fieldError, showFieldError, statusLine } from './common.js';

/** @param {import('../shell.js').AppContext} ctx */
export function privacyPage(ctx) {
  const on = h('input', { type: 'checkbox', testid: 'retention-on' });
  const days = h('input', {
    type: 'number', min: String(RETENTION_MIN_DAYS), max: String(RETENTION_MAX_DAYS), step: '1', inputMode: 'numeric',
    required: true, testid: 'retention-days', class: 'retention-days',
  });
  const save = h('button', { type: 'submit', class: 'button primary', testid: 'retention-save', text: 'Save' });
  const formError = errorLine('retention-error');
  const formStatus = statusLine('retention-status');
  const current = h('p', { class: 'muted', testid: 'retention-current' });
  const daysField = field('Days', days, `From ${RETENTION_MIN_DAYS} to ${RETENTION_MAX_DAYS}.`);
  const errors = { retention_days: fieldError(days, 'retention-days-error') };
  daysField.append(errors.retention_days.error);
  const form = h('form', { class: 'admin-form', testid: 'retention-form', noValidate: true, hidden: true, on: { submit: (/** @type {SubmitEvent} */ e) => submit(e) } },
    field('Delete conversations resolved more than this many days ago', on, 'Off: conversations are kept until someone deletes them.'),
    daysField,
    h('p', { class: 'muted small', text: 'Their messages and files are deleted with them. Deletion runs in the background, a little at a time, so it may take a while to catch up after a change. Open conversations are never deleted.' }),
    formError, formStatus,
    h('div', { class: 'row' }, save));
  on.addEventListener('change', () => {
    days.disabled = !on.checked;
    if (on.checked) days.focus();
  });

  const exportButton = h('button', { type: 'button', class: 'button', testid: 'workspace-export', text: 'Export the whole workspace' });
  const exportError = errorLine('workspace-export-error');
  const exportStatus = statusLine('workspace-export-status');
  exportButton.addEventListener('click', async () => {
    exportStatus.textContent = 'Preparing… A large workspace takes a while.';
    const done = await attempt(exportError, async () => {
      const { blob, name } = await ctx.api.exportWorkspace();
      saveFile(blob, name);
    }, exportButton);
    exportStatus.textContent = done ? 'Exported.' : '';
  });

  /** @param {unknown} retention `retention_days` as the server holds it */
  function show(retention) {
    const shown = retentionForm(retention);
    on.checked = shown.on;
    days.value = shown.days;
    days.disabled = !shown.on;
    current.textContent = retentionSentence(shown.on ? Number(shown.days) : null);
    form.hidden = false;
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    formStatus.textContent = '';
    formError.textContent = '';
    const parsed = parseRetention(on.checked, days.value);
    if ('error' in parsed) {
      showFieldError(errors.retention_days, parsed.error);
      days.focus();
      return;
    }
    const saved = await attempt(formError, async () => {
      const workspace = await ctx.api.updateWorkspace({ retention_days: parsed.days });
      show(workspace?.retention_days ?? parsed.days);
    }, save, errors);
    if (saved) formStatus.textContent = 'Saved.';
  }

  const loadError = errorLine('privacy-load-error');
  attempt(loadError, async () => {
    const workspace = await ctx.api.workspace();
    show(workspace?.retention_days ?? null);
  });

  return {
    el: adminPage('Privacy & data',
      h('h2', { class: 'panel-subtitle', text: 'Data retention' }),
      current, loadError, form,
      h('h2', { class: 'panel-subtitle', text: 'Export' }),
      h('p', { class: 'muted', text: 'Everything this workspace holds, as one file of JSON lines (NDJSON): its sites, agents, teams, labels, visitors, and conversations with their messages. Files themselves are not included.' }),
      h('div', { class: 'row' }, exportButton), exportStatus, exportError,
      h('p', { class: 'muted small', text: 'To export or erase one visitor, open a conversation of theirs (or the contact) and use “Their data”.' })),
  };
}
