// @ts-check
/**
 * A live preview of the widget's look (title, greeting, colour, position, dark mode, offline
 * message, draft-preview notice), drawn from the form's current values. The colour reaches the
 * CSS through a custom property set with CSSOM, which the strict CSP allows.
 */
import { h } from '../../lib/dom.js';

/** @param {Record<string, any>} settings */
export function widgetPreview(settings) {
  const title = h('span', { class: 'wp-title', testid: 'preview-title' });
  const greeting = h('p', { class: 'wp-bubble', testid: 'preview-greeting' });
  const offline = h('p', { class: 'wp-offline', testid: 'preview-offline' });
  const notice = h('p', { class: 'wp-notice', testid: 'preview-draft-notice', text: 'The team sees what you type before you send it.' });
  const online = h('input', { type: 'checkbox', id: 'wp-online', checked: true });
  const panel = h('div', { class: 'wp-panel' },
    h('div', { class: 'wp-head' }, title, h('span', { class: 'wp-close', attrs: { 'aria-hidden': 'true' }, text: '×' })),
    h('div', { class: 'wp-body' }, greeting, offline),
    notice,
    h('div', { class: 'wp-composer' }, h('span', { class: 'muted', text: 'Write a message…' }), h('span', { class: 'wp-send', text: '➤' })));
  const launcher = h('span', { class: 'wp-launcher', attrs: { 'aria-hidden': 'true' } });
  const stage = h('div', { class: 'wp-stage', testid: 'widget-preview', attrs: { role: 'img', 'aria-label': 'Widget preview' } }, panel, launcher);
  const el = h('div', { class: 'widget-preview' }, stage,
    h('div', { class: 'field check' }, online, h('label', { htmlFor: 'wp-online', text: 'Preview with agents online' })));

  /** @param {Record<string, any>} s */
  function update(s) {
    title.textContent = s.title || ' ';
    greeting.textContent = s.greeting;
    greeting.hidden = !s.greeting;
    offline.textContent = s.offline_message;
    offline.hidden = online.checked || !s.offline_message;
    notice.hidden = !s.draft_preview;
    stage.style.setProperty('--wp-accent', /^#[0-9a-f]{6}$/i.test(s.color) ? s.color : '#4f46e5');
    stage.dataset.position = s.position;
    stage.dataset.theme = s.dark_mode;
    stage.dataset.color = s.color;
  }
  let last = settings;
  online.addEventListener('change', () => update(last));
  update(settings);
  return { el, update: (/** @type {Record<string, any>} */ s) => update((last = s)) };
}
