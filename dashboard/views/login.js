// @ts-check
/**
 * The sign-in form. Nothing here is stored but the token that a successful login returns. When
 * the email and password open accounts in several workspaces, the server lists them (409) and
 * the form asks which one, then signs in again naming it.
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

  const form = h('form', { class: 'login-form', testid: 'login-form', attrs: { 'aria-labelledby': 'login-title' }, on: { submit: signIn } },
    h('h1', { id: 'login-title', text: 'Sign in to Parley' }),
    notice,
    h('label', { htmlFor: 'login-email', text: 'Email' }),
    email,
    h('label', { htmlFor: 'login-password', text: 'Password' }),
    password,
    error,
    choice,
    submit);
  queueMicrotask(() => (email.value ? password : email).focus());
  return h('main', { class: 'login-page' }, form);
}
