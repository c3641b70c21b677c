// @ts-check
/**
 * The signed-in agent's own profile (`#/profile`, reached from their name in the top bar):
 * the email and role, read only; the picture (`avatar.js`); the name; the signature under
 * replies emailed to visitors; the email notifications, saved as soon as the box
 * is ticked or unticked (put back, with the error, when the server refuses); and a password
 * change, checked here first. A new password ends every session of the agent: the app signs
 * this page in again with it (`changePassword`).
 */
import { h } from '../lib/dom.js';
import { notifyEmailNote } from '../lib/emails.js';
import { NAME_MAX, SIGNATURE_MAX, checkName, checkPasswordChange, checkSignature, passwordChangeError } from '../lib/profile.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../lib/reset.js';
import { adminPage, attempt, errorLine, field, fieldError, showFieldError, statusLine } from './admin/common.js';
import { avatarSection } from './avatar.js';

const ROLES = Object.freeze({ admin: 'Admin', agent: 'Agent' });

/**
 * @param {import('./shell.js').AppContext} ctx
 * @returns {{el: HTMLElement, destroy: () => void}}
 */
export function profilePage(ctx) {
  const ws = ctx.desk.workspace;
  const loadError = errorLine('profile-error');
  const email = h('dd', { testid: 'profile-email' });
  const role = h('dd', { testid: 'profile-role' });
  const facts = h('dl', { class: 'facts' }, h('dt', { text: 'Email' }), email, h('dt', { text: 'Role' }), role);

  /** @param {any} agent this agent, as the server or the welcome says */
  function showFacts(agent) {
    email.textContent = agent?.email ?? '';
    role.textContent = ROLES[/** @type {keyof typeof ROLES} */ (agent?.role)] ?? agent?.role ?? '';
  }

  // ---- name ----
  const name = h('input', {
    type: 'text', required: true, maxLength: NAME_MAX, autocomplete: 'name', testid: 'profile-name', value: ws.me?.name ?? '',
  });
  const nameError = fieldError(name, 'profile-name-error');
  const nameStatus = statusLine('profile-name-status');
  const nameSave = h('button', { type: 'submit', class: 'button primary', testid: 'profile-name-save', text: 'Save' });
  const nameForm = h('form', { class: 'admin-form', testid: 'profile-name-form', on: { submit: saveName } },
    h('fieldset', {}, h('legend', { text: 'Name' }),
      field('Your name, as your team and visitors see it', name),
      nameError.error, nameStatus, h('div', { class: 'row' }, nameSave)));

  /** @param {SubmitEvent} e */
  async function saveName(e) {
    e.preventDefault();
    nameStatus.textContent = '';
    const problem = checkName(name.value);
    showFieldError(nameError, problem ?? '');
    if (problem) return;
    /** @type {any} */
    let agent = null;
    const ok = await attempt(nameError.error, async () => {
      agent = await ctx.api.updateMe({ name: name.value.trim() });
    }, nameSave, { name: nameError });
    if (!ok || !agent) return;
    name.value = agent.name;
    if (ws.me) ws.setMe({ ...ws.me, name: agent.name });
    nameStatus.textContent = 'Saved.';
  }

  // ---- signature ----
  const signature = h('textarea', { rows: 4, maxLength: SIGNATURE_MAX, testid: 'profile-signature', placeholder: 'Ada Lovelace\nSupport, Example Ltd' });
  const signatureError = fieldError(signature, 'profile-signature-error');
  const signatureStatus = statusLine('profile-signature-status');
  const signatureSave = h('button', { type: 'submit', class: 'button primary', testid: 'profile-signature-save', text: 'Save' });
  const signatureForm = h('form', { class: 'admin-form', testid: 'profile-signature-form', on: { submit: saveSignature } },
    h('fieldset', {}, h('legend', { text: 'Signature' }),
      field('Signature', signature, `Added under your replies in emails to visitors. At most ${SIGNATURE_MAX} characters; empty: none.`),
      signatureError.error, signatureStatus, h('div', { class: 'row' }, signatureSave)));

  /** @param {SubmitEvent} e */
  async function saveSignature(e) {
    e.preventDefault();
    signatureStatus.textContent = '';
    const problem = checkSignature(signature.value);
    showFieldError(signatureError, problem ?? '');
    if (problem) return;
    /** @type {any} */
    let agent = null;
    const ok = await attempt(signatureError.error, async () => {
      agent = await ctx.api.updateMe({ signature: signature.value });
    }, signatureSave, { signature: signatureError });
    if (!ok || !agent) return;
    signature.value = agent.signature ?? '';
    signatureStatus.textContent = 'Saved.';
  }

  // ---- email notifications ----
  // Ticked or unticked, it is saved at once; the requests go one after the other, and a
  // refusal puts the box back as the server holds it.
  const notify = h('input', { type: 'checkbox', testid: 'profile-notify-email', disabled: true });
  const notifyError = errorLine('profile-notify-error');
  const notifyStatus = h('p', { class: 'form-status small', testid: 'profile-notify-status', attrs: { role: 'status' } });
  const notifyNote = h('p', { class: 'notice small', testid: 'profile-notify-note', hidden: true });
  let notifyHeld = true;
  let notifySaving = Promise.resolve();
  notify.addEventListener('change', () => {
    const wanted = notify.checked;
    notifyStatus.textContent = '';
    notifySaving = notifySaving.then(async () => {
      const ok = await attempt(notifyError, async () => {
        const agent = await ctx.api.updateMe({ notify_email: wanted });
        notifyHeld = agent?.notify_email !== false;
      });
      if (ok) notifyStatus.textContent = 'Saved.';
      else notify.checked = notifyHeld;
    });
  });
  const notifyForm = h('div', { class: 'admin-form' },
    h('fieldset', {}, h('legend', { text: 'Email notifications' }),
      field('Email me about new conversations when nobody of my team is online', notify,
        'One email gathers the conversations that came meanwhile; none is sent once you are online again.'),
      notifyNote, notifyError, notifyStatus));

  function showNotifyNote() {
    const note = notifyEmailNote(ctx.desk.email);
    notifyNote.textContent = note ?? '';
    notifyNote.hidden = !note;
  }

  // ---- password ----
  // The username field is for password managers, which save the new password under it.
  const username = h('input', { type: 'email', autocomplete: 'username', readOnly: true, hidden: true, tabIndex: -1, value: ws.me?.email ?? '' });
  const current = h('input', { type: 'password', required: true, autocomplete: 'current-password', testid: 'profile-current-password' });
  const password = h('input', { type: 'password', required: true, autocomplete: 'new-password', testid: 'profile-new-password' });
  const confirm = h('input', { type: 'password', required: true, autocomplete: 'new-password', testid: 'profile-confirm-password' });
  const passwordErrors = {
    current: fieldError(current, 'profile-current-password-error'),
    password: fieldError(password, 'profile-new-password-error'),
    confirm: fieldError(confirm, 'profile-confirm-password-error'),
  };
  const passwordError = errorLine('profile-password-error');
  const passwordStatus = statusLine('profile-password-status');
  const passwordSave = h('button', { type: 'submit', class: 'button primary', testid: 'profile-password-save', text: 'Change password' });
  const passwordForm = h('form', { class: 'admin-form', testid: 'profile-password-form', on: { submit: changePassword } },
    h('fieldset', {}, h('legend', { text: 'Change password' }),
      username,
      h('div', { class: 'grid-fields' },
        h('div', {}, field('Current password', current), passwordErrors.current.error),
        h('div', {}, field('New password', password, `${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`), passwordErrors.password.error),
        h('div', {}, field('Repeat the new password', confirm), passwordErrors.confirm.error)),
      h('p', { class: 'muted small', text: 'Your other sessions are signed out; this one stays signed in.' }),
      passwordError, passwordStatus, h('div', { class: 'row' }, passwordSave)));

  /** @param {SubmitEvent} e */
  async function changePassword(e) {
    e.preventDefault();
    passwordStatus.textContent = '';
    passwordError.textContent = '';
    for (const f of Object.values(passwordErrors)) showFieldError(f, '');
    const problem = checkPasswordChange({ current: current.value, password: password.value, confirm: confirm.value });
    if (problem) {
      showFieldError(passwordErrors[problem.field], problem.message);
      return;
    }
    passwordSave.disabled = true;
    passwordSave.textContent = 'Changing…';
    try {
      await ctx.changePassword(current.value, password.value);
      passwordForm.reset();
      passwordStatus.textContent = 'Your password is changed.';
    } catch (err) {
      const refusal = passwordChangeError(err);
      if (refusal.field) showFieldError(passwordErrors[refusal.field], refusal.message);
      else passwordError.textContent = refusal.message;
    } finally {
      passwordSave.disabled = false;
      passwordSave.textContent = 'Change password';
    }
  }

  // ---- loading ----
  showFacts(ws.me);
  showNotifyNote();
  const offWelcome = ctx.desk.on('welcome', () => showNotifyNote());
  ctx.api.me().then((agent) => {
    showFacts(agent);
    if (!name.value || name.value === ws.me?.name) name.value = agent.name;
    username.value = agent.email;
    notifyHeld = agent.notify_email !== false;
    notify.checked = notifyHeld;
    notify.disabled = false;
    if (!signature.value) signature.value = agent.signature ?? '';
    avatar.show(agent.avatar_url ?? null);
  }, (err) => {
    loadError.textContent = /** @type {Error} */ (err).message;
  });

  const avatar = avatarSection(ctx);
  const el = adminPage('Your profile', loadError, facts, avatar.el, nameForm, signatureForm, notifyForm, passwordForm);
  el.dataset.testid = 'profile-page';
  return { el, destroy: offWelcome };
}
