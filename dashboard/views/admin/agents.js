// @ts-check
/**
 * The agents (admins): invite by email (a link to choose a password) or add with an initial
 * password, change roles and capacities (how many
 * open conversations automatic assignment gives each at once), deactivate, remove.
 */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { inviteChoice } from '../../lib/emails.js';
import { adminPage, attempt, errorLine, field, statusLine, tableHead } from './common.js';

/** Under the initial password: who sees it, and where the agent changes it. */
export const INITIAL_PASSWORD_HELP =
  'Share it privately. Once signed in, they can change it (and their name) on their Profile page; with email set up, "Forgot your password?" on the sign-in page also works.';

/**
 * What the form says once an agent was added.
 * @param {{email: string, name: string}} agent @param {boolean} invited an invitation was asked for
 * @param {any} answer the server's answer
 */
export function addedAgentStatus(agent, invited, answer) {
  if (invited && answer?.invited === true) {
    return `An invitation to ${agent.email} was queued: its link lets ${agent.name} choose a password (for 7 days). It is emailed only if this server has email set up.`;
  }
  if (invited) return `${agent.name} was added, but the server did not say that it sent an invitation.`;
  return `${agent.name} can now sign in with ${agent.email} and the password you chose, then change it from their Profile page.`;
}

/** @param {import('../shell.js').AppContext} ctx */
export function agentsPage(ctx) {
  const email = h('input', { type: 'email', required: true, autocomplete: 'off', testid: 'agent-email' });
  const name = h('input', { type: 'text', required: true, maxLength: 200, autocomplete: 'off', testid: 'agent-name' });
  const password = h('input', { type: 'password', required: true, autocomplete: 'new-password', testid: 'agent-password' });
  // Checked: no password is sent, and the server emails the agent a link to choose one. A
  // server without email cannot: unchecked and disabled, and the field says why.
  const invitation = inviteChoice(ctx.desk.email);
  const sendInvite = h('input', { type: 'checkbox', defaultChecked: invitation.checked, disabled: invitation.disabled, testid: 'agent-send-invite' });
  const passwordField = field('Initial password', password, INITIAL_PASSWORD_HELP);
  function syncInvite() {
    passwordField.hidden = sendInvite.checked;
    password.required = !sendInvite.checked;
    password.disabled = sendInvite.checked;
  }
  sendInvite.addEventListener('change', syncInvite);
  syncInvite();
  const role = h('select', { testid: 'agent-role' }, h('option', { value: 'agent', text: 'Agent' }), h('option', { value: 'admin', text: 'Admin' }));
  const invite = h('button', { type: 'submit', class: 'button primary', testid: 'agent-invite', text: 'Add agent' });
  const formError = errorLine('agent-form-error');
  const formStatus = statusLine('agent-form-status');
  const listError = errorLine('agents-error');
  const body = h('tbody');
  const capacityHelp = h('p', {
    class: 'muted', id: 'agent-capacity-help', testid: 'agent-capacity-help',
    text: 'Capacity: how many open conversations automatic assignment (round robin, least busy) gives an agent at once. 0 = never assigned automatically; they can still take conversations themselves.',
  });

  async function refresh() {
    await attempt(listError, async () => {
      const { items } = await ctx.api.agents();
      ctx.desk.workspace.setTeam(items);
      replace(body, items.map((/** @type {any} */ a) => agentRow(a)));
    });
  }

  /**
   * The agent's capacity, saved when changed (Enter, or leaving the field).
   * @param {any} a
   */
  function capacityInput(a) {
    const input = h('input', {
      type: 'number', min: 0, max: 1000, step: 1, required: true, class: 'capacity', testid: 'agent-capacity',
      value: String(a.capacity ?? ''), disabled: !a.active || typeof a.capacity !== 'number',
      attrs: { 'aria-label': `Capacity of ${a.name}`, 'aria-describedby': capacityHelp.id },
    });
    const status = h('span', { class: 'form-status small', testid: 'agent-capacity-status', attrs: { role: 'status' } });
    input.addEventListener('change', async () => {
      status.textContent = '';
      const capacity = Number(input.value);
      if (input.value.trim() === '' || !Number.isInteger(capacity) || capacity < 0 || capacity > 1000) {
        listError.textContent = `Capacity of ${a.name}: a whole number from 0 to 1000.`;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      input.removeAttribute('aria-invalid');
      if (capacity === a.capacity) return;
      /** @type {any} */
      let saved = null;
      const ok = await attempt(listError, async () => {
        saved = await ctx.api.updateAgent(a.id, { capacity });
      });
      if (!ok) {
        input.value = String(a.capacity);
        return;
      }
      a.capacity = saved?.capacity ?? capacity;
      input.value = String(a.capacity);
      status.textContent = 'Saved.';
      ctx.desk.workspace.setTeam([a]);
    });
    return h('span', { class: 'capacity-cell' }, input, ' ', status);
  }

  /** @param {any} a */
  function agentRow(a) {
    const self = a.id === ctx.desk.workspace.me?.id;
    const roleSelect = h('select', { testid: 'agent-role-select', disabled: !a.active, attrs: { 'aria-label': `Role of ${a.name}` } },
      h('option', { value: 'agent', text: 'Agent' }), h('option', { value: 'admin', text: 'Admin' }));
    roleSelect.value = a.role;
    roleSelect.addEventListener('change', async () => {
      const ok = await attempt(listError, () => ctx.api.updateAgent(a.id, { role: roleSelect.value }), undefined);
      if (!ok) roleSelect.value = a.role;
      refresh();
    });
    const toggle = h('button', {
      type: 'button', class: 'button small', testid: 'agent-toggle-active', disabled: self,
      text: a.active ? 'Deactivate' : 'Reactivate',
    });
    toggle.addEventListener('click', async () => {
      if (a.active && !(await confirmDialog(`Deactivate ${a.name}? They are signed out at once and cannot sign in.`, 'Deactivate'))) return;
      await attempt(listError, () => ctx.api.updateAgent(a.id, { active: !a.active }), toggle);
      refresh();
    });
    const remove = h('button', { type: 'button', class: 'button small danger', testid: 'agent-remove', disabled: self, text: 'Remove' });
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Remove ${a.name} from the workspace? This cannot be undone.`, 'Remove'))) return;
      await attempt(listError, () => ctx.api.deleteAgent(a.id), remove);
      refresh();
    });
    return h('tr', { testid: 'agent-row', dataset: { agentId: a.id, active: String(a.active), role: a.role }, class: a.active ? '' : 'inactive' },
      h('td', { testid: 'agent-row-name', text: self ? `${a.name} (you)` : a.name }),
      h('td', { text: a.email }),
      h('td', {}, roleSelect),
      h('td', {}, capacityInput(a)),
      h('td', { testid: 'agent-row-status', text: a.active ? 'Active' : 'Deactivated' }),
      h('td', { class: 'actions' }, toggle, ' ', remove));
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    formStatus.textContent = '';
    const invited = sendInvite.checked;
    const agent = { email: email.value.trim(), name: name.value.trim(), role: role.value };
    /** @type {any} */
    let answer = null;
    const ok = await attempt(formError, async () => {
      answer = await ctx.api.createAgent(invited ? agent : { ...agent, password: password.value });
    }, invite);
    if (ok) {
      formStatus.textContent = addedAgentStatus(agent, invited, answer);
      form.reset();
      syncInvite();
      refresh();
    }
  }

  const form = h('form', { class: 'admin-form inline-form', testid: 'agent-form', on: { submit } },
    h('fieldset', {}, h('legend', { text: 'Add an agent' }),
      h('div', { class: 'grid-fields' },
        field('Email', email), field('Name', name), field('Role', role),
        field('Send an invitation email instead of setting a password', sendInvite, invitation.note ?? undefined), passwordField),
      formError, formStatus, h('div', { class: 'row' }, invite)));
  const table = h('table', { class: 'table', testid: 'agents-list' }, tableHead(['Name', 'Email', 'Role', 'Capacity', 'Status', '']), body);
  refresh();
  return { el: adminPage('Agents', form, capacityHelp, listError, table) };
}
