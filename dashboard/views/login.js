// @ts-check
/**
 * The sign-in form. Nothing here is stored but the token that a successful login returns. When
 * the email and password open accounts in several workspaces, the server lists them (409) and
 * the form asks which one, then signs in again naming it. "Forgot your password?" swaps the form
 * for one asking an email to send a reset link to; the answer is the same whether or not the
 * account exists, and so is what the form says.
 */
import { h, replace } from '../lib/dom.js';

/**
 * @param {{
 *   api: import('../lib/api.js').Api,
 *   notice?: string,
 *   email?: string,
 *   onLogin: (result: {token: string, agent: any}) => void,
 * }} options
 * @returns {HTMLElement}
 */
export function loginView(options) {
  const email = h('input', {
    id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true,
    testid: 'login-email', attrs: { spellcheck: 'false' }, value: options.email ?? '',
    on: { input: () => showChoice(null) },
  });
  const password = h('input', {
    id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password',
    required: true, testid: 'login-password', on: { input: () => showChoice(null) },
  });
  const error = h('p', { class: 'form-error', testid: 'login-error', attrs: { role: 'alert' } });
  const submit = h('button', { type: 'submit', class: 'button primary wide', testid: 'login-submit', text: 'Sign in' });
  // A fieldset of buttons: reachable with Tab, chosen with Enter or Space, its legend read
  // out with the button that has the focus.
  const choice = h('fieldset', { class: 'workspace-choice', testid: 'login-workspaces', hidden: true });
  const notice = options.notice
    ? h('p', { class: 'notice', testid: 'login-notice', attrs: { role: 'status' }, text: options.notice })
    : null;

  /** @param {boolean} busy */
  function setBusy(busy) {
    submit.disabled = busy;
    submit.textContent = busy ? 'Signing in…' : 'Sign in';
    for (const button of choice.querySelectorAll('button')) button.disabled = busy;
  }

  /**
   * Shows the workspaces to choose from, or hides the choice (null): it belongs to the email
   * and password it was answered for, so editing either takes it away.
   * @param {import('../lib/api.js').WorkspaceChoice[] | null} workspaces
   */
  function showChoice(workspaces) {
    if (!workspaces) {
      if (!choice.hidden) replace(choice);
      choice.hidden = true;
      return;
    }
    replace(choice,
      h('legend', { text: 'This email and password open several workspaces. Which one?' }),
      h('div', { class: 'workspace-list' }, workspaces.map((w) => h('button', {
        type: 'button', class: 'button wide', testid: 'login-workspace', dataset: { workspaceId: w.id },
        text: w.name || 'Unnamed workspace', on: { click: () => attempt(w.id) },
      }))));
    choice.hidden = false;
    /** @type {HTMLButtonElement | null} */ (choice.querySelector('button'))?.focus();
  }

  /** @param {string | null} workspaceId */
  async function attempt(workspaceId) {
    error.textContent = '';
    setBusy(true);
    try {
      const result = await options.api.login(email.value.trim(), password.value, workspaceId);
      options.onLogin(result);
    } catch (err) {
      const e = /** @type {any} */ (err);
      setBusy(false);
      if (e.status === 409 && e.workspaces) {
        showChoice(e.workspaces);
        return;
      }
      showChoice(null);
      error.textContent = e.status === 401
        ? 'Wrong email or password.'
        : e.status === 429
          ? `Too many attempts. Try again in ${e.retryAfter ?? 60} seconds.`
          : e.message;
      password.select();
    }
  }

  /** @param {SubmitEvent} event */
  function signIn(event) {
    event.preventDefault();
    attempt(null);
  }

  const forgotLink = h('button', {
    type: 'button', class: 'link-button', testid: 'login-forgot', text: 'Forgot your password?',
    on: { click: () => showForgot(true) },
  });

  const form = h('form', { class: 'login-form', testid: 'login-form', attrs: { 'aria-labelledby': 'login-title' }, on: { submit: signIn } },
    h('h1', { id: 'login-title', text: 'Sign in to Parley' }),
    notice,
    h('label', { htmlFor: 'login-email', text: 'Email' }),
    email,
    h('label', { htmlFor: 'login-password', text: 'Password' }),
    password,
    error,
    choice,
    submit,
    h('p', { class: 'login-links' }, forgotLink));

  const forgot = forgotForm(options.api, () => showForgot(false));
  forgot.form.hidden = true;

  /** @param {boolean} on */
  function showForgot(on) {
    form.hidden = on;
    forgot.form.hidden = !on;
    if (on) forgot.open(email.value.trim());
    else if (forgot.email.value.trim() && !email.value.trim()) email.value = forgot.email.value.trim();
    (on ? forgot.email : email.value ? password : email).focus();
  }

  queueMicrotask(() => (email.value ? password : email).focus());
  return h('main', { class: 'login-page' }, form, forgot.form);
}

/**
 * "Forgot your password?": an email, then the same sentence whatever the server knows.
 * @param {import('../lib/api.js').Api} api @param {() => void} back
 */
function forgotForm(api, back) {
  const email = h('input', {
    id: 'forgot-email', type: 'email', name: 'email', autocomplete: 'username', required: true,
    testid: 'forgot-email', attrs: { spellcheck: 'false' },
  });
  const error = h('p', { class: 'form-error', testid: 'forgot-error', attrs: { role: 'alert' } });
  const status = h('p', { class: 'notice', testid: 'forgot-status', attrs: { role: 'status' }, hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary wide', testid: 'forgot-submit', text: 'Send a reset link' });

  /** @param {SubmitEvent} event */
  async function send(event) {
    event.preventDefault();
    error.textContent = '';
    status.hidden = true;
    submit.disabled = true;
    submit.textContent = 'Sending…';
    try {
      await api.requestPasswordReset(email.value.trim());
      status.textContent = "If an account exists for that address, we've sent a link to reset the password.";
      status.hidden = false;
    } catch (err) {
      const e = /** @type {any} */ (err);
      error.textContent = e.status === 429 ? `Too many attempts. Try again in ${e.retryAfter ?? 60} seconds.` : e.message;
    } finally {
      submit.disabled = false;
      submit.textContent = 'Send a reset link';
    }
  }

  const form = h('form', { class: 'login-form', testid: 'forgot-form', attrs: { 'aria-labelledby': 'forgot-title' }, on: { submit: send } },
    h('h1', { id: 'forgot-title', text: 'Reset your password' }),
    h('p', { class: 'muted', text: 'Enter the email you sign in with: we will send a link to choose a new password.' }),
    h('label', { htmlFor: 'forgot-email', text: 'Email' }),
    email,
    error,
    status,
    submit,
    h('p', { class: 'login-links' }, h('button', { type: 'button', class: 'link-button', testid: 'forgot-back', text: 'Back to sign in', on: { click: back } })));

  return {
    form,
    email,
    /** @param {string} prefill */
    open(prefill) {
      if (prefill) email.value = prefill;
      error.textContent = '';
      status.hidden = true;
    },
  };
}
