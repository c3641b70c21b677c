// @ts-check
/**
 * A site that lists its allowed origins still works on Parley's own pages: the demo page (and
 * the admin's "Try it" link to it) chat with the server (issue #20: they showed a panel saying
 * the server "refused to connect", the server's own origin not being allowed to frame it).
 *
 *   PARLEY_BIN=target/debug/parley node --test --test-concurrency=1 tests/e2e/desk-origins.test.js
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_LIMITS, connectAgent, demoSite, launchBrowser, login, openChat, patchSite, startServer, watchPageErrors, assertNoPageErrors, shown, waitFor } from './harness.js';

test('with allowed origins set, the demo page still chats with the server', { timeout: 90_000 }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const admin = await login(server);
  const site = await demoSite(server, admin.token);
  await patchSite(server, admin.token, { allowed_origins: ['https://shop.example'] });
  const agent = await connectAgent(t, server, admin.token);
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext()).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/demo?site_key=${site.site_key}`);
  const panel = await openChat(page);
  await panel.getByTestId('parley-composer').fill('hello from the demo');
  await panel.getByTestId('parley-composer').press('Enter');
  const arrived = await agent.next((f) => f.type === 'message');
  assert.equal(arrived.message.body, 'hello from the demo');
  await waitFor(async () => (await shown(panel)).some((m) => m.body === 'hello from the demo' && m.seq === 1), { message: 'the message stored and shown' });
  await assertNoPageErrors(errors, { where: 'the demo page' });
});
