// @ts-check
/** Pieces the admin pages share: page frame, labelled fields, error and status lines. */
import { h } from '../../lib/dom.js';

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
  const isCheck = control instanceof HTMLInputElement && control.type === 'checkbox';
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
 * Runs an admin action, showing its error (or a success note) instead of throwing.
 * @param {HTMLElement} errorEl @param {() => Promise<unknown>} action @param {HTMLButtonElement} [button]
 * @returns {Promise<boolean>} whether it succeeded
 */
export async function attempt(errorEl, action, button) {
  errorEl.textContent = '';
  if (button) button.disabled = true;
  try {
    await action();
    return true;
  } catch (err) {
    errorEl.textContent = /** @type {Error} */ (err).message;
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

/** @param {string[]} headings */
export function tableHead(headings) {
  return h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col', text: t }))));
}
