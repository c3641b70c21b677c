// @ts-check
/** The sign-in form. Nothing here is stored but the token that a successful login returns. */
import { h } from '../lib/dom.js';

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
  });
  const password = h('input', {
    id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password',
    required: true, testid: 'login-password',
  });
  const error = h('p', { class: 'form-error', testid: 'login-error', attrs: { role: 'alert' } });
  const submit = h('button', { type: 'submit', class: 'button primary wide', testid: 'login-submit', text: 'Sign in' });
  const notice = options.notice
    ? h('p', { class: 'notice', testid: 'login-notice', attrs: { role: 'status' }, text: options.notice })
    : null;

  /** @param {SubmitEvent} event */
  async function signIn(event) {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const result = await options.api.login(email.value.trim(), password.value);
      options.onLogin(result);
    } catch (err) {
      const e = /** @type {any} */ (err);
      error.textContent = e.status === 401
        ? 'Wrong email or password.'
        : e.status === 429
          ? `Too many attempts. Try again in ${e.retryAfter ?? 60} seconds.`
          : e.message;
      submit.disabled = false;
      submit.textContent = 'Sign in';
      password.select();
    }
  }

  const form = h('form', { class: 'login-form', testid: 'login-form', attrs: { 'aria-labelledby': 'login-title' }, on: { submit: signIn } },
    h('h1', { id: 'login-title', text: 'Sign in to Parley' }),
    notice,
    h('label', { htmlFor: 'login-email', text: 'Email' }),
    email,
    h('label', { htmlFor: 'login-password', text: 'Password' }),
    password,
    error,
    submit);
  queueMicrotask(() => (email.value ? password : email).focus());
  return h('main', { class: 'login-page' }, form);
}
