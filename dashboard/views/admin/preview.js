// @ts-check
/**
 * A live preview of the widget's look (title, status line, greeting, colour, position, dark
 * mode, offline message, draft-preview notice), drawn from the form's current values. The
 * launcher is drawn with the widget's own icon (common/launcher.js); the status line says what
 * the panel's header says, online or not. The colour reaches the CSS through a custom property
 * set with CSSOM, which the strict CSP allows.
 */
import { h } from '../../lib/dom.js';
import { LAUNCHER_ICONS, launcherIcon } from '../../../common/launcher.js';

/** The panel's status line (widget/src/lib/i18n.js, `online` and `offline`). */
const STATUS = { online: "We're online", offline: "We'll reply by email" };

/** @param {Record<string, any>} settings */
export function widgetPreview(settings) {
  const title = h('span', { class: 'wp-title', testid: 'preview-title' });
  const greeting = h('p', { class: 'wp-bubble', testid: 'preview-greeting' });
  const offline = h('p', { class: 'wp-offline', testid: 'preview-offline' });
  const notice = h('p', { class: 'wp-notice', testid: 'preview-draft-notice', text: 'The team sees what you type before you send it.' });
  const online = h('input', { type: 'checkbox', id: 'wp-online', checked: true });
  const statusText = h('span', { testid: 'preview-status-text' });
  const status = h('span', { class: 'wp-status', testid: 'preview-status' }, h('span', { class: 'wp-dot' }), statusText);
  const panel = h('div', { class: 'wp-panel' },
    h('div', { class: 'wp-head' }, h('span', { class: 'wp-head-main' }, title, status), h('span', { class: 'wp-close', attrs: { 'aria-hidden': 'true' }, text: '×' })),
    h('div', { class: 'wp-body' }, greeting, offline),
    notice,
    h('div', { class: 'wp-composer' }, h('span', { class: 'muted', text: 'Write a message…' }), h('span', { class: 'wp-send', text: '➤' })));
  const launcher = h('span', { class: 'wp-launcher', testid: 'preview-launcher', attrs: { 'aria-hidden': 'true' } }, launcherIcon(document, 'c', LAUNCHER_ICONS.chat));
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
    statusText.textContent = online.checked ? STATUS.online : STATUS.offline;
    status.classList.toggle('online', online.checked);
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
