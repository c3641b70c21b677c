// @ts-check
/**
 * The pre-chat form and the offline form, shown instead of the composer while the chat's
 * `form()` says one is needed: the site's pre-chat fields still unanswered (text, email, phone,
 * select, checkbox), the visitor's email when it is required, and the message. Loaded by the
 * view only when a form is first needed (`import()`, a chunk of its own with `fields.js`), so
 * it imports nothing that the panel's bundle has: what it needs comes in the `kit`.
 *
 * Accessible: every control has its `<label>`; a required one says so (`required`, and a `*`
 * explained at the top); errors are text bound to their control with `aria-describedby`,
 * `aria-invalid` marks it, a summary is announced (`role="alert"`), and the focus goes to the
 * first control to mend.
 */
import { checkValue, fieldLabel, fieldNamed, validateAnswers } from './fields.js';

/**
 * @typedef {import('./view.js').Kit} Kit
 * @typedef {import('./chat.js').FormSpec} FormSpec
 * @typedef {import('./chat.js').FormAnswers} FormAnswers
 * @typedef {import('./policy.js').Field} Field
 * @typedef {import('./fields.js').FieldError} FieldError
 *
 * @typedef {object} FormActions
 * @property {(form: FormAnswers) => Promise<void>} submit
 *
 * @typedef {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} Control
 * @typedef {{control: Control, error: HTMLElement, checked: import('./fields.js').Checked}} Slot
 */

/** Ids of the form's own controls (a field's is `parley-field-<name>`, names being [a-z0-9_]). */
const EMAIL_ID = 'parley-form-email';
const MESSAGE_ID = 'parley-form-message';
/** Which string explains each error. */
const ERROR_TEXT = /** @type {Record<FieldError, string>} */ ({
  required: 'field_required',
  email: 'email_invalid',
  phone: 'field_phone',
  option: 'field_option',
  too_long: 'field_too_long',
});
/** `autocomplete` and input type per kind. */
const INPUT = /** @type {Record<string, {type: string, autocomplete?: string, inputmode?: string}>} */ ({
  text: { type: 'text' },
  email: { type: 'email', autocomplete: 'email' },
  phone: { type: 'tel', autocomplete: 'tel', inputmode: 'tel' },
});

/**
 * A form that follows the chat's `form()`: `update(spec)` rebuilds it when what it must ask
 * changes (keeping what was typed in the controls that stay).
 * @param {Kit} kit @param {FormActions} actions
 */
export function createForm(kit, actions) {
  const { doc, el } = kit;
  const element = el(doc, 'form', { class: 'form', novalidate: true, 'aria-labelledby': 'parley-form-title', 'data-testid': 'parley-form' });
  let signature = '';
  /** @type {FormSpec | null} */
  let spec = null;
  /** @type {Map<string, Slot>} control id → its parts */
  let slots = new Map();
  /** @type {HTMLElement | null} */
  let alert = null;
  /** @type {HTMLElement | null} */
  let submit = null;
  let busy = false;

  element.addEventListener('submit', (event) => {
    event.preventDefault();
    if (spec && !busy) send(spec);
  });

  /**
   * @param {FormSpec} next @param {{intro: string, lang: string}} words
   */
  function update(next, { intro, lang }) {
    spec = next;
    const sig = [next.step, lang, intro, next.email, next.messageRequired, ...next.fields.map((f) => f.name)].join('|');
    if (sig === signature) return;
    signature = sig;
    const kept = new Map([...slots].map(([id, slot]) => [id, value(slot.control)]));
    build(next, intro, lang);
    for (const [id, slot] of slots) {
      const old = kept.get(id);
      if (old === undefined) continue;
      if (isCheckbox(slot.control)) slot.control.checked = old === true;
      else slot.control.value = String(old);
    }
  }

  /** @param {FormSpec} next @param {string} intro @param {string} lang */
  function build(next, intro, lang) {
    const t = kit.strings();
    slots = new Map();
    // With the email required, a pre-chat field of kind email is where it goes.
    const emailField = next.email ? next.fields.find((f) => f.kind === 'email') : undefined;
    const anyRequired = next.email || next.messageRequired || next.fields.some((f) => f.required);
    const parts = [
      el(doc, 'p', { id: 'parley-form-title', class: 'form-title', text: intro }),
      anyRequired ? el(doc, 'p', { class: 'form-note', text: t.form_required_note }) : null,
    ];
    for (const field of next.fields) {
      const required = field.required || field === emailField;
      parts.push(fieldRow(`parley-field-${field.name}`, fieldLabel(field, lang), field, required));
    }
    if (next.email && !emailField) {
      parts.push(fieldRow(EMAIL_ID, t.email_label, { kind: 'email', required: true, options: [] }, true));
    }
    parts.push(fieldRow(MESSAGE_ID, t.form_message, { kind: 'message', required: next.messageRequired, options: [] }, next.messageRequired));
    alert = el(doc, 'p', { class: 'error', role: 'alert', 'data-testid': 'parley-form-error', hidden: true });
    submit = el(doc, 'button', { type: 'submit', class: 'primary', 'data-testid': 'parley-form-submit', text: next.step === 'offline' ? t.offline_submit : t.prechat_submit });
    element.dataset.step = next.step;
    element.replaceChildren(...parts, alert, submit);
  }

  /**
   * One labelled control with its error line.
   * @param {string} id
   * @param {string} label
   * @param {{kind: string, required: boolean, options: string[], name?: string}} field
   * @param {boolean} required
   */
  function fieldRow(id, label, field, required) {
    const errorId = `${id}-error`;
    const common = { id, name: id, 'aria-describedby': errorId, 'data-testid': id, required, 'aria-required': required ? 'true' : false };
    /** @type {Control} */
    let control;
    if (field.kind === 'select') {
      control = /** @type {HTMLSelectElement} */ (el(doc, 'select', common,
        el(doc, 'option', { value: '', text: kit.strings().form_choose }),
        ...field.options.map((o) => el(doc, 'option', { value: o, text: o }))));
    } else if (field.kind === 'message') {
      control = /** @type {HTMLTextAreaElement} */ (el(doc, 'textarea', { ...common, rows: '3', maxlength: String(kit.limits.MAX_BODY_CHARS) }));
    } else if (field.kind === 'checkbox') {
      control = /** @type {HTMLInputElement} */ (el(doc, 'input', { ...common, type: 'checkbox' }));
    } else {
      const input = INPUT[field.kind] ?? INPUT.text;
      const autocomplete = field.name === 'name' ? 'name' : input.autocomplete ?? false;
      control = /** @type {HTMLInputElement} */ (el(doc, 'input', { ...common, type: input.type, autocomplete, inputmode: input.inputmode ?? false, maxlength: '1000' }));
    }
    const text = el(doc, 'label', { for: id },
      doc.createTextNode(label),
      required ? el(doc, 'span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null);
    const error = el(doc, 'p', { id: errorId, class: 'error field-error', 'data-testid': 'parley-field-error', 'data-field': id, hidden: true });
    const checkbox = field.kind === 'checkbox';
    slots.set(id, {
      control,
      error,
      checked: { kind: field.kind === 'message' ? 'text' : /** @type {any} */ (field.kind), required, options: field.options },
    });
    control.addEventListener(checkbox || field.kind === 'select' ? 'change' : 'input', () => clearError(id));
    return el(doc, 'div', { class: checkbox ? 'field check' : 'field' }, ...(checkbox ? [control, text] : [text, control]), error);
  }

  /** @param {Control} control @returns {string | boolean} */
  function value(control) {
    return isCheckbox(control) ? control.checked : control.value;
  }

  /** @param {FormSpec} current */
  function send(current) {
    const t = kit.strings();
    /** @type {Record<string, string | boolean>} */
    const values = {};
    for (const field of current.fields) {
      const slot = slots.get(`parley-field-${field.name}`);
      if (slot) values[field.name] = value(slot.control);
    }
    const emailField = current.email ? current.fields.find((f) => f.kind === 'email') : undefined;
    const checks = { isEmail: kit.isEmail };
    // The email field is required here even if the site made it optional: it is the email.
    const fields = current.fields.map((f) => (f === emailField ? { ...f, required: true } : f));
    const { answers, errors } = validateAnswers(fields, values, checks);
    /** @type {{id: string, error: FieldError}[]} */
    const problems = errors.map((e) => ({ id: `parley-field-${e.name}`, error: e.error }));
    const email = slots.get(EMAIL_ID);
    const emailError = email ? checkValue(email.checked, value(email.control), checks) : null;
    if (emailError) problems.push({ id: EMAIL_ID, error: emailError });
    const message = /** @type {Slot} */ (slots.get(MESSAGE_ID));
    const body = String(value(message.control));
    const messageError = checkValue(message.checked, body, { ...checks, max: kit.limits.MAX_BODY_CHARS });
    if (messageError) problems.push({ id: MESSAGE_ID, error: messageError });
    for (const id of slots.keys()) clearError(id);
    if (problems.length) {
      for (const p of problems) {
        const checkbox = slots.get(p.id)?.checked.kind === 'checkbox';
        showError(p.id, t[checkbox && p.error === 'required' ? 'field_tick' : ERROR_TEXT[p.error]]);
      }
      showAlert(t.form_invalid);
      slots.get(problems[0].id)?.control.focus();
      return;
    }
    showAlert(null);
    busy = true;
    submit?.setAttribute('disabled', '');
    const address = emailField ? String(answers[emailField.name] ?? '') : email ? String(value(email.control)).trim() : '';
    const done = actions.submit({ answers: current.fields.length ? answers : null, email: address, body });
    // The message is in the outbox now (shown as waiting until it goes): not typed twice.
    message.control.value = '';
    done.then(
      () => {
        busy = false;
        submit?.removeAttribute('disabled');
      },
      (/** @type {{code?: string, message?: string}} */ err) => {
        busy = false;
        submit?.removeAttribute('disabled');
        const field = err.code === 'bad_request' ? fieldNamed(current.fields, err.message) : null;
        if (field && slots.has(`parley-field-${field.name}`)) {
          const id = `parley-field-${field.name}`;
          showError(id, t.field_refused);
          showAlert(t.form_invalid);
          slots.get(id)?.control.focus();
        } else if (err.code === 'bad_request' && email && /email/i.test(String(err.message))) {
          showError(EMAIL_ID, t.email_invalid);
          showAlert(t.form_invalid);
          email.control.focus();
        } else {
          showAlert(t.form_failed);
        }
      },
    );
  }

  /** @param {string} id @param {string} text */
  function showError(id, text) {
    const slot = slots.get(id);
    if (!slot) return;
    slot.error.textContent = text;
    slot.error.hidden = false;
    slot.control.setAttribute('aria-invalid', 'true');
  }

  /** @param {string} id */
  function clearError(id) {
    const slot = slots.get(id);
    if (!slot || slot.error.hidden) return;
    slot.error.hidden = true;
    slot.error.textContent = '';
    slot.control.removeAttribute('aria-invalid');
  }

  /** @param {string | null} text */
  function showAlert(text) {
    if (!alert) return;
    alert.textContent = text ?? '';
    alert.hidden = text === null;
  }

  return {
    element,
    update,
    /** Moves the focus to the first control. */
    focusFirst() {
      slots.values().next().value?.control.focus();
    },
  };
}

/** @param {Control} control @returns {control is HTMLInputElement} */
function isCheckbox(control) {
  return control.tagName === 'INPUT' && /** @type {HTMLInputElement} */ (control).type === 'checkbox';
}
