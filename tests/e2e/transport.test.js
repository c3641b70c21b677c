// @ts-check
/**
 * Connections that die without a word (issue #21): the widget and the dashboard, in Chromium,
 * reach the server through a TCP proxy of the test's own that can blackhole the connections it
 * carries (bytes swallowed both ways, nothing closed, as behind a dead NAT or after a laptop
 * sleeps). Both must notice within two ping intervals, reconnect on their own and go on.
 *
 *   PARLEY_BIN=target/debug/parley node --test --test-concurrency=1 tests/e2e/transport.test.js
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Timing } from '../../common/protocol.js';
import {
  ADMIN, AgentSocket, NO_LIMITS, freePort, hostHtml, launchBrowser, login, openChat, openDashboard,
  shown, startHostServer, startServer, waitFor,
} from './harness.js';

/**
 * A TCP proxy to `target()` whose connections opened by Chromium can be made silent at once:
 * from then on their bytes go nowhere and nothing is closed. Connections opened later pass.
 * @param {import('./harness.js').Cleanup} t @param {number} port @param {() => number} target
 */
async function blackholeProxy(t, port, target) {
  /** @type {Set<{dead: boolean, browser: boolean}>} */
  const live = new Set();
  /** @type {string[]} the first request line of every connection, in order */
  const opened = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target(), '127.0.0.1');
    const pair = { dead: false, browser: false };
    live.add(pair);
    let first = true;
    client.on('data', (chunk) => {
      if (first) {
        first = false;
        const head = chunk.toString('latin1');
        opened.push(head.split('\r\n')[0]);
        pair.browser = /Chrome\//.test(head);
      }
      if (!pair.dead) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => { if (!pair.dead) client.write(chunk); });
    const end = () => { live.delete(pair); client.destroy(); upstream.destroy(); };
    for (const side of [client, upstream]) { side.on('close', end); side.on('error', end); }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  t.after(() => { server.close(); });
  return {
    opened,
    /** Silences every connection Chromium holds now. */
    blackhole() { for (const pair of live) if (pair.browser) pair.dead = true; },
  };
}

test('the widget and the dashboard notice a silently dead connection within two pings and carry on', { timeout: 150_000 }, async (t) => {
  const serverPort = await freePort();
  const proxyPort = await freePort();
  const proxy = await blackholeProxy(t, proxyPort, () => serverPort);
  const server = await startServer(t, {
    env: { ...NO_LIMITS, PARLEY_BIND: `127.0.0.1:${serverPort}`, PARLEY_PUBLIC_URL: `http://127.0.0.1:${proxyPort}` },
  });
  const admin = await login(server);
  // An agent of Node's own, straight to the server: never blackholed.
  const agent = new AgentSocket(`ws://127.0.0.1:${serverPort}/ws/agent`);
  t.after(() => agent.close());
  await agent.opened;
  await agent.request({ type: 'hello', token: admin.token });

  const host = await startHostServer(t);
  const browser = await launchBrowser(t);
  const shop = await (await browser.newContext()).newPage();
  await shop.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(shop);
  await panel.getByTestId('parley-composer').fill('before the cut');
  await panel.getByTestId('parley-composer').press('Enter');
  const first = await agent.next((f) => f.type === 'message' && f.message.body === 'before the cut');
  const conversation = first.message.conversation_id;
  const { page: desk } = await openDashboard(browser, server, ADMIN, `#/c/${conversation}`);
  await desk.locator('[data-testid="message"]').first().waitFor();

  const upgrades = (/** @type {string} */ path) => proxy.opened.filter((line) => line.startsWith(`GET ${path}`)).length;
  const [visitorSockets, agentSockets] = [upgrades('/ws/visitor'), upgrades('/ws/agent')];
  const cut = Date.now();
  proxy.blackhole();
  const limit = 2 * Timing.PING_INTERVAL_MS;
  await waitFor(async () => upgrades('/ws/visitor') > visitorSockets && upgrades('/ws/agent') > agentSockets, {
    timeout: limit + 5_000, interval: 250, message: 'both reconnected on their own',
  });
  const took = Date.now() - cut;
  assert.ok(took <= limit, `noticed and reconnected in ${took} ms, within two ping intervals (${limit} ms)`);

  // Both go on over their new connections, and nothing was lost or repeated.
  await panel.getByTestId('parley-composer').fill('after the cut');
  await panel.getByTestId('parley-composer').press('Enter');
  await agent.next((f) => f.type === 'message' && f.message.body === 'after the cut');
  await desk.locator('[data-testid="message"]', { hasText: 'after the cut' }).waitFor();
  await agent.request({ type: 'send', conversation_id: conversation, client_msg_id: crypto.randomUUID(), body: 'the agent answers' });
  await waitFor(async () => (await shown(panel)).some((m) => m.body === 'the agent answers'), { message: 'the answer reaches the widget' });
  const bodies = (await shown(panel)).map((m) => m.body).filter((b) => ['before the cut', 'after the cut', 'the agent answers'].includes(b));
  assert.deepEqual(bodies, ['before the cut', 'after the cut', 'the agent answers']);
});
