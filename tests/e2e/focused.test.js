// @ts-check
/**
 * Focused delivery in the dashboard: its socket asks for `subscription: 'focused'` and watches
 * the conversation on screen, which gets its messages in full; another conversation's messages
 * come summed up in `activity` frames, which move its inbox row (the last message, three unread)
 * without its timeline being fetched; opened, it shows every message once, in order. The
 * dashboard's socket is read from the page (Playwright's `websocket` events).
 *
 *   PARLEY_BIN=target/debug/parley node --test tests/e2e/focused.test.js
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import {
  ADMIN,
  AgentSocket,
  LAPTOP,
  NO_LIMITS,
  assertNoPageErrors,
  connectAgent,
  launchBrowser,
  login,
  signIn,
  startServer,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 90_000;

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('./harness.js').ParleyServer} ParleyServer */

/** @param {Page} page @param {string} id */
const inboxItem = (page, id) => page.locator(`[data-testid="inbox-item"][data-conversation-id="${id}"]`);

/**
 * A visitor over a plain WebSocket.
 * @param {import('./harness.js').Cleanup} t @param {ParleyServer} server
 */
async function connectVisitor(t, server) {
  const visitor = new AgentSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?site_key=${server.siteKey}`);
  t.after(() => visitor.close());
  await visitor.opened;
  await visitor.request({ type: 'hello', token: null });
  return visitor;
}

/** The visitor writes; resolves with the conversation's id. @param {AgentSocket} visitor @param {string} body */
async function visitorSays(visitor, body) {
  const reply = await visitor.request({ type: 'send', client_msg_id: randomUUID(), body });
  return /** @type {string} */ (reply.message.conversation_id);
}

/**
 * Every frame of the page's agent socket, both ways, parsed, in order. Call before the page
 * opens its socket.
 * @param {Page} page
 */
function agentFrames(page) {
  /** @type {{sent: any[], received: any[]}} */
  const frames = { sent: [], received: [] };
  /** @param {string | Buffer} payload */
  const parse = (payload) => {
    try {
      return JSON.parse(String(payload));
    } catch {
      return null;
    }
  };
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/ws/agent')) return;
    ws.on('framesent', (f) => frames.sent.push(parse(f.payload)));
    ws.on('framereceived', (f) => frames.received.push(parse(f.payload)));
  });
  return frames;
}

/** Whether `frame` carries a message of conversation `id` in full. @param {any} frame @param {string} id */
const fullMessageOf = (frame, id) => frame?.type === 'message' && frame.message?.conversation_id === id;

/** The entries about conversation `id` in the `activity` frames among `frames`. @param {any[]} frames @param {string} id */
const activityOf = (frames, id) => frames.filter((f) => f?.type === 'activity').flatMap((f) => f.conversations ?? []).filter((e) => e.conversation_id === id);

/**
 * The open conversation's messages, in the order shown: seq, author kind and body.
 * @param {Page} page @param {string} id
 */
function timeline(page, id) {
  return page.locator(`[data-testid="conversation"][data-conversation-id="${id}"] [data-testid="message"]`).evaluateAll((nodes) =>
    nodes.map((n) => ({
      seq: Number(n.getAttribute('data-seq')),
      author: n.getAttribute('data-author') ?? '',
      body: n.querySelector('[data-testid="message-body"]')?.textContent ?? '',
    })));
}

/**
 * Waits until the page's socket sent `watch` with exactly `ids` and the server said `ok` to it;
 * resolves with the index, among the frames received, of that `ok`.
 * @param {{sent: any[], received: any[]}} frames @param {string[]} ids
 */
async function watched(frames, ids) {
  return waitFor(() => {
    const refs = frames.sent.filter((f) => f?.type === 'watch' && JSON.stringify(f.conversation_ids) === JSON.stringify(ids)).map((f) => f.ref);
    const at = frames.received.findIndex((f) => f?.type === 'ok' && refs.includes(f.ref));
    return at >= 0 ? at + 1 : 0;
  }, { message: `watch ${JSON.stringify(ids)} answered ok` });
}

test('the conversation on screen comes in full, another summed up in its row, then whole when opened', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const admin = await login(server);
  const visitorA = await connectVisitor(t, server);
  const a = await visitorSays(visitorA, 'A: hello');
  const visitorB = await connectVisitor(t, server);
  const b = await visitorSays(visitorB, 'B: hello');
  assert.notEqual(a, b);
  // Both first messages read by the admin beforehand: what B gets next is all that is unread.
  const elsewhere = await connectAgent(t, server, admin.token);
  await elsewhere.request({ type: 'read', conversation_id: a, seq: 1 });
  await elsewhere.request({ type: 'read', conversation_id: b, seq: 1 });

  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: LAPTOP })).newPage();
  const frames = agentFrames(page);
  /** @type {string[]} */
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard#/inbox/open`);
  await signIn(page, ADMIN);

  const hello = frames.sent.find((f) => f?.type === 'hello');
  assert.equal(hello?.subscription, 'focused', 'the hello asks for focused delivery');
  const welcome = await waitFor(() => frames.received.find((f) => f?.type === 'welcome'), { message: 'the welcome' });
  assert.equal(welcome.subscription, 'focused', 'the server echoes it');
  await inboxItem(page, a).waitFor();
  await inboxItem(page, b).waitFor();
  assert.equal(await inboxItem(page, b).getByTestId('unread-badge').count(), 0);

  // The agent opens A: the server is told, and A's timeline shows.
  await inboxItem(page, a).click();
  await page.locator(`[data-testid="conversation"][data-conversation-id="${a}"] [data-testid="message"][data-seq="1"]`).waitFor();
  const afterWatch = await watched(frames, [a]);

  // B writes three times: its row follows, its timeline is not fetched.
  for (const body of ['B: one', 'B: two', 'B: three']) await visitorSays(visitorB, body);
  const rowB = inboxItem(page, b);
  await rowB.getByTestId('inbox-item-preview').filter({ hasText: 'B: three' }).waitFor();
  await rowB.getByTestId('unread-badge').filter({ hasText: '3' }).waitFor();
  await waitFor(async () => (await page.title()) === '(3) Parley', { message: 'the three unread in the tab title' });
  const entries = activityOf(frames.received, b);
  assert.ok(entries.length > 0, 'B came in activity frames');
  assert.equal(entries.reduce((n, e) => n + e.unread, 0), 3, 'three unread, summed up');
  const lastSeq = entries.at(-1).last_seq;
  assert.equal(entries.at(-1).last_message.body, 'B: three');
  assert.equal(entries.at(-1).last_message.seq, lastSeq);
  assert.equal(await page.locator(`[data-testid="conversation"][data-conversation-id="${b}"]`).count(), 0, 'B is not on screen');
  assert.deepEqual(frames.sent.filter((f) => (f?.type === 'history' || f?.type === 'sync') && f.conversation_id === b), [], "B's timeline is not fetched over the socket");
  assert.deepEqual(requests.filter((url) => url.includes(`/conversations/${b}/messages`)), [], 'nor over HTTP');

  // A writes: the open timeline shows it live, from a message frame.
  await visitorSays(visitorA, 'A: still there?');
  await waitFor(async () => (await timeline(page, a)).some((m) => m.body === 'A: still there?'), { message: "A's new message on screen" });
  assert.ok(frames.received.some((f) => fullMessageOf(f, a) && f.message.body === 'A: still there?'), 'A, watched, comes in full');
  assert.deepEqual(activityOf(frames.received.slice(afterWatch), a), [], 'and is not summed up');
  assert.deepEqual(frames.received.filter((f) => fullMessageOf(f, b)), [], 'no message of B in full while A was open');

  // The agent opens B: every message, in order, once; read, it is no longer counted.
  await rowB.click();
  const expected = ['B: hello', 'B: one', 'B: two', 'B: three'];
  /** @type {{seq: number, author: string, body: string}[]} */
  let shown = [];
  await waitFor(async () => {
    shown = await timeline(page, b);
    return shown.at(-1)?.seq === lastSeq;
  }, { message: () => `B's messages up to seq ${lastSeq}, shown ${JSON.stringify(shown)}` });
  await watched(frames, [b]);
  shown = await timeline(page, b);
  assert.deepEqual(shown.filter((m) => m.author === 'visitor').map((m) => m.body), expected, 'the three, in order, once each, after the first');
  const seqs = shown.map((m) => m.seq);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((x, y) => x - y), 'no message twice, in seq order');
  assert.equal(seqs.length, lastSeq, 'no message missing');
  await rowB.getByTestId('unread-badge').waitFor({ state: 'detached' });
  await waitFor(async () => (await page.title()) === 'Parley', { message: 'the title without unread' });
  await assertNoPageErrors(errors);
});
