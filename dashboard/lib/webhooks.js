// @ts-check
/**
 * Webhooks without the DOM: the events one may subscribe to, the state a webhook is in, how a
 * delivery attempt reads, and the delivery log as the page holds it across refreshes and
 * "load more".
 */

/** `WebhookEvent::SUBSCRIBABLE` in src/domain/webhook.rs, in its order (`ping` is never subscribed to). */
export const WEBHOOK_EVENTS = Object.freeze([
  'conversation.created',
  'conversation.updated',
  'conversation.assigned',
  'conversation.rated',
  'message.created',
]);

/**
 * @typedef {{
 *   id: string, url: string, events: string[], active: boolean,
 *   disabled_reason: string | null, failing_since: string | null,
 *   created_at: string, updated_at: string,
 * }} Webhook
 * @typedef {{
 *   id: string, event_id: string, event: string, attempt: number, status_code: number | null,
 *   ok: boolean, error: string | null, response?: string | null, duration_ms: number, created_at: string,
 * }} Delivery
 * @typedef {{items: Delivery[], next_cursor: string | null}} DeliveryPage
 * @typedef {'on' | 'failing' | 'off' | 'disabled'} WebhookState
 */

/** @type {Record<WebhookState, string>} */
const STATE_LABELS = { on: 'On', failing: 'Failing', off: 'Off', disabled: 'Switched off by Parley' };

/**
 * `disabled`: the server switched it off after failing for its whole retry window (it says
 * why); `off`: an admin did; `failing`: on, but every delivery has failed since `failing_since`.
 * @param {Pick<Webhook, 'active' | 'disabled_reason' | 'failing_since'>} webhook
 * @returns {{state: WebhookState, label: string}}
 */
export function webhookState(webhook) {
  /** @type {WebhookState} */
  let state = 'on';
  if (!webhook.active) state = webhook.disabled_reason ? 'disabled' : 'off';
  else if (webhook.failing_since) state = 'failing';
  return { state, label: STATE_LABELS[state] };
}

/**
 * One attempt in a few words: the HTTP status when the receiver answered (else `error`), and
 * the error when it adds something (the server's "answered 500" does not).
 * @param {Pick<Delivery, 'ok' | 'status_code' | 'error'>} delivery
 * @returns {{ok: boolean, label: string, detail: string}}
 */
export function deliveryOutcome(delivery) {
  const code = delivery.status_code;
  const label = code === null || code === undefined ? 'error' : String(code);
  const error = delivery.error ?? '';
  const detail = delivery.ok || error === `answered ${code}` ? '' : error;
  return { ok: Boolean(delivery.ok), label, detail };
}

/**
 * The delivery log as shown: newest first, the newest page refetched on every refresh (what is
 * new goes on top), older pages appended by `more()`. Attempts never change once logged, so
 * only new ids matter. Concurrent refreshes share one request; a page of older attempts that
 * arrives after the list was replaced is dropped.
 */
export class DeliveryLog {
  /** @param {(cursor: string | null) => Promise<DeliveryPage>} fetchPage */
  constructor(fetchPage) {
    this.fetchPage = fetchPage;
    /** @type {Delivery[]} newest first */
    this.items = [];
    /** @type {string | null} where the next older page starts; null when all are held */
    this.cursor = null;
    /** bumped when the list is replaced, so a `more()` under way knows its page is stale */
    this.generation = 0;
    /** @type {Promise<{at: 'top' | 'all', added: Delivery[]}> | null} */
    this.refreshing = null;
  }

  get hasMore() {
    return this.cursor !== null;
  }

  /**
   * Fetches the newest page. `at: 'top'` with the attempts to put above those held, or
   * `at: 'all'` when the page has none of them (the first load, or more new attempts than a
   * page, which would leave a gap): the list is then that page alone.
   * @returns {Promise<{at: 'top' | 'all', added: Delivery[]}>}
   */
  refresh() {
    this.refreshing ??= this.fetchPage(null).then((page) => this.mergeNewest(page)).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** @param {DeliveryPage} page */
  mergeNewest(page) {
    const held = new Set(this.items.map((d) => d.id));
    const known = page.items.findIndex((d) => held.has(d.id));
    if (known === -1) {
      this.items = page.items.slice();
      this.cursor = page.next_cursor;
      this.generation += 1;
      return { at: /** @type {const} */ ('all'), added: this.items.slice() };
    }
    const added = page.items.slice(0, known);
    this.items = [...added, ...this.items];
    return { at: /** @type {const} */ ('top'), added };
  }

  /**
   * Fetches the next older page and appends it; `added` is empty when there is none or the
   * list was replaced meanwhile.
   * @returns {Promise<{at: 'bottom', added: Delivery[]}>}
   */
  async more() {
    const generation = this.generation;
    const cursor = this.cursor;
    if (cursor === null) return { at: 'bottom', added: [] };
    const page = await this.fetchPage(cursor);
    if (generation !== this.generation || cursor !== this.cursor) return { at: 'bottom', added: [] };
    const held = new Set(this.items.map((d) => d.id));
    const added = page.items.filter((d) => !held.has(d.id));
    this.items.push(...added);
    this.cursor = page.next_cursor;
    return { at: 'bottom', added };
  }
}
