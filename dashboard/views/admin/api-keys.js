// @ts-check
/**
 * API keys (admins): keys for the workspace's own servers and scripts, each with a role. A key
 * is shown once, when made; the list knows only its first characters. Revoking one takes
 * effect on its next request.
 */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { fullTime, keyPrefix } from '../../lib/format.js';
import { adminPage, attempt, errorLine, field, fieldError, oneTimeSecret, tableHead } from './common.js';

/** @typedef {{id: string, name: string, role: string, key_prefix?: string, created_at: string, last_used_at: string | null}} ApiKey */

const ROLE_LABELS = /** @type {Record<string, string>} */ ({ agent: 'Agent', admin: 'Admin' });

/** @param {import('../shell.js').AppContext} ctx */
export function apiKeysPage(ctx) {
  const name = h('input', { type: 'text', required: true, maxLength: 200, autocomplete: 'off', placeholder: 'CRM sync', testid: 'api-key-name' });
  // Agent first: a key gets no more than it needs.
  const role = h('select', { testid: 'api-key-role' }, h('option', { value: 'agent', text: 'Agent' }), h('option', { value: 'admin', text: 'Admin' }));
  const create = h('button', { type: 'submit', class: 'button primary', testid: 'api-key-create', text: 'Create key' });
  const formError = errorLine('api-key-form-error');
  const listError = errorLine('api-keys-error');
  const keySlot = h('div');
  const body = h('tbody');
  const nameField = field('Name', name, 'What uses it, so that you know what breaks when you revoke it.');
  const roleField = field('Role', role, 'Agent: conversations and visitors. Admin: also sites, the team, webhooks and keys.');
  const errors = { name: fieldError(name, 'api-key-name-error'), role: fieldError(role, 'api-key-role-error') };
  nameField.append(errors.name.error);
  roleField.append(errors.role.error);

  async function refresh() {
    await attempt(listError, async () => {
      const { items } = await ctx.api.apiKeys();
      replace(body, items.map((/** @type {ApiKey} */ k) => keyRow(k)));
      if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 6, class: 'muted', text: 'No API keys yet.' })));
    });
  }

  /** @param {ApiKey} k */
  function keyRow(k) {
    const revoke = h('button', { type: 'button', class: 'button small danger', testid: 'api-key-revoke', text: 'Revoke', attrs: { 'aria-label': `Revoke ${k.name}` } });
    revoke.addEventListener('click', async () => {
      if (!(await confirmDialog(`Revoke “${k.name}”? Whatever uses it is refused from its next request. This cannot be undone.`, 'Revoke'))) return;
      await attempt(listError, () => ctx.api.deleteApiKey(k.id), revoke);
      refresh();
    });
    return h('tr', { testid: 'api-key-row', dataset: { keyId: k.id, role: k.role } },
      h('td', { testid: 'api-key-row-name', text: k.name }),
      h('td', { text: ROLE_LABELS[k.role] ?? k.role }),
      h('td', {}, h('code', { testid: 'api-key-prefix', text: keyPrefix(k.key_prefix) })),
      h('td', {}, h('time', { dateTime: k.created_at, text: fullTime(k.created_at) })),
      h('td', { testid: 'api-key-last-used' }, k.last_used_at ? h('time', { dateTime: k.last_used_at, text: fullTime(k.last_used_at) }) : h('span', { class: 'muted', text: 'never' })),
      h('td', { class: 'actions' }, revoke));
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    /** @type {any} */
    let made = null;
    const ok = await attempt(formError, async () => {
      made = await ctx.api.createApiKey({ name: name.value.trim(), role: role.value });
    }, create, errors);
    if (!ok) return;
    form.reset();
    keySlot.replaceChildren(oneTimeSecret({
      testid: 'api-key-secret', title: `API key “${made.name}”`, value: made.key,
      note: 'Send it as Authorization: Bearer <key>. Keep it on a server: it acts for the whole workspace.',
    }));
    refresh();
  }

  const form = h('form', { class: 'admin-form inline-form', testid: 'api-key-form', on: { submit } },
    h('fieldset', {}, h('legend', { text: 'New API key' }),
      h('div', { class: 'grid-fields' }, nameField, roleField),
      formError, h('div', { class: 'row' }, create)));
  const table = h('table', { class: 'table', testid: 'api-keys-list' }, tableHead(['Name', 'Role', 'Key', 'Created', 'Last used', '']), body);
  refresh();
  return {
    el: adminPage('API keys',
      h('p', { class: 'muted', text: 'For your own servers and scripts: a key calls the HTTP API with its role, in this workspace only.' }),
      form, keySlot, listError, table),
  };
}
