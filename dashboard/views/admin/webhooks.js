// @ts-check
/**
 * Webhooks (admins). The list: subscribe a URL to events (its signing secret shown once),
 * switch one off or on, delete. One webhook (`#/admin/webhooks/<id>`): its state — with why
 * Parley switched it off, and a way back on —, its URL and events, a test ping, a new secret
 * (shown once), and the log of every delivery attempt, refreshed while the page is open, each
 * attempt with its answer and a Redeliver button.
 */
import { confirmDialog, h, replace } from '../../lib/dom.js';
import { duration, fullTime } from '../../lib/format.js';
import { adminHref, go } from '../../lib/router.js';
import { DeliveryLog, WEBHOOK_EVENTS, deliveryOutcome, webhookState } from '../../lib/webhooks.js';
import { adminPage, attempt, errorLine, field, fieldError, oneTimeSecret, showFieldError, statusLine, tableHead } from './common.js';

/** How often the delivery log (and the webhook's state) is fetched again while the page is shown. */
const POLL_MS = 3000;
/** After a test or a redelivery, the log is fetched this soon: the worker sends at once. */
const SOON_MS = 500;

/** @typedef {import('../shell.js').AppContext} AppContext */
/** @typedef {import('../../lib/webhooks.js').Webhook} Webhook */
/** @typedef {import('../../lib/webhooks.js').Delivery} Delivery */

/** @param {AppContext} ctx @param {string | null} id */
export function webhooksPage(ctx, id) {
  return id ? webhookDetail(ctx, id) : { el: webhooksList(ctx) };
}

/** A note shown after a secret was made: how receivers check it. */
const SECRET_NOTE = 'Receivers check each delivery’s Parley-Signature header with it.';

/**
 * The URL field and the event checkboxes, shared by the new-webhook form and the edit form.
 * @param {string} prefix test-id prefix @param {Webhook | null} webhook
 */
function webhookFields(prefix, webhook) {
  const url = h('input', {
    type: 'url', required: true, maxLength: 2048, autocomplete: 'off', spellcheck: false,
    placeholder: 'https://example.com/parley-hook', value: webhook?.url ?? '', testid: `${prefix}-url`,
  });
  const boxes = WEBHOOK_EVENTS.map((event) => h('input', {
    // defaultChecked, so that a form reset comes back to it.
    type: 'checkbox', value: event, defaultChecked: webhook ? webhook.events.includes(event) : event === 'message.created',
    testid: `${prefix}-event-${event}`,
  }));
  const events = h('fieldset', { class: 'events' }, h('legend', { text: 'Events' }), boxes.map((b) => field(b.value, b)));
  const urlField = field('URL', url, 'Receives a signed POST for each event. Only public http(s) addresses.');
  const errors = { url: fieldError(url, `${prefix}-url-error`), events: fieldError(events, `${prefix}-events-error`) };
  urlField.append(errors.url.error);
  events.append(errors.events.error);
  return {
    url, boxes, errors, els: [urlField, events],
    /** The chosen events, or null (and the error shown) when none is. */
    chosen() {
      const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
      if (chosen.length) return chosen;
      showFieldError(errors.url, '');
      showFieldError(errors.events, 'Pick at least one event.');
      return null;
    },
  };
}

/** A webhook's state as a pill: On, Failing, Off, Switched off by Parley. @param {Webhook} w */
function statePill(w) {
  const { state, label } = webhookState(w);
  return h('span', { class: `pill state-${state}`, testid: 'webhook-state', dataset: { state }, text: label });
}

// ---- the list ---------------------------------------------------------------------------

/** @param {AppContext} ctx */
function webhooksList(ctx) {
  const fields = webhookFields('webhook', null);
  const create = h('button', { type: 'submit', class: 'button primary', testid: 'webhook-create', text: 'Add webhook' });
  const formError = errorLine('webhook-form-error');
  const listError = errorLine('webhooks-error');
  const secretSlot = h('div');
  const body = h('tbody');

  async function refresh() {
    await attempt(listError, async () => {
      const { items } = await ctx.api.webhooks();
      replace(body, items.map((/** @type {Webhook} */ w) => webhookRow(w)));
      if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 4, class: 'muted', text: 'No webhooks yet.' })));
    });
  }

  /** @param {Webhook} w */
  function webhookRow(w) {
    const toggle = h('button', { type: 'button', class: 'button small', testid: 'webhook-toggle', text: w.active ? 'Turn off' : 'Turn on' });
    toggle.addEventListener('click', async () => {
      await attempt(listError, () => ctx.api.updateWebhook(w.id, { active: !w.active }), toggle);
      refresh();
    });
    const remove = h('button', { type: 'button', class: 'button small danger', testid: 'webhook-delete', text: 'Delete' });
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete the webhook to ${w.url}? Its queued events and its delivery log go with it.`, 'Delete'))) return;
      await attempt(listError, () => ctx.api.deleteWebhook(w.id), remove);
      refresh();
    });
    const { state } = webhookState(w);
    return h('tr', { testid: 'webhook-row', class: w.active ? '' : 'inactive', dataset: { webhookId: w.id, state } },
      h('td', { class: 'clip' }, h('a', { href: adminHref('webhooks', w.id), testid: 'webhook-link', text: w.url, attrs: { title: w.url } })),
      h('td', { text: w.events.join(', ') }),
      h('td', {}, statePill(w), w.disabled_reason ? h('div', { class: 'muted small', text: w.disabled_reason }) : null),
      h('td', { class: 'actions' },
        h('a', { href: adminHref('webhooks', w.id), class: 'button small', testid: 'webhook-deliveries', text: 'Deliveries' }), ' ',
        toggle, ' ', remove));
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    const events = fields.chosen();
    if (!events) {
      formError.textContent = '';
      return;
    }
    /** @type {any} */
    let made = null;
    const ok = await attempt(formError, async () => {
      made = await ctx.api.createWebhook({ url: fields.url.value.trim(), events });
    }, create, fields.errors);
    if (!ok) return;
    form.reset();
    secretSlot.replaceChildren(oneTimeSecret({ testid: 'webhook-secret', title: `Signing secret for ${made.url}`, value: made.secret, note: SECRET_NOTE }));
    refresh();
  }

  const form = h('form', { class: 'admin-form', testid: 'webhook-form', on: { submit } },
    h('fieldset', {}, h('legend', { text: 'New webhook' }), ...fields.els, formError, h('div', { class: 'row' }, create)));
  const table = h('table', { class: 'table', testid: 'webhooks-list' }, tableHead(['URL', 'Events', 'State', '']), body);
  refresh();
  return adminPage('Webhooks',
    h('p', { class: 'muted', text: 'Parley POSTs each event you pick to your URL, signed, and tries again (for 24 hours by default) until it gets a 2xx.' }),
    form, secretSlot, listError, table);
}

// ---- one webhook ------------------------------------------------------------------------

/** @param {AppContext} ctx @param {string} id */
function webhookDetail(ctx, id) {
  const holder = h('div', { class: 'admin-page' },
    h('p', {}, h('a', { href: adminHref('webhooks'), testid: 'deliveries-back', text: '← All webhooks' })),
    h('p', { class: 'muted', text: 'Loading…' }));
  /** @type {{el: HTMLElement, destroy: () => void} | null} */
  let view = null;
  let gone = false;
  ctx.api.webhook(id).then(
    (/** @type {Webhook} */ webhook) => {
      if (gone) return;
      view = webhookView(ctx, webhook);
      holder.replaceWith(view.el);
    },
    (/** @type {Error} */ err) => replace(holder, h('p', {}, h('a', { href: adminHref('webhooks'), text: '← All webhooks' })),
      h('p', { class: 'form-error', testid: 'webhook-error', attrs: { role: 'alert' }, text: err.message })),
  );
  const el = h('div', {}, holder);
  return {
    el,
    destroy() {
      gone = true;
      view?.destroy();
    },
  };
}

/** @param {AppContext} ctx @param {Webhook} initial */
function webhookView(ctx, initial) {
  let webhook = initial;
  const id = webhook.id;
  const error = errorLine('webhook-error');
  const notice = statusLine('webhook-status');
  const secretSlot = h('div');
  const stateBox = h('div', { class: 'webhook-state', testid: 'webhook-state-box' });
  const urlShown = h('code', { testid: 'webhook-url-shown', text: webhook.url });

  /** @param {Webhook} w */
  function showWebhook(w) {
    const changed = w.active !== webhook.active || w.disabled_reason !== webhook.disabled_reason || w.failing_since !== webhook.failing_since;
    webhook = w;
    urlShown.textContent = w.url;
    // Redrawn only when it changed: a poll must not take the focus off its button.
    if (changed) renderState();
  }

  function renderState() {
    const w = webhook;
    const { state } = webhookState(w);
    stateBox.dataset.state = state;
    const turnOn = h('button', { type: 'button', class: 'button primary', testid: 'webhook-enable', text: state === 'disabled' ? 'Turn back on' : 'Turn on' });
    turnOn.addEventListener('click', () => setActive(true, turnOn));
    const turnOff = h('button', { type: 'button', class: 'button', testid: 'webhook-disable', text: 'Turn off' });
    turnOff.addEventListener('click', () => setActive(false, turnOff));
    const since = fullTime(w.failing_since);
    /** @type {Record<string, any[]>} */
    const content = {
      on: [statePill(w), h('span', { text: 'Events are delivered as they happen.' }), turnOff],
      failing: [statePill(w), h('span', { testid: 'webhook-failing', text: `Every delivery has failed since ${since}. Parley keeps retrying, and switches it off if it goes on failing (for 24 hours by default).` }), turnOff],
      off: [statePill(w), h('span', { text: 'Turned off: no events are sent (a test still is).' }), turnOn],
      disabled: [statePill(w),
        h('span', {}, h('strong', { text: 'Every delivery failed for too long. ' }),
          'Reason: ', h('q', { testid: 'webhook-disabled-reason', text: w.disabled_reason ?? '' }),
          '. Events that happen while it is off are not sent: fix the receiver, then turn it back on.'),
        turnOn],
    };
    stateBox.setAttribute('role', state === 'disabled' || state === 'failing' ? 'alert' : 'status');
    replace(stateBox, content[state]);
  }

  /** @param {boolean} active @param {HTMLButtonElement} button */
  async function setActive(active, button) {
    notice.textContent = '';
    await attempt(error, async () => {
      showWebhook(await ctx.api.updateWebhook(id, { active }));
      notice.textContent = active ? 'Turned on.' : 'Turned off.';
    }, button);
  }

  // The edit form: only what changed is sent (the URL is checked again when sent).
  const fields = webhookFields('webhook-edit', webhook);
  const save = h('button', { type: 'submit', class: 'button primary', testid: 'webhook-save', text: 'Save changes' });
  const formError = errorLine('webhook-edit-error');
  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    const events = fields.chosen();
    if (!events) {
      formError.textContent = '';
      return;
    }
    /** @type {{url?: string, events?: string[]}} */
    const change = {};
    const url = fields.url.value.trim();
    if (url !== webhook.url) change.url = url;
    if ([...events].sort().join() !== [...webhook.events].sort().join()) change.events = events;
    notice.textContent = '';
    const ok = await attempt(formError, async () => {
      if (Object.keys(change).length) showWebhook(await ctx.api.updateWebhook(id, change));
    }, save, fields.errors);
    if (ok) notice.textContent = 'Saved.';
  }
  const form = h('form', { class: 'admin-form', testid: 'webhook-edit-form', on: { submit } },
    h('fieldset', {}, h('legend', { text: 'Settings' }), ...fields.els, formError, h('div', { class: 'row' }, save)));

  const test = h('button', { type: 'button', class: 'button', testid: 'webhook-test', text: 'Send test' });
  test.addEventListener('click', async () => {
    notice.textContent = '';
    await attempt(error, async () => {
      const { event_id: eventId } = await ctx.api.testWebhook(id);
      notice.textContent = `Ping sent (event ${eventId}). Its delivery appears in the log below.`;
      log.soon(SOON_MS);
    }, test);
  });
  const rotate = h('button', { type: 'button', class: 'button', testid: 'webhook-rotate-secret', text: 'New signing secret' });
  rotate.addEventListener('click', async () => {
    if (!(await confirmDialog('Make a new signing secret? Deliveries are signed with it from now on: update your receiver at once.', 'Make a new secret'))) return;
    await attempt(error, async () => {
      const rotated = await ctx.api.rotateWebhookSecret(id);
      secretSlot.replaceChildren(oneTimeSecret({ testid: 'webhook-secret', title: 'New signing secret', value: rotated.secret, note: SECRET_NOTE }));
    }, rotate);
  });
  const remove = h('button', { type: 'button', class: 'button danger', testid: 'webhook-delete', text: 'Delete webhook' });
  remove.addEventListener('click', async () => {
    if (!(await confirmDialog(`Delete the webhook to ${webhook.url}? Its queued events and its delivery log go with it.`, 'Delete'))) return;
    if (await attempt(error, () => ctx.api.deleteWebhook(id), remove)) go(adminHref('webhooks'));
  });

  const log = deliveriesLog(ctx, id, async () => {
    // The worker may switch the webhook off, or mark it failing, while the page is open.
    showWebhook(await ctx.api.webhook(id));
  });
  renderState();
  const el = adminPage('Webhook',
    h('p', {}, h('a', { href: adminHref('webhooks'), testid: 'deliveries-back', text: '← All webhooks' })),
    h('p', { class: 'webhook-url' }, urlShown), stateBox, error, notice,
    h('div', { class: 'row' }, test, rotate, remove),
    secretSlot, log.el, form);
  return { el, destroy: () => log.destroy() };
}

// ---- the delivery log -------------------------------------------------------------------

/**
 * The log's table, kept by delivery id: a row never changes once made, new rows go in place
 * without moving the others (an open response, and the focus on a button, stay where they
 * are), and rows no longer held go.
 * @param {AppContext} ctx @param {string} id @param {() => Promise<void>} alsoRefresh
 */
function deliveriesLog(ctx, id, alsoRefresh) {
  const log = new DeliveryLog((cursor) => ctx.api.deliveries(id, cursor));
  /** @type {Map<string, HTMLTableRowElement>} */
  const rows = new Map();
  const body = h('tbody');
  const empty = h('tr', { testid: 'deliveries-empty' }, h('td', { colSpan: 6, class: 'muted', text: 'No deliveries yet. Send a test to see one.' }));
  const error = errorLine('deliveries-error');
  const status = statusLine('deliveries-status');
  const more = h('button', { type: 'button', class: 'button', testid: 'deliveries-more', text: 'Load more', hidden: true });
  const refreshButton = h('button', { type: 'button', class: 'button small', testid: 'deliveries-refresh', text: 'Refresh' });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let stopped = false;

  /** @param {Delivery} d */
  function row(d) {
    const outcome = deliveryOutcome(d);
    const redeliver = h('button', { type: 'button', class: 'button small', testid: 'delivery-redeliver', text: 'Redeliver', attrs: { 'aria-label': `Redeliver ${d.event} (attempt ${d.attempt})` } });
    redeliver.addEventListener('click', async () => {
      status.textContent = '';
      if (await attempt(error, () => ctx.api.redeliver(id, d.id), redeliver)) {
        status.textContent = `${d.event} queued again, with the same event id: the new attempt appears at the top.`;
        soon(SOON_MS);
      }
    });
    const response = d.response
      ? h('details', { class: 'delivery-response' }, h('summary', { text: 'Response' }), h('pre', { testid: 'delivery-response', text: d.response }))
      : null;
    return h('tr', {
      testid: 'delivery-row', class: outcome.ok ? '' : 'failed',
      dataset: {
        deliveryId: d.id, eventId: d.event_id, event: d.event, attempt: String(d.attempt), ok: String(outcome.ok),
        statusCode: d.status_code === null ? '' : String(d.status_code),
      },
    },
    h('td', {}, h('time', { dateTime: d.created_at, text: fullTime(d.created_at) })),
    h('td', {}, h('span', { testid: 'delivery-event', text: d.event }), h('div', { class: 'muted small', text: `event ${d.event_id.slice(0, 8)}…`, attrs: { title: d.event_id } })),
    h('td', { testid: 'delivery-attempt', text: `#${d.attempt}` }),
    h('td', {}, h('span', { class: `pill ${outcome.ok ? 'delivered' : 'failed'}`, testid: 'delivery-status', text: outcome.label }),
      outcome.detail ? h('div', { class: 'small delivery-error', testid: 'delivery-error', text: outcome.detail }) : null, response),
    h('td', { testid: 'delivery-duration', text: duration(d.duration_ms) }),
    h('td', { class: 'actions' }, redeliver));
  }

  /** Makes the table show `log.items`, in order, touching only rows that come or go. */
  function render() {
    const held = new Set(log.items.map((d) => d.id));
    for (const [key, tr] of rows) {
      if (!held.has(key)) {
        tr.remove();
        rows.delete(key);
      }
    }
    /** @type {Element | null} */
    let previous = null;
    for (const d of log.items) {
      let tr = rows.get(d.id);
      if (!tr) {
        tr = row(d);
        rows.set(d.id, tr);
        if (previous) previous.after(tr);
        else body.prepend(tr);
      }
      previous = tr;
    }
    if (log.items.length) empty.remove();
    else body.replaceChildren(empty);
    more.hidden = !log.hasMore;
  }

  async function refresh() {
    await attempt(error, async () => {
      await Promise.all([log.refresh(), alsoRefresh()]);
      if (!stopped) render();
    });
  }

  // One timeout chain, not an interval: a slow answer never stacks requests, and a turn asked
  // for sooner (a test was sent) replaces the one planned. A hidden tab skips its turns.
  let dueAt = Infinity;
  /** @param {number} ms */
  function schedule(ms) {
    const at = Date.now() + ms;
    if (stopped || (timer !== undefined && dueAt <= at)) return;
    clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(tick, ms);
  }
  async function tick() {
    timer = undefined;
    dueAt = Infinity;
    if (document.visibilityState === 'visible') await refresh();
    schedule(POLL_MS);
  }
  /** Refreshes after `ms` (a queued attempt takes a moment to be made), then every `POLL_MS`. @param {number} [ms] */
  function soon(ms = 0) {
    schedule(ms);
  }

  more.addEventListener('click', () => attempt(error, async () => {
    await log.more();
    if (!stopped) render();
  }, more));
  refreshButton.addEventListener('click', () => soon());
  soon();

  const titleId = `deliveries-title-${id}`;
  const el = h('section', { class: 'deliveries', attrs: { 'aria-labelledby': titleId } },
    h('div', { class: 'row' },
      h('h2', { class: 'panel-subtitle', id: titleId, text: 'Delivery log' }),
      refreshButton,
      h('span', { class: 'muted small', text: 'Every attempt, newest first; refreshed every few seconds.' })),
    error, status,
    h('table', { class: 'table', testid: 'deliveries-list' }, tableHead(['Time', 'Event', 'Attempt', 'Answer', 'Duration', '']), body),
    more);
  return {
    el,
    soon,
    destroy() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
