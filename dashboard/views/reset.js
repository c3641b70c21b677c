// @ts-check
/**
 * Choosing a password from an emailed link (`#/reset?token=…`; `&invite=1` for an invited
 * agent's first password), without being signed in. The rule (8 to 256 characters, typed twice
 * alike) is checked here first; the server's refusal (a bad, used or expired link) is shown in
 * the form. Once set, the app shows the sign-in form with the email filled in.
 */
import { h } from '../lib/dom.js';
import { PASSWORD_MAX, PASSWORD_MIN, checkNewPassword, resetTitle } from '../lib/reset.js';

/**
 * @param {{
 *   api: import('../lib/api.js').Api,
 *   token: string,
 *   invite: boolean,
 *   onDone: (email: string) => void,
 *   onBack: () => void,
 * }} options
 * @returns {HTMLElement}
 */
export function resetView(options) {
  const hint = h('p', { class: 'muted small', id: 'reset-hint', text: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters.` });
  const password = h('input', {
    id: 'reset-password', type: 'password', name: 'new-password', autocomplete: 'new-password', required: true,
    testid: 'reset-password', attrs: { 'aria-describedby': 'reset-hint' },
  });
  const confirm = h('input', {
    id: 'reset-confirm', type: 'password', name: 'confirm-password', autocomplete: 'new-password', required: true,
    testid: 'reset-confirm',
  });
  const error = h('p', { class: 'form-error', testid: 'reset-error', attrs: { role: 'alert' } });
  const submit = h('button', { type: 'submit', class: 'button primary wide', testid: 'reset-submit', text: 'Set password' });
  const back = h('button', { type: 'button', class: 'link-button', testid: 'reset-back', text: 'Back to sign in', on: { click: () => options.onBack() } });

  /** @param {string} message @param {HTMLInputElement | null} field */
  function fail(message, field) {
    error.textContent = message;
    for (const input of [password, confirm]) input.removeAttribute('aria-invalid');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  /** @param {SubmitEvent} event */
  async function save(event) {
    event.preventDefault();
    const problem = checkNewPassword(password.value, confirm.value);
    if (problem) {
      fail(problem.message, problem.field === 'password' ? password : confirm);
      return;
    }
    fail('', null);
    submit.disabled = true;
    submit.textContent = 'Saving…';
    try {
      const result = await options.api.resetPassword(options.token, password.value);
      options.onDone(typeof result?.email === 'string' ? result.email : '');
    } catch (err) {
      const e = /** @type {any} */ (err);
      submit.disabled = false;
      submit.textContent = 'Set password';
      fail(e.status === 429 ? `Too many attempts. Try again in ${e.retryAfter ?? 60} seconds.` : e.message, null);
    }
  }

  const title = resetTitle(options.invite);
  const form = h('form', { class: 'login-form', testid: 'reset-form', attrs: { 'aria-labelledby': 'reset-title' }, on: { submit: save } },
    h('h1', { id: 'reset-title', testid: 'reset-title', text: title }),
    h('label', { htmlFor: 'reset-password', text: 'New password' }),
    password,
    hint,
    h('label', { htmlFor: 'reset-confirm', text: 'Confirm the new password' }),
    confirm,
    error,
    submit,
    h('p', { class: 'login-links' }, back));
  if (!options.token) {
    // A link cut short: say so rather than let a password be typed for nothing.
    error.textContent = 'This link is incomplete. Copy the whole link from the email, or ask for a new one from the sign-in page.';
    password.disabled = true;
    confirm.disabled = true;
    submit.disabled = true;
  } else {
    queueMicrotask(() => password.focus());
  }
  return h('main', { class: 'login-page' }, form);
}
