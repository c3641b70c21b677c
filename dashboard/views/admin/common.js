// @ts-check
/**
 * Pieces the admin pages share: page frame, labelled fields, error and status lines (a form's
 * and a field's), actions that show their error, and a secret shown once.
 */
import { errorField } from '../../lib/api.js';
import { copyText, h } from '../../lib/dom.js';

let fieldCounter = 0;

/**
 * A page with a title and content.
 * @param {string} title @param {...any} children
 */
export function adminPage(title, ...children) {
  return h('div', { class: 'admin-page' }, h('h1', { class: 'admin-title', text: title }), ...children);
}

/**
 * A labelled control; the label is tied to the control by id.
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  fieldCounter += 1;
  if (!control.id) control.id = `field-${fieldCounter}`;
  const hintEl = hint ? h('span', { class: 'hint muted small', id: `${control.id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const isCheck = control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio');
  return isCheck
    ? h('div', { class: 'field check' }, control, h('label', { htmlFor: control.id, text: label }), hintEl)
    : h('div', { class: 'field' }, h('label', { htmlFor: control.id, text: label }), control, hintEl);
}

/** @param {string} testid */
export function errorLine(testid) {
  return h('p', { class: 'form-error', testid, attrs: { role: 'alert' } });
}

/** @param {string} testid */
export function statusLine(testid) {
  return h('p', { class: 'form-status', testid, attrs: { role: 'status' } });
}

/**
 * @typedef {{control: HTMLElement, error: HTMLElement}} FieldError where a field's own error goes
 */

/**
 * An error line for one field, announced with it (`aria-describedby`). `control` may be a
 * fieldset (a group of checkboxes).
 * @param {HTMLElement} control @param {string} testid
 * @returns {FieldError}
 */
export function fieldError(control, testid) {
  fieldCounter += 1;
  const error = errorLine(testid);
  error.id = `field-error-${fieldCounter}`;
  const described = control.getAttribute('aria-describedby');
  control.setAttribute('aria-describedby', described ? `${described} ${error.id}` : error.id);
  return { control, error };
}

/**
 * Shows `message` under its field (empty: clears it), marks the field invalid and takes the
 * focus there, so that a keyboard user lands where the fix is.
 * @param {FieldError} field @param {string} message
 */
export function showFieldError(field, message) {
  field.error.textContent = message;
  if (message) field.control.setAttribute('aria-invalid', 'true');
  else field.control.removeAttribute('aria-invalid');
  if (!message) return;
  const focusable = field.control.matches('input, select, textarea') ? field.control : field.control.querySelector('input');
  /** @type {HTMLElement | null} */ (focusable)?.focus();
}

/**
 * Runs an admin action, showing its error (or a success note) instead of throwing. A 422 that
 * names one of `fields` (`url: …`) is shown under that field rather than in `errorEl`.
 * @param {HTMLElement} errorEl @param {() => Promise<unknown>} action @param {HTMLButtonElement} [button]
 * @param {Record<string, FieldError>} [fields]
 * @returns {Promise<boolean>} whether it succeeded
 */
export async function attempt(errorEl, action, button, fields = {}) {
  errorEl.textContent = '';
  for (const field of Object.values(fields)) showFieldError(field, '');
  if (button) button.disabled = true;
  try {
    await action();
    return true;
  } catch (err) {
    const message = /** @type {Error} */ (err).message;
    const name = errorField(err, Object.keys(fields));
    if (name) showFieldError(fields[name], message);
    else errorEl.textContent = message;
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

/** How a secret shows until revealed: dots and its last 4 characters, enough to tell two apart. @param {string} value */
export function masked(value) {
  return `••••${value.slice(-4)}`;
}

/**
 * A secret kept masked on the page (someone may be looking over the shoulder, or sharing the
 * screen): its last 4 characters, "Reveal" (a toggle) and "Copy", which copies it unrevealed.
 * `set` shows another value (after a rotation), masked again. Its heading names it.
 * @param {{testid: string, value: string}} options
 */
export function maskedSecret({ testid, value }) {
  let secret = value;
  let revealed = false;
  const shown = h('code', { class: 'secret', testid });
  const reveal = h('button', { type: 'button', class: 'button small', testid: `${testid}-reveal`, attrs: { 'aria-pressed': 'false' }, on: { click: () => show(!revealed) } });
  const status = statusLine(`${testid}-copy-status`);
  const copy = h('button', { type: 'button', class: 'button small', testid: `${testid}-copy`, text: 'Copy', on: { click: async () => {
    const ok = await copyText(secret);
    if (!ok) show(true);
    status.textContent = ok ? 'Copied.' : 'Press Ctrl+C (⌘C) to copy.';
  } } });
  /** @param {boolean} on */
  function show(on) {
    revealed = on;
    shown.textContent = on ? secret : masked(secret);
    reveal.textContent = on ? 'Hide' : 'Reveal';
    reveal.setAttribute('aria-pressed', String(on));
  }
  show(false);
  return {
    el: h('div', { class: 'masked-secret' }, h('div', { class: 'row' }, shown, reveal, copy), status),
    /** @param {string} next */
    set(next) {
      secret = next;
      status.textContent = '';
      show(false);
    },
  };
}

/**
 * A secret the server shows once (a webhook's signing secret, an API key): masked until
 * revealed (the value's field stays hidden till then), a copy button, and a plain warning that
 * it will not be shown again. "Done" removes it from the page. The focus goes to Copy, the
 * likely next step.
 * @param {{testid: string, title: string, value: string, note: string}} options
 */
export function oneTimeSecret({ testid, title, value, note }) {
  fieldCounter += 1;
  const id = `secret-${fieldCounter}`;
  const input = h('input', {
    type: 'text', id, readOnly: true, value, class: 'secret-value', testid: 'secret-value', spellcheck: false, autocomplete: 'off', hidden: true,
    attrs: { 'aria-describedby': `${id}-warning` }, on: { focus: () => input.select() },
  });
  const mask = h('code', { class: 'secret secret-mask', testid: 'secret-masked', text: masked(value) });
  const reveal = h('button', { type: 'button', class: 'button', testid: 'secret-reveal', text: 'Reveal', attrs: { 'aria-pressed': 'false' }, on: { click: () => {
    const on = input.hidden;
    input.hidden = !on;
    mask.hidden = on;
    reveal.textContent = on ? 'Hide' : 'Reveal';
    reveal.setAttribute('aria-pressed', String(on));
    if (on) input.focus();
  } } });
  const status = statusLine('secret-copy-status');
  const copy = h('button', { type: 'button', class: 'button primary', testid: 'secret-copy', text: 'Copy', on: { click: async () => {
    const ok = await copyText(value);
    if (!ok && input.hidden) reveal.click();
    if (!ok) input.select();
    status.textContent = ok ? 'Copied.' : 'Press Ctrl+C (⌘C) to copy.';
  } } });
  const done = h('button', { type: 'button', class: 'button', testid: 'secret-done', text: 'Done', on: { click: () => box.remove() } });
  const box = h('section', { class: 'one-time-secret', testid, attrs: { 'aria-labelledby': `${id}-title` } },
    h('h2', { class: 'panel-subtitle', id: `${id}-title`, text: title }),
    h('p', { class: 'warning', id: `${id}-warning`, testid: 'secret-warning', text: `Copy it now: you will not see it again. ${note}` }),
    h('label', { htmlFor: id, class: 'sr-only', text: title }),
    h('div', { class: 'row' }, mask, input, reveal, copy, done),
    status);
  queueMicrotask(() => {
    if (box.isConnected) copy.focus();
  });
  return box;
}

/** @param {string[]} headings */
export function tableHead(headings) {
  // An empty heading (the buttons' column) still gets a name for screen readers.
  return h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col' }, t || h('span', { class: 'sr-only', text: 'Actions' })))));
}

/**
 * A box that scrolls sideways on its own when its table is wider than the screen (a phone),
 * reachable with the keyboard (a named region) so that it can be scrolled without a pointer.
 * @param {string} label @param {string} testid @param {...import('../../lib/dom.js').Child} children
 */
export function scrollBox(label, testid, ...children) {
  return h('div', { class: 'scroll-box', testid, tabIndex: 0, attrs: { role: 'region', 'aria-label': label } }, ...children);
}
