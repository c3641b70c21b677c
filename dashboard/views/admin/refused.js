// @ts-check
/**
 * A site's refused embeds: pages on origins the site does not allow tried to show the chat.
 * Listed (with how often and when last) only when there are some, each with "Allow", which
 * adds the origin to the site's allowed origins (`PATCH /sites/{id} {allowed_origins}`) and
 * takes it off the list.
 */
import { h, replace } from '../../lib/dom.js';
import { fullTime, shortTime } from '../../lib/format.js';
import { attempt, errorLine, statusLine } from './common.js';

/**
 * @param {import('../shell.js').AppContext} ctx @param {string} siteId
 * @param {{origins: () => string[], allowed: (site: any) => void}} held the allowed origins
 *   as the server holds them, and what to do once it holds new ones
 */
export function refusedOrigins(ctx, siteId, held) {
  const list = h('ul', { class: 'refused-list', testid: 'site-refused-list' });
  const error = errorLine('site-refused-error');
  const status = statusLine('site-refused-status');
  const box = h('section', { class: 'refused-box', testid: 'site-refused', hidden: true, attrs: { 'aria-labelledby': 'site-refused-title' } },
    h('h2', { class: 'panel-subtitle', id: 'site-refused-title', text: 'Pages on these origins tried to show the chat and were refused' }),
    h('p', { class: 'small', text: 'The widget only loads on the allowed origins. Allow one if it is your own website.' }),
    list);
  // The error and the "allowed" note stay once the box is gone.
  const el = h('div', {}, box, error, status);

  /** @param {{origin: string, hits: number, first_at: string, last_at: string}[]} items */
  function render(items) {
    box.hidden = items.length === 0;
    replace(list, items.map((item) => {
      const allow = h('button', {
        type: 'button', class: 'button small', testid: 'site-refused-allow', text: 'Allow',
        attrs: { 'aria-label': `Allow ${item.origin}` }, on: { click: () => allowOrigin(item.origin, allow) },
      });
      return h('li', { class: 'refused-item', testid: 'site-refused-item', dataset: { origin: item.origin } },
        h('code', { class: 'refused-origin', text: item.origin }),
        h('span', { class: 'muted small' },
          `${item.hits} ${item.hits === 1 ? 'time' : 'times'}, last `,
          h('time', { dateTime: item.last_at, attrs: { title: fullTime(item.last_at) }, text: shortTime(item.last_at) })),
        allow);
    }));
  }

  /** @param {string} origin @param {HTMLButtonElement} button */
  async function allowOrigin(origin, button) {
    status.textContent = '';
    const current = held.origins();
    const next = current.includes(origin) ? current : [...current, origin];
    const ok = await attempt(error, async () => {
      held.allowed(await ctx.api.updateSite(siteId, { allowed_origins: next }));
    }, button);
    if (!ok) return;
    status.textContent = `${origin} is allowed.`;
    await load();
    // The button pressed is gone: the keyboard goes on at the next one.
    /** @type {HTMLElement | null} */ (list.querySelector('button'))?.focus();
  }

  async function load() {
    await attempt(error, async () => render((await ctx.api.refusedOrigins(siteId)).items ?? []));
  }

  load();
  return { el, reload: load };
}
