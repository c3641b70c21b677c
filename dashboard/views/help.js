// @ts-check
/** The keyboard shortcuts overlay (`?`). */
import { h, trapFocus } from '../lib/dom.js';

const SHORTCUTS = [
  ['j', 'Next conversation'],
  ['k', 'Previous conversation'],
  ['e', 'Resolve the open conversation'],
  ['z or Ctrl + Z', 'Undo resolving (while "Resolved · Undo" shows)'],
  ['r', 'Reply (focus the composer)'],
  ['/', 'Search the inbox'],
  ['?', 'Show this help'],
  ['Enter', 'Send (in the composer)'],
  ['Shift + Enter', 'New line (in the composer)'],
  ['/ + shortcut', 'Canned response (in the composer; arrows and Enter to pick)'],
  ['Esc', 'Close a popup or this help; leave the composer'],
];

export function helpDialog() {
  if (document.querySelector('[data-testid="shortcuts-help"]')) return;
  const close = h('button', { type: 'button', class: 'button', testid: 'shortcuts-close', text: 'Close' });
  const dialog = h('dialog', { class: 'help', testid: 'shortcuts-help', attrs: { 'aria-labelledby': 'help-title' } },
    h('h2', { id: 'help-title', text: 'Keyboard shortcuts' }),
    h('p', { class: 'muted', text: 'Inbox shortcuts work when no text field has the focus.' }),
    h('dl', { class: 'shortcuts' }, SHORTCUTS.map(([key, what]) => [h('dt', {}, h('kbd', { text: key })), h('dd', { text: what })])),
    h('div', { class: 'row end' }, close));
  // The focus goes back where it was once the dialog closes (a click on Close or Escape).
  const back = document.activeElement;
  const done = () => dialog.close();
  close.addEventListener('click', done);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (back instanceof HTMLElement && back.isConnected) back.focus();
  });
  trapFocus(dialog);
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
