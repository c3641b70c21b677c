// @ts-check
/**
 * The inbox's search finds a conversation by its visitor as well as by its words: the name or
 * the email the visitor left, in any case (issue #20).
 *
 *   PARLEY_BIN=target/debug/parley node --test --test-concurrency=1 tests/e2e/desk-search.test.js
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { AgentSocket, NO_LIMITS, launchBrowser, openDashboard, startServer, waitFor, ADMIN, assertNoPageErrors } from './harness.js';

/**
 * A visitor over a plain WebSocket, with the name and email it gave, that writes once.
 * @param {import('./harness.js').Cleanup} t @param {import('./harness.js').ParleyServer} server
 * @param {{name?: string, email?: string}} identity @param {string} body
 */
async function visitorWrites(t, server, identity, body) {
  const visitor = new AgentSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?site_key=${server.siteKey}`);
  t.after(() => visitor.close());
  await visitor.opened;
  await visitor.request({ type: 'hello', token: null, identity });
  const sent = await visitor.request({ type: 'send', client_msg_id: randomUUID(), body });
  return /** @type {string} */ (sent.message.conversation_id);
}

test('the inbox search finds a conversation by its visitor\'s name or email', { timeout: 90_000 }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const ada = await visitorWrites(t, server, { name: 'Ada Lovelace', email: 'ada@analytical.example' }, 'my order is late');
  const bob = await visitorWrites(t, server, { name: 'Bob', email: 'bob@example.com' }, 'a question about invoices');
  await visitorWrites(t, server, {}, 'hello there');
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server, ADMIN, '#/inbox/open');
  const items = page.getByTestId('inbox-item');
  await waitFor(async () => (await items.count()) === 3, { message: 'three conversations listed' });
  const search = page.getByTestId('inbox-search');
  /** The ids listed once the search for `words` settles on one result. @param {string} words */
  const found = async (words) => {
    await search.fill(words);
    await waitFor(async () => (await items.count()) === 1 && (await page.getByTestId('inbox-search').inputValue()) === words, { message: `one result for ${words}` });
    // The previous search may still show: wait until the list stops changing.
    let last = '';
    await waitFor(async () => {
      const now = (await items.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-conversation-id')))).join();
      const settled = now === last;
      last = now;
      return settled;
    }, { interval: 400, message: 'the results settle' });
    return last;
  };
  assert.equal(await found('ANALYTICAL.example'), ada, 'by email, case aside');
  await search.fill('');
  await waitFor(async () => (await items.count()) === 3, { message: 'the list back' });
  assert.equal(await found('lovelace'), ada, 'by name');
  await search.fill('');
  await waitFor(async () => (await items.count()) === 3, { message: 'the list back' });
  assert.equal(await found('bob@example.com'), bob, 'another visitor by email');
  await search.fill('');
  await waitFor(async () => (await items.count()) === 3, { message: 'the list back' });
  assert.equal(await found('invoices'), bob, 'by the words, still');
  await search.fill('nobody-like-this');
  await waitFor(async () => (await items.count()) === 0, { message: 'no result' });
  await assertNoPageErrors(errors, { where: 'the dashboard' });
});
