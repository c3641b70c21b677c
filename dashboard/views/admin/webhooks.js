// @ts-check
/** Webhooks (admins): subscribe a URL to events, list, delete, and read the delivery log. */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { fullTime } from '../../lib/format.js';
import { adminHref } from '../../lib/router.js';
import { adminPage, attempt, errorLine, field, tableHead } from './common.js';

/** `EVENTS` in src/http/api/webhooks.rs. */
export const WEBHOOK_EVENTS = Object.freeze(['conversation.created', 'conversation.updated', 'message.created']);

/** @param {import('../shell.js').AppContext} ctx @param {string | null} id */
export function webhooksPage(ctx, id) {
  return { el: id ? deliveriesView(ctx, id) : webhooksList(ctx) };
}

/** @param {import('../shell.js').AppContext} ctx */
function webhooksList(ctx) {
  const url = h('input', { type: 'url', required: true, placeholder: 'https://example.com/parley-hook', testid: 'webhook-url' });
  const boxes = WEBHOOK_EVENTS.map((event) => h('input', { type: 'checkbox', checked: true, value: event, testid: `webhook-event-${event}` }));
  const create = h('button', { type: 'submit', class: 'button primary', testid: 'webhook-create', text: 'Add webhook' });
  const formError = errorLine('webhook-form-error');
  const listError = errorLine('webhooks-error');
  const body = h('tbody');

  async function refresh() {
    await attempt(listError, async () => {
      const { items } = await ctx.api.webhooks();
      replace(body, items.map((/** @type {any} */ w) => h('tr', { testid: 'webhook-row', dataset: { webhookId: w.id } },
        h('td', { class: 'clip', text: w.url }),
        h('td', { text: w.events.join(', ') }),
        h('td', {}, h('code', { class: 'secret', testid: 'webhook-secret', text: w.secret })),
        h('td', { class: 'actions' },
          h('a', { href: adminHref('webhooks', w.id), class: 'button small', testid: 'webhook-deliveries', text: 'Deliveries' }), ' ',
          h('button', { type: 'button', class: 'button small danger', testid: 'webhook-delete', text: 'Delete', on: { click: async () => {
            if (!(await confirmDialog(`Delete the webhook to ${w.url}?`, 'Delete'))) return;
            await attempt(listError, () => ctx.api.deleteWebhook(w.id));
            refresh();
          } } })))));
      if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 4, class: 'muted', text: 'No webhooks yet.' })));
    });
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    const events = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!events.length) {
      formError.textContent = 'Pick at least one event.';
      return;
    }
    const ok = await attempt(formError, () => ctx.api.createWebhook({ url: url.value.trim(), events }), create);
    if (ok) {
      form.reset();
      refresh();
    }
  }

  const form = h('form', { class: 'admin-form', testid: 'webhook-form', on: { submit } },
    h('fieldset', {}, h('legend', { text: 'New webhook' }),
      field('URL', url, 'Receives a signed POST (Parley-Signature header) for each event.'),
      h('fieldset', { class: 'events' }, h('legend', { text: 'Events' }), boxes.map((b) => field(b.value, b))),
      formError, h('div', { class: 'row' }, create)));
  const table = h('table', { class: 'table', testid: 'webhooks-list' }, tableHead(['URL', 'Events', 'Signing secret', '']), body);
  refresh();
  return adminPage('Webhooks', form, listError, table);
}

/** @param {import('../shell.js').AppContext} ctx @param {string} id */
function deliveriesView(ctx, id) {
  const body = h('tbody');
  const error = errorLine('deliveries-error');
  /** @type {string | null} */
  let cursor = null;
  const more = h('button', { type: 'button', class: 'button', testid: 'deliveries-more', text: 'Load more', hidden: true, on: { click: () => load(true) } });

  /** @param {boolean} next */
  async function load(next) {
    await attempt(error, async () => {
      const page = await ctx.api.deliveries(id, next ? cursor : null);
      if (!next) body.replaceChildren();
      for (const d of page.items) {
        body.append(h('tr', { testid: 'delivery-row', dataset: { status: d.status } },
          h('td', { text: d.event }),
          h('td', {}, h('span', { class: `pill ${d.status}`, text: d.status })),
          h('td', { text: String(d.attempts) }),
          h('td', { text: d.last_status_code ?? '—' }),
          h('td', { class: 'clip', text: d.last_error ?? '' }),
          h('td', { text: fullTime(d.created_at) }),
          h('td', { text: d.delivered_at ? fullTime(d.delivered_at) : '—' })));
      }
      if (!body.childElementCount) body.append(h('tr', {}, h('td', { colSpan: 7, class: 'muted', text: 'No deliveries yet.' })));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    }, more);
  }
  load(false);
  const table = h('table', { class: 'table', testid: 'deliveries-list' },
    tableHead(['Event', 'Status', 'Attempts', 'Last HTTP status', 'Last error', 'Queued', 'Delivered']), body);
  return adminPage('Webhook deliveries',
    h('p', {}, h('a', { href: adminHref('webhooks'), testid: 'deliveries-back', text: '← All webhooks' })),
    error, table, more);
}
