// @ts-check
/**
 * Building the DOM without HTML strings: every element comes from `createElement`, every
 * piece of text from `textContent` or a text node. There is no way here to turn data into markup.
 */
import { linkNodes } from '../../common/linkify.js';

/**
 * @typedef {Node | string | number | null | undefined | false | any[]} Child
 * @typedef {{
 *   class?: string, text?: string, testid?: string,
 *   dataset?: Record<string, string>, attrs?: Record<string, string>,
 *   on?: Record<string, (event: any) => void>,
 *   [prop: string]: any,
 * }} Props
 */

/**
 * `h('button', {class: 'primary', testid: 'send', on: {click}}, 'Send')`.
 * Other props are set as properties (`type`, `value`, `disabled`, `id`, `htmlFor`, `hidden`…).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'attrs') for (const [name, v] of Object.entries(value)) setAttr(el, name, v);
    else if (key === 'on') for (const [name, fn] of Object.entries(value)) el.addEventListener(name, fn);
    else if (key === 'innerHTML' || key === 'outerHTML') throw new Error('no HTML from strings');
    else /** @type {any} */ (el)[key] = value;
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {string} name @param {string} value */
function setAttr(el, name, value) {
  const lower = name.toLowerCase();
  if (lower === 'style' || lower.startsWith('on')) throw new Error(`refusing attribute ${name}`);
  el.setAttribute(name, value);
}

/** @param {Element} el @param {Child[]} children (arrays are flattened) */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** Replaces an element's children. @param {Element} el @param {...Child} children */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Whether keyboard input goes to a text field (shortcuts stay off). @param {EventTarget | null} target */
export function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = /** @type {HTMLInputElement} */ (target).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'range'].includes(type);
}

/**
 * A text with its URLs (http and https only) as links that open in a new tab, cut where the
 * widget cuts them (common/linkify.js).
 * @param {string} text
 * @returns {Node[]}
 */
export function linkify(text) {
  return linkNodes(document, text);
}

/** What Tab may land on. */
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Keeps Tab and Shift+Tab inside a modal `<dialog>`, wrapping around: the browser would
 * otherwise move the focus past its last control to its own toolbar.
 * @param {HTMLElement} dialog
 */
export function trapFocus(dialog) {
  dialog.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = /** @type {HTMLElement[]} */ ([...dialog.querySelectorAll(FOCUSABLE)]).filter((el) => !el.closest('[hidden]'));
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const at = document.activeElement;
    if (e.shiftKey ? at === first || !dialog.contains(at) : at === last || !dialog.contains(at)) {
      e.preventDefault();
      (e.shiftKey ? last : first).focus();
    }
  });
}

/**
 * A modal confirmation (a `<dialog>`): resolves true when confirmed.
 * @param {string} question @param {string} [confirmLabel]
 * @returns {Promise<boolean>}
 */
export function confirmDialog(question, confirmLabel = 'Confirm') {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: 'button danger', testid: 'confirm-ok', text: confirmLabel });
    const cancel = h('button', { type: 'button', class: 'button', testid: 'confirm-cancel', text: 'Cancel' });
    const dialog = h('dialog', { class: 'confirm', testid: 'confirm-dialog', attrs: { 'aria-label': 'Confirm' } },
      h('p', { text: question }),
      h('div', { class: 'row end' }, cancel, ok));
    // Modal: the browser keeps Tab inside it; the focus goes back where it was once answered.
    const back = document.activeElement;
    /** @param {boolean} answer */
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      if (back instanceof HTMLElement && back.isConnected) back.focus();
      resolve(answer);
    };
    ok.addEventListener('click', () => done(true));
    cancel.addEventListener('click', () => done(false));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    trapFocus(dialog);
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** Copies text to the clipboard; false when the browser refuses. @param {string} text */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
