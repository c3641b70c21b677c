// @ts-check
/**
 * The HTTP fallback (the contract's "Transports"): the widget and the dashboard, in Chromium,
 * reach the server through Debian's nginx configured with the repository's recipe
 * (docs/deploy/nginx/parley-locations.conf). With WebSocket upgrades refused by the proxy, both
 * chat over the HTTP transport, through a server restart; with upgrades allowed, the same chat
 * runs over WebSockets.
 *
 *   PARLEY_BIN=target/debug/parley node --test --test-concurrency=1 tests/e2e/fallback.test.js
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import {
  ADMIN, NO_LIMITS, REPO, assertNoPageErrors, freePort, hostHtml, launchBrowser, openChat,
  openDashboard, shown, startHostServer, startServer, tempDir, waitFor, watchPageErrors,
} from './harness.js';

const NGINX = '/usr/sbin/nginx';
const TEST_TIMEOUT = 150_000;

/**
 * A private nginx on `port` in front of Parley on `upstreamPort`, with the repository's
 * locations; `refuseUpgrades` answers every WebSocket upgrade 403, as some proxies do.
 * @param {import('./harness.js').Cleanup} t
 * @param {{port: number, upstreamPort: number, refuseUpgrades: boolean}} options
 */
async function startNginx(t, { port, upstreamPort, refuseUpgrades }) {
  const dir = tempDir(t, 'parley-nginx-');
  // nginx's workers may run as another user (nobody, when the test runs as root).
  chmodSync(dir, 0o777);
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream parley { server 127.0.0.1:${upstreamPort}; }
  map $http_upgrade $parley_connection { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:${port};
    ${refuseUpgrades ? 'if ($http_upgrade) { return 403; }' : ''}
    include ${REPO}/docs/deploy/nginx/parley-locations.conf;
  }
}
`);
  let output = '';
  const child = spawn(NGINX, ['-p', dir, '-e', `${dir}/error.log`, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => { output += d; });
  child.stderr?.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${output}`);
    return accepts(port);
  }, { timeout: 10_000, message: 'nginx to listen' });
}

/** Whether something accepts TCP connections on the port. @param {number} port */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

/**
 * What the browser logs on purpose here: the WebSocket refused by the proxy (the fallback's
 * cause), and the requests that fail while the server restarts behind nginx (502).
 */
const PROVOKED = [
  /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/(visitor|agent)\S*' failed/,
  /Failed to load resource: the server responded with a status of 502/,
  // An event stream the restart cut before its last chunk (the server gives streams 1 s to
  // end after their close event; past it, the stop cuts them).
  /\/http\/(visitor|agent)\S*: Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING/,
];

/**
 * A visitor on a shop and an agent in the dashboard, both through nginx: they chat both ways,
 * see each other type, and carry on by themselves through a server restart.
 * @param {import('node:test').TestContext} t @param {{refuseUpgrades: boolean, transport: string}} options
 */
async function chatThroughNginx(t, { refuseUpgrades, transport }) {
  const [serverPort, nginxPort] = [await freePort(), await freePort()];
  await startNginx(t, { port: nginxPort, upstreamPort: serverPort, refuseUpgrades });
  const server = await startServer(t, {
    env: { ...NO_LIMITS, PARLEY_BIND: `127.0.0.1:${serverPort}`, PARLEY_PUBLIC_URL: `http://127.0.0.1:${nginxPort}` },
  });
  assert.equal(server.url, `http://127.0.0.1:${nginxPort}`, 'the widget and the dashboard are served through nginx');

  const browser = await launchBrowser(t);
  const { page: desk, errors: deskErrors } = await openDashboard(browser, server, ADMIN, '#/inbox/unassigned');
  await desk.locator(`body[data-transport="${transport}"]`).waitFor({ state: 'attached' });

  const host = await startHostServer(t);
  const shop = await (await browser.newContext()).newPage();
  const shopErrors = await watchPageErrors(shop);
  await shop.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(shop);
  await panel.locator(`[data-transport="${transport}"]`).waitFor({ state: 'attached' });

  // Visitor → agent.
  await say(panel, 'Hello, where is my order?');
  const item = desk.getByTestId('inbox-item').first();
  await item.waitFor();
  await item.click();
  await desk.locator('[data-testid="message"]', { hasText: 'where is my order' }).waitFor();

  // Typing, both ways. The dashboard's watch of the conversation it just opened and the first
  // keystroke may cross; the server tells a new watcher who is typing, but CI once saw neither
  // reach the desk within 30 s (cause not found yet): typed again, up to three times.
  await typeUntilSeen(panel, desk.getByTestId('typing-text'), 'Order 12');
  await panel.getByTestId('parley-composer').fill('');
  const composer = desk.getByTestId('composer');
  await composer.pressSequentially('Let me');
  await panel.getByTestId('parley-typing').filter({ hasText: 'admin' }).waitFor({ state: 'visible' });

  // Agent → visitor.
  await composer.fill('It ships today.');
  await composer.press('Enter');
  await panel.locator('[data-testid="parley-message"][data-author="agent"]', { hasText: 'It ships today.' }).waitFor();

  // A restart (SIGTERM: every session closed with 1012). What the visitor writes meanwhile
  // waits in its outbox and goes once the widget is back by itself.
  await server.stop();
  await panel.getByTestId('parley-connection').waitFor({ state: 'visible' });
  await say(panel, 'Written during the restart');
  await server.start();
  await desk.locator('[data-testid="message"]', { hasText: 'Written during the restart' }).waitFor({ timeout: 60_000 });
  await composer.fill('Back after the restart.');
  await composer.press('Enter');
  await panel.locator('[data-testid="parley-message"][data-author="agent"]', { hasText: 'Back after the restart.' }).waitFor({ timeout: 30_000 });

  const chat = ['Hello, where is my order?', 'It ships today.', 'Written during the restart', 'Back after the restart.'];
  const bodies = await waitFor(async () => {
    const list = (await shown(panel)).filter((m) => chat.includes(m.body));
    return list.length >= chat.length && list.every((m) => m.state !== 'pending') ? list.map((m) => m.body) : null;
  }, { message: 'every message shown, sent' });
  assert.deepEqual(bodies, chat, 'every message once in the widget, in order');
  assert.equal(await desk.locator('[data-testid="message"]', { hasText: 'Written during the restart' }).count(), 1, 'and once in the dashboard');

  // Still on the same transport after the restart.
  await desk.locator(`body[data-transport="${transport}"]`).waitFor({ state: 'attached' });
  await panel.locator(`[data-transport="${transport}"]`).waitFor({ state: 'attached' });
  await assertNoPageErrors(deskErrors, { where: 'the dashboard', allowedConsoleErrors: PROVOKED });
  await assertNoPageErrors(shopErrors, { where: 'the shop', allowedConsoleErrors: PROVOKED });
  if (refuseUpgrades) {
    // The fallback's cause, as the browser saw it: nginx's 403 to the upgrades.
    for (const errors of [deskErrors, shopErrors]) {
      assert.ok(errors.consoleErrors.some((e) => /WebSocket connection to .* Unexpected response code: 403/.test(e)), errors.consoleErrors.join('\n'));
    }
  }
}

/** Types a message in the widget and sends it. @param {import('playwright-core').FrameLocator} panel @param {string} body */
async function say(panel, body) {
  await panel.getByTestId('parley-composer').fill(body);
  await panel.getByTestId('parley-composer').press('Enter');
}

test('with upgrades refused, a visitor and an agent chat through the HTTP fallback', { timeout: TEST_TIMEOUT }, async (t) => {
  await chatThroughNginx(t, { refuseUpgrades: true, transport: 'http' });
});

test('with upgrades allowed, the same chat runs over WebSockets', { timeout: TEST_TIMEOUT }, async (t) => {
  await chatThroughNginx(t, { refuseUpgrades: false, transport: 'websocket' });
});

/** Types `text` in the widget until `seen` shows, at most three times. */
async function typeUntilSeen(panel, seen, text) {
  const composer = panel.getByTestId('parley-composer');
  for (let attempt = 1; ; attempt += 1) {
    await composer.fill(text.slice(0, -1));
    await composer.fill(text);
    try {
      await seen.waitFor({ timeout: attempt < 3 ? 5_000 : 30_000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await composer.fill('');
    }
  }
}
