import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryLog, WEBHOOK_EVENTS, deliveryOutcome, webhookState } from '../lib/webhooks.js';
import { rustSources } from '../../common/test/helpers/rust.js';

test('the events offered are those the server lets a webhook subscribe to, in its order', () => {
  const text = rustSources().map((s) => s.text).join('\n');
  const names = Object.fromEntries([...text.matchAll(/WebhookEvent::(\w+)\s*=>\s*"([^"]+)"/g)].map((m) => [m[1], m[2]]));
  const list = /SUBSCRIBABLE\s*:\s*\[\s*WebhookEvent\s*;\s*\d+\s*\]\s*=\s*\[([^\]]*)\]/.exec(text);
  assert.ok(list, 'no `SUBSCRIBABLE: [WebhookEvent; N]` under src/');
  const subscribable = [...list[1].matchAll(/WebhookEvent::(\w+)/g)].map((m) => names[m[1]]);
  assert.deepEqual([...WEBHOOK_EVENTS], subscribable);
  assert.ok(!WEBHOOK_EVENTS.includes('ping'), 'ping is sent on demand, never subscribed to');
});

test('a webhook is on, failing, off (by an admin) or switched off by the server (with a reason)', () => {
  const base = { active: true, disabled_reason: null, failing_since: null };
  assert.deepEqual(webhookState(base), { state: 'on', label: 'On' });
  assert.deepEqual(webhookState({ ...base, failing_since: '2026-12-06T10:00:00Z' }), { state: 'failing', label: 'Failing' });
  assert.deepEqual(webhookState({ ...base, active: false }), { state: 'off', label: 'Off' });
  const disabled = { active: false, disabled_reason: 'switched off after failing for 24 h: timed out', failing_since: '2026-12-05T10:00:00Z' };
  assert.deepEqual(webhookState(disabled), { state: 'disabled', label: 'Switched off by Parley' });
});

test('an attempt reads as its HTTP status, or as an error when nothing answered', () => {
  assert.deepEqual(deliveryOutcome({ ok: true, status_code: 200, error: null }), { ok: true, label: '200', detail: '' });
  assert.deepEqual(deliveryOutcome({ ok: false, status_code: 500, error: 'answered 500' }), { ok: false, label: '500', detail: '' }, 'no "answered 500" beside 500');
  assert.deepEqual(deliveryOutcome({ ok: false, status_code: null, error: 'timed out after 10 s' }), { ok: false, label: 'error', detail: 'timed out after 10 s' });
  assert.deepEqual(deliveryOutcome({ ok: false, status_code: 301, error: 'redirects are not followed' }), { ok: false, label: '301', detail: 'redirects are not followed' });
});

// ---- the delivery log ---------------------------------------------------------------------

/** A delivery with id `d<n>` (higher is newer). */
const delivery = (n) => ({
  id: `d${n}`, event_id: `e${n}`, event: 'ping', attempt: 1, status_code: 200, ok: true, error: null,
  response: 'ok', duration_ms: 3, created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

/**
 * The server's log of `count` attempts (newest first), in pages of `size`, with cursors; more
 * attempts can be added. `fetchPage` records the cursors it was asked for.
 */
function fakeServer(count, size = 3) {
  let newest = count;
  const asked = [];
  /** @type {(() => void)[]} */
  const held = [];
  let hold = false;
  const all = () => Array.from({ length: newest }, (_, i) => delivery(newest - i));
  const fetchPage = async (cursor) => {
    asked.push(cursor);
    if (hold) await new Promise((resolve) => held.push(resolve));
    const items = all();
    const start = cursor ? items.findIndex((d) => d.id === cursor) + 1 : 0;
    const page = items.slice(start, start + size);
    const next = start + size < items.length ? page[page.length - 1].id : null;
    return { items: page, next_cursor: next };
  };
  return {
    fetchPage,
    asked,
    add: (n = 1) => { newest += n; },
    /** Holds every answer until `release()`. */
    holdAnswers: () => { hold = true; },
    /** Lets the answer to the `index`th request held go (0: the first held). */
    release: (index) => held[index](),
  };
}

const ids = (log) => log.items.map((d) => d.id);

test('the first refresh shows the newest page; "more" appends older ones until there are none', async () => {
  const server = fakeServer(7);
  const log = new DeliveryLog(server.fetchPage);
  assert.deepEqual(await log.refresh(), { at: 'all', added: [delivery(7), delivery(6), delivery(5)] });
  assert.equal(log.hasMore, true);
  assert.deepEqual((await log.more()).added.map((d) => d.id), ['d4', 'd3', 'd2']);
  assert.deepEqual((await log.more()).added.map((d) => d.id), ['d1']);
  assert.equal(log.hasMore, false);
  assert.deepEqual(await log.more(), { at: 'bottom', added: [] }, 'nothing more to ask for');
  assert.deepEqual(server.asked, [null, 'd5', 'd2']);
  assert.deepEqual(ids(log), ['d7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1']);
});

test('a refresh puts only the new attempts on top, keeping the older pages loaded', async () => {
  const server = fakeServer(5);
  const log = new DeliveryLog(server.fetchPage);
  await log.refresh();
  await log.more();
  server.add(2);
  assert.deepEqual(await log.refresh(), { at: 'top', added: [delivery(7), delivery(6)] });
  assert.deepEqual(ids(log), ['d7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1']);
  assert.equal(log.hasMore, false, 'the cursor of the older pages is kept');
  assert.deepEqual(await log.refresh(), { at: 'top', added: [] }, 'nothing new');
});

test('more new attempts than a page: the list starts again from the newest page (no gap)', async () => {
  const server = fakeServer(3);
  const log = new DeliveryLog(server.fetchPage);
  await log.refresh();
  server.add(4);
  const { at, added } = await log.refresh();
  assert.equal(at, 'all');
  assert.deepEqual(added.map((d) => d.id), ['d7', 'd6', 'd5']);
  assert.deepEqual(ids(log), ['d7', 'd6', 'd5']);
  assert.equal(log.hasMore, true);
  assert.deepEqual((await log.more()).added.map((d) => d.id), ['d4', 'd3', 'd2'], 'the gap is reached by "more"');
});

test('refreshes asked for at once share one request', async () => {
  const server = fakeServer(2);
  const log = new DeliveryLog(server.fetchPage);
  const [a, b] = await Promise.all([log.refresh(), log.refresh()]);
  assert.equal(a, b);
  assert.equal(server.asked.length, 1);
  await log.refresh();
  assert.equal(server.asked.length, 2, 'a later refresh asks again');
});

test('an older page that arrives after the list was replaced is dropped', async () => {
  const server = fakeServer(4);
  const log = new DeliveryLog(server.fetchPage);
  await log.refresh();
  server.holdAnswers();
  const more = log.more();
  server.add(5);
  const refresh = log.refresh();
  // The refresh, asked for second, answers first and replaces the list; then the older page.
  server.release(1);
  await refresh;
  server.release(0);
  assert.deepEqual(ids(log), ['d9', 'd8', 'd7']);
  assert.deepEqual(await more, { at: 'bottom', added: [] });
  assert.deepEqual(ids(log), ['d9', 'd8', 'd7']);
});

test('"more" never adds an attempt twice', async () => {
  const pages = [
    { items: [delivery(5), delivery(4)], next_cursor: 'c1' },
    { items: [delivery(4), delivery(3)], next_cursor: null },
  ];
  const log = new DeliveryLog(async () => pages.shift());
  await log.refresh();
  assert.deepEqual((await log.more()).added.map((d) => d.id), ['d3']);
  assert.deepEqual(ids(log), ['d5', 'd4', 'd3']);
});
