// @ts-check
/**
 * The visitor widget in a real browser, against the real server: a shop on another origin
 * embeds it with the contract's snippet, a visitor chats, an agent (a Node WebSocket) answers.
 * Each test starts its own server, host server and browser, so each stands alone.
 *
 *   PARLEY_BIN=target/debug/parley node --test tests/e2e/*.test.js
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { test } from 'node:test';
import {
  NO_LIMITS,
  animationsFinished,
  api,
  artifactPath,
  assertNoPageErrors,
  connectAgent,
  decodeQuotedPrintable,
  demoSite,
  hostHtml,
  launchBrowser,
  login,
  openChat,
  panelFrame,
  panelOf,
  patchSite,
  shown,
  sleep,
  startHostServer,
  startServer,
  startSmtpSink,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 90_000;
/** What each XSS payload would do if it ran. */
const PWNED = '__pwned';

// ---------------------------------------------------------------------------------------------
// Helpers for the widget

/** Types `text` in the composer and presses Enter. @param {import('playwright-core').FrameLocator} panel @param {string} text */
async function say(panel, text) {
  const composer = panel.getByTestId('parley-composer');
  await composer.fill(text);
  await composer.press('Enter');
}

/** The host page's `parley:` storage. @param {import('playwright-core').Page} page */
function parleyKeys(page) {
  return page.evaluate(() => {
    /** @type {Record<string, string | null>} */
    const out = {};
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith('parley:')) out[key] = localStorage.getItem(key);
    }
    return out;
  });
}

/** An agent's text reply. @param {import('./harness.js').AgentSocket} agent @param {string} conversationId @param {string} body */
function reply(agent, conversationId, body) {
  return agent.request({ type: 'send', conversation_id: conversationId, client_msg_id: randomUUID(), kind: 'text', body });
}

/** The live `message` frame an agent gets for `body`. @param {import('./harness.js').AgentSocket} agent @param {string} body */
function agentSees(agent, body, timeout = 15_000) {
  return agent.next((f) => f.type === 'message' && f.message.body === body, { timeout });
}

/** A server, a host server, an agent connected to it and a fresh browser page. @param {import('node:test').TestContext} t */
async function setup(t, { env = {}, contextOptions = {}, postgres = false } = {}) {
  const server = await startServer(t, { env, postgres });
  const host = await startHostServer(t);
  const { token, agent: me } = await login(server);
  const agent = await connectAgent(t, server, token);
  const browser = await launchBrowser(t);
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  return { server, host, token, me, agent, browser, context, page };
}

/**
 * A response body's size on the wire, as the server sends it to a browser that accepts gzip,
 * with its encoding and caching.
 * @param {string} url
 * @returns {Promise<{bytes: number, encoding: string, cacheControl: string}>}
 */
function transferred(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk) => {
          bytes += chunk.length;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
          else resolve({ bytes, encoding: String(res.headers['content-encoding'] ?? 'identity'), cacheControl: String(res.headers['cache-control'] ?? '') });
        });
      })
      .on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------

test('a visitor on another origin chats with an agent through the embedded widget', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, page } = await setup(t);
  const url = host.page('/', hostHtml({ body: server.snippet() }));
  assert.notEqual(new URL(url).origin, server.origin, 'the shop is another origin than Parley');

  await page.goto(url);
  const panel = await openChat(page);
  await say(panel, 'Hello, do you ship to Lyon?');

  const { message } = await agentSees(agent, 'Hello, do you ship to Lyon?');
  assert.equal(message.author.kind, 'visitor');
  assert.equal(message.seq, 1);
  const mine = panel.getByTestId('parley-message').filter({ hasText: 'Hello, do you ship to Lyon?' });
  await waitFor(async () => (await mine.getAttribute('data-state')) === 'sent', { message: 'the visitor message to show sent' });

  await reply(agent, message.conversation_id, 'We do, in 2 days.');
  const answer = panel.getByTestId('parley-message').filter({ hasText: 'We do, in 2 days.' });
  await answer.waitFor({ state: 'visible' });
  assert.equal(await panel.getByTestId('parley-transcript').isHidden(), true, 'a server without email offers no transcript');
  assert.equal(await answer.getAttribute('data-author'), 'agent');
  assert.equal(await answer.getAttribute('data-seq'), '2');

  // The agent's read mark reaches the visitor's own message.
  await agent.request({ type: 'read', conversation_id: message.conversation_id, seq: 2 });
  await waitFor(async () => (await mine.getAttribute('data-state')) === 'read', { message: 'the visitor message to show read' });
});

test('markup in messages, agent names and site settings is shown as text and never runs', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, page } = await setup(t);
  const payload = (n) => `<img src=x onerror=window.${PWNED}=${n}>`;
  const agentName = `${payload(1)}<b>Eve</b>`;
  const title = `${payload(2)} Help`;
  const greeting = `<script>window.${PWNED}=3</script>Hi!`;
  assert.equal((await api(server, token, 'PATCH', '/me', { name: agentName })).status, 200);
  await patchSite(server, token, { settings: { title, greeting } });
  // The agent connects after the rename, so its frames carry the new name.
  const agent = await connectAgent(t, server, token);

  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  const fromVisitor = [
    payload(4),
    `<script>window.${PWNED}=5</script>`,
    `javascript:window.${PWNED}=6`,
    `see https://example.com/"><img src=x onerror=window.${PWNED}=7>`,
  ];
  for (const body of fromVisitor) await say(panel, body);
  const { message } = await agentSees(agent, fromVisitor[fromVisitor.length - 1]);
  await agent.request({ type: 'typing', conversation_id: message.conversation_id, state: 'on' });
  const typing = panel.getByTestId('parley-typing');
  await typing.waitFor({ state: 'visible' });
  assert.equal(await typing.textContent(), `${agentName} is typing…`);
  const fromAgent = `${payload(8)}<a href="javascript:window.${PWNED}=9">click</a>`;
  await reply(agent, message.conversation_id, fromAgent);
  const answer = panel.getByTestId('parley-message').filter({ hasText: 'click</a>' });
  await answer.waitFor({ state: 'visible' });

  // Every payload is there, letter for letter, as text.
  const bodies = (await shown(panel)).map((m) => m.body);
  assert.deepEqual(bodies, [...fromVisitor, fromAgent]);
  assert.equal(await answer.locator('.author').textContent(), agentName);
  await waitFor(async () => (await panel.getByTestId('parley-title').textContent()) === title, { message: 'the site title' });
  assert.equal(await panel.getByTestId('parley-greeting').textContent(), greeting);

  // Nothing ran, and no element was made from the markup.
  const frame = await panelFrame(page);
  const inPanel = await frame.evaluate((flag) => ({
    pwned: /** @type {any} */ (window)[flag] ?? null,
    img: document.querySelectorAll('img').length,
    script: document.querySelectorAll('body script').length,
    bold: document.querySelectorAll('b').length,
    links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
  }), PWNED);
  assert.deepEqual(inPanel, { pwned: null, img: 0, script: 0, bold: 0, links: ['https://example.com/'] });
  assert.equal(await page.evaluate((flag) => /** @type {any} */ (window)[flag] ?? null, PWNED), null);
});

for (const backend of ['sqlite', 'postgres']) {
  test(`messages typed while the server is killed and restarted arrive exactly once, in order (${backend})`, { timeout: 120_000 }, async (t) => {
    // No skip when Postgres is missing: the test command provides one (PARLEY_TEST_PG_URL), and
    // without it `startServer` fails this test saying so.
    await crashWhileTyping(t, backend === 'postgres');
  });
}

/** @param {import('node:test').TestContext} t @param {boolean} postgres */
async function crashWhileTyping(t, postgres) {
  const { server, host, agent, token, page } = await setup(t, { env: NO_LIMITS, postgres });
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  const bodies = Array.from({ length: 15 }, (_, i) => `message ${String(i + 1).padStart(2, '0')}`);

  for (const body of bodies.slice(0, 4)) await say(panel, body);
  const { message: first } = await agentSees(agent, bodies[0]);
  // A crash in the middle of a burst: some sends are committed and unacknowledged, some not sent.
  for (const body of bodies.slice(4, 7)) await say(panel, body);
  await server.kill();
  await panel.getByTestId('parley-connection').waitFor({ state: 'visible' });
  const offline = bodies.slice(7, 11);
  for (const body of offline) await say(panel, body);
  // What was typed while the server was down is kept in the host page, in typing order, after
  // whatever typed before the crash got no `sent` in time.
  const outboxBodies = async () => JSON.parse((await parleyKeys(page))['parley:outbox'] ?? '[]').map((/** @type {any} */ m) => m.body);
  const kept = await waitFor(async () => {
    const list = await outboxBodies();
    return offline.every((b) => list.includes(b)) ? list : null;
  }, { message: 'the messages typed during the outage in parley:outbox' });
  const typedSoFar = bodies.slice(0, 11);
  assert.deepEqual(kept, typedSoFar.filter((b) => kept.includes(b)), 'the outbox holds messages typed so far, each once, in typing order');
  assert.deepEqual(kept.slice(-offline.length), offline, 'the outbox ends with every message typed during the outage');
  await server.start();
  for (const body of bodies.slice(11)) await say(panel, body);

  // The panel: every message once, sent, in seq order.
  const settled = await waitFor(async () => {
    const list = await shown(panel);
    return list.length === bodies.length && list.every((m) => m.state === 'sent' || m.state === 'read') ? list : null;
  }, { timeout: 60_000, message: 'every message to show sent' });
  assert.deepEqual(settled.map((m) => m.body), bodies);
  assert.deepEqual(settled.map((m) => m.seq), bodies.map((_, i) => i + 1));
  await panel.getByTestId('parley-connection').waitFor({ state: 'hidden' });

  // The server: the same, stored once each.
  const again = await connectAgent(t, server, token);
  const synced = await again.request({ type: 'sync', conversation_id: first.conversation_id, after_seq: 0 });
  assert.deepEqual(synced.messages.map((/** @type {any} */ m) => m.body), bodies);
  assert.deepEqual(synced.messages.map((/** @type {any} */ m) => m.seq), bodies.map((_, i) => i + 1));
  assert.equal(new Set(synced.messages.map((/** @type {any} */ m) => m.client_msg_id)).size, bodies.length);
  assert.equal((await parleyKeys(page))['parley:outbox'], undefined, 'the outbox is empty');
}

test('a reload keeps the visitor and the conversation', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, page } = await setup(t, { env: NO_LIMITS });
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'Where is my order?');
  const { message } = await agentSees(agent, 'Where is my order?');
  await reply(agent, message.conversation_id, 'On its way.');
  await panel.getByTestId('parley-message').filter({ hasText: 'On its way.' }).waitFor();
  const before = await parleyKeys(page);
  assert.equal(before['parley:conversation'], message.conversation_id);
  assert.ok(before['parley:token']);

  await page.reload();
  // The chat was left open on a desktop: it opens again, with the conversation.
  const list = await waitFor(async () => {
    const items = await shown(panelOf(page));
    return items.length === 2 ? items : null;
  }, { message: 'the earlier messages after the reload' });
  assert.deepEqual(list.map((m) => [m.seq, m.author, m.body]), [[1, 'visitor', 'Where is my order?'], [2, 'agent', 'On its way.']]);
  assert.equal((await parleyKeys(page))['parley:conversation'], message.conversation_id);

  await say(panelOf(page), 'Thanks!');
  const { message: after } = await agentSees(agent, 'Thanks!');
  assert.equal(after.conversation_id, message.conversation_id);
  assert.equal(after.author.id, message.author.id, 'the same visitor');
  assert.equal(after.seq, 3);
});

test('a resolved conversation asks for a rating: stars by keyboard, errors inline, writing again hides it, never asked twice', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, token, page } = await setup(t, { env: NO_LIMITS });
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'Can I change my address?');
  const { message } = await agentSees(agent, 'Can I change my address?');
  const id = message.conversation_id;
  const prompt = panel.getByTestId('parley-rating');
  const resolve = async () => assert.equal((await api(server, token, 'PATCH', `/conversations/${id}`, { status: 'resolved' })).status, 200);
  assert.ok(await prompt.isHidden(), 'no prompt while the conversation is open');

  // Resolved by an agent: the prompt ends the timeline. Writing again hides it at once.
  await resolve();
  await prompt.waitFor({ state: 'visible' });
  const stars = panel.getByRole('radiogroup', { name: 'How was this conversation?' });
  assert.deepEqual(await stars.getByRole('radio').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label'))),
    ['1 star', '2 stars', '3 stars', '4 stars', '5 stars']);
  await stars.getByRole('radio', { name: '2 stars' }).click();
  await say(panel, 'Actually, one more thing');
  assert.ok(await prompt.isHidden(), 'hidden as soon as the visitor writes');
  await agentSees(agent, 'Actually, one more thing');
  assert.equal((await api(server, token, 'GET', `/conversations/${id}`)).body.status, 'open', 'the message reopened it');

  // Resolved again: a fresh prompt. Send without stars says so; the keyboard picks them.
  await resolve();
  await prompt.waitFor({ state: 'visible' });
  assert.equal(await stars.locator('[aria-checked="true"]').count(), 0, 'nothing chosen yet');
  await panel.getByTestId('parley-rating-submit').click();
  await panel.getByTestId('parley-rating-error').filter({ hasText: 'Choose from 1 to 5 stars.' }).waitFor();
  const frame = await panelFrame(page);
  const focused = () => frame.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? null);
  assert.equal(await focused(), '1 star', 'the focus goes to the stars');
  await page.keyboard.press('Space');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(), '4 stars');
  assert.equal(await stars.getByRole('radio', { name: '4 stars' }).getAttribute('aria-checked'), 'true');
  assert.equal(await stars.locator('[aria-checked="true"]').count(), 1);
  assert.ok(await panel.getByTestId('parley-rating-error').isHidden(), 'choosing clears the error');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Changed in a minute.');
  assert.equal(await panel.getByTestId('parley-rating-comment').inputValue(), 'Changed in a minute.');
  await animationsFinished(frame);
  await page.screenshot({ path: artifactPath('widget-rating.png') });

  // Parley is down: the error shows in the prompt, which keeps the choice and stays usable.
  await server.kill();
  await panel.getByTestId('parley-connection').waitFor({ state: 'visible' });
  await panel.getByTestId('parley-rating-submit').click();
  await panel.getByTestId('parley-rating-error').filter({ hasText: 'Your rating could not be sent. Please try again.' }).waitFor();
  assert.equal(await stars.getByRole('radio', { name: '4 stars' }).getAttribute('aria-checked'), 'true');
  assert.equal(await panel.getByTestId('parley-rating-comment').inputValue(), 'Changed in a minute.');
  assert.equal((await parleyKeys(page))['parley:rated'], undefined);
  await server.start();
  await panel.getByTestId('parley-connection').waitFor({ state: 'hidden', timeout: 30_000 });
  await panel.getByTestId('parley-rating-submit').click();
  await panel.getByTestId('parley-rating-thanks').filter({ hasText: 'Thanks for your feedback' }).waitFor();
  assert.ok(await prompt.isHidden());
  const rated = (await api(server, token, 'GET', `/conversations/${id}`)).body.rating;
  assert.deepEqual([rated?.score, rated?.comment], [4, 'Changed in a minute.']);
  assert.equal((await parleyKeys(page))['parley:rated'], id, 'the host page remembers it');

  // After a reload the chat is back, resolved, and does not ask again.
  await page.reload();
  await panelOf(page).getByTestId('parley-ended').waitFor({ state: 'visible' });
  await panelOf(page).getByTestId('parley-message').filter({ hasText: 'The visitor rated the conversation 4/5' }).waitFor();
  const thread = await shown(panelOf(page));
  assert.deepEqual(thread.filter((m) => m.author !== 'system').map((m) => m.body), ['Can I change my address?', 'Actually, one more thing']);
  // The server's activity lines: both resolutions and the rating, shown as system lines.
  const lines = thread.filter((m) => m.author === 'system').map((m) => m.body);
  assert.equal(lines.filter((l) => / resolved the conversation$/.test(l)).length, 2, JSON.stringify(lines));
  assert.ok(lines.includes('The visitor rated the conversation 4/5'), JSON.stringify(lines));
  assert.ok(await panelOf(page).getByTestId('parley-rating').isHidden(), 'not asked again');
  assert.ok(await panelOf(page).getByTestId('parley-rating-thanks').isHidden());
  await assertNoPageErrors(errors, {
    where: 'the page or the panel',
    // The socket's reconnect attempts while the server was killed on purpose.
    allowedConsoleErrors: [/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/visitor\?site_key=pk_\w+' failed/],
  });
});

test('a page loaded while the server is down starts the chat, and sends what was typed, once it is back', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, page } = await setup(t, { env: NO_LIMITS });
  /** @type {string[]} */
  const panelLoads = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/widget/panel.html') panelLoads.push(request.url());
  });
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'before the outage');
  await waitFor(async () => (await shown(panel))[0]?.state === 'sent', { message: 'the first message sent' });
  await server.kill();
  await say(panel, 'typed during the outage');
  await waitFor(async () => (await parleyKeys(page))['parley:outbox'], { message: 'the unsent message in the outbox' });

  // The visitor goes to another page of the shop while Parley is still down: the panel's own
  // page cannot load. The server comes back only once that load has failed.
  const panelFailed = page.waitForEvent('requestfailed', (request) => new URL(request.url()).pathname === '/widget/panel.html');
  await page.reload();
  const failed = await panelFailed;
  assert.match(failed.failure()?.errorText ?? '', /ERR_CONNECTION_REFUSED/, 'the panel page failed because Parley is down');
  await server.start();

  const list = await waitFor(async () => {
    const items = await shown(panelOf(page)).catch(() => []);
    return items.length === 2 && items.every((m) => m.state === 'sent') ? items : null;
  }, { timeout: 45_000, message: () => `the panel to start and send (panel loads: ${panelLoads.length})` });
  assert.deepEqual(list.map((m) => [m.seq, m.body]), [[1, 'before the outage'], [2, 'typed during the outage']]);
  const agent = await connectAgent(t, server, token);
  const conversationId = (await parleyKeys(page))['parley:conversation'];
  const synced = await agent.request({ type: 'sync', conversation_id: conversationId, after_seq: 0 });
  assert.deepEqual(synced.messages.map((/** @type {any} */ m) => m.body), ['before the outage', 'typed during the outage']);
});

test('a host page with a strict Content-Security-Policy needs only the Parley origin', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, page } = await setup(t);
  const parley = server.origin;
  const csp = `default-src 'none'; script-src ${parley}; frame-src ${parley}; connect-src ${parley}; style-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'`;
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() }), { 'Content-Security-Policy': csp }));

  const launcher = page.getByTestId('parley-launcher');
  await launcher.waitFor({ state: 'visible' });
  // Styled (its stylesheet was not refused): a round fixed button.
  const style = await launcher.evaluate((el) => {
    const s = getComputedStyle(el);
    return { position: s.position, width: s.width, height: s.height, radius: s.borderRadius };
  });
  assert.deepEqual(style, { position: 'fixed', width: '60px', height: '60px', radius: '50%' });

  const panel = await openChat(page);
  await say(panel, 'Strict page here');
  const { message } = await agentSees(agent, 'Strict page here');
  await reply(agent, message.conversation_id, 'Loud and clear');
  await panel.getByTestId('parley-message').filter({ hasText: 'Loud and clear' }).waitFor();

  await assertNoPageErrors(errors, { where: 'the strict page or the panel' });
});

test("the panel refuses to be framed by an origin outside the site's allowed_origins", { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, browser, page } = await setup(t);
  await patchSite(server, token, { allowed_origins: ['https://shop.example'] });
  /** @type {string[]} */
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const errors = await watchPageErrors(page);
  const config = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/widget/config');
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  assert.equal((await config).status(), 403);
  // The loader knows from the config: no launcher, no panel (longer than its 1.5 s reveal).
  await sleep(2000);
  assert.equal(await page.evaluate(() => document.title), 'Shop', 'the page is alive');
  assert.equal(await page.getByTestId('parley-launcher').isVisible(), false, 'no launcher');
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0, 'no panel frame');

  // A page that frames the panel itself, without the loader, is refused by the panel's CSP.
  const panelUrl = `${server.url}/widget/panel.html?site_key=${server.siteKey}#origin=${encodeURIComponent(host.origin)}`;
  /** @param {import('playwright-core').Page} p */
  const frameDirectly = (p) => p.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.id = 'direct';
    frame.src = src;
    document.body.appendChild(frame);
  }, panelUrl);
  await frameDirectly(page);
  await waitFor(() => errors.consoleErrors.some((e) => /violates the following Content Security Policy directive: "frame-ancestors [^"]*https:\/\/shop\.example"/.test(e)), { message: () => `the frame-ancestors refusal in ${JSON.stringify(errors.consoleErrors)}` });
  const direct = page.frames().find((f) => f !== page.mainFrame());
  assert.ok(direct, 'the iframe exists');
  // Chromium shows its error page in place of the refused document.
  assert.equal(await direct.evaluate(() => document.querySelector('script[src*="/widget/panel-"]') !== null).catch(() => false), false, "the panel's document is not there");
  assert.equal(await page.frameLocator('#direct').locator('[data-testid="parley-panel"]').count(), 0, 'no panel rendered');
  assert.deepEqual(sockets, [], 'no socket');

  // The control: framed the same way by an allowed origin, the panel's document loads.
  await patchSite(server, token, { allowed_origins: [host.origin] });
  const allowed = await (await browser.newContext()).newPage();
  await allowed.goto(host.url('/'));
  await frameDirectly(allowed);
  const panelDoc = await waitFor(() => allowed.frames().find((f) => /\/widget\/panel\.html/.test(f.url())), { message: 'the panel loaded for an allowed origin' });
  await waitFor(() => panelDoc.evaluate(() => !!document.querySelector('script[type="module"][src*="/widget/panel-"]')), { message: "the panel's document, with its script" });
});

test("the widget works on an origin in the site's allowed_origins", { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  await patchSite(server, token, { allowed_origins: [host.origin] });
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'from an allowed shop');
  await agentSees(agent, 'from an allowed shop', 5_000);
});

test('hostile global styles of the host page do not change the widget', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, browser } = await setup(t);
  const hostile = `<style>
    * { all: unset; font-size: 40px !important; line-height: 3 !important; display: block !important;
        box-sizing: content-box !important; color: red !important; }
    iframe { display: none !important; }
    button { visibility: hidden !important; width: 0 !important; }
    svg, span, div, path { display: none !important; }
    [data-testid], [class] { display: none !important; opacity: 0 !important; }
    parley-widget { display: none !important; position: absolute !important; left: -9999px !important;
                    opacity: 0 !important; visibility: hidden !important; transform: scale(0) !important; }
    body > * { z-index: -1 !important; pointer-events: none !important; }
  </style>`;
  const pages = {
    clean: host.page('/clean', hostHtml({ body: server.snippet() })),
    hostile: host.page('/hostile', hostHtml({ head: hostile, body: server.snippet() })),
  };

  /** @param {string} url @param {string} text */
  async function measure(url, text) {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(url);
    const launcher = page.getByTestId('parley-launcher');
    await launcher.waitFor({ state: 'visible' });
    const closed = await launcher.boundingBox();
    const h1 = await page.locator('h1').evaluate((el) => getComputedStyle(el).fontSize);
    const panel = await openChat(page); // a real click: fails if the launcher is hidden or covered
    await animationsFinished(page); // the opening transition
    const frame = await page.getByTestId('parley-frame').boundingBox();
    const open = await launcher.boundingBox();
    const composer = await panel.getByTestId('parley-composer').boundingBox();
    await say(panel, text);
    await agentSees(agent, text);
    const font = await panel.getByTestId('parley-composer').evaluate((el) => getComputedStyle(el).fontSize);
    await page.context().close();
    return { h1, widget: { closed, open, frame, composer, font } };
  }

  const clean = await measure(pages.clean, 'from a clean page');
  const hostileResult = await measure(pages.hostile, 'from a hostile page');
  assert.equal(hostileResult.h1, '40px', 'the hostile styles apply to the page');
  assert.notEqual(clean.h1, '40px');
  const { closed, frame } = clean.widget;
  assert.ok(closed && closed.width === 60 && closed.height === 60, `launcher ${JSON.stringify(closed)}`);
  assert.ok(frame && frame.width > 300, `panel ${JSON.stringify(frame)}`);
  assert.deepEqual(hostileResult.widget, clean.widget);
});

test('before the first open nothing is stored and no socket is opened', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, context, page } = await setup(t);
  /** @type {string[]} */
  const sockets = [];
  /** @type {string[]} */
  const panelRequests = [];
  page.on('websocket', (ws) => sockets.push(`page ${ws.url()}`)); // the page and all its frames
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/widget/')) panelRequests.push(request.url());
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketCreated', (event) => sockets.push(`cdp ${event.url}`)); // the host document

  const config = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/widget/config');
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  await config;
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  // Nothing must happen here, so this waits on purpose: as long as the loader's only timer
  // before an open (the launcher's 1.5 s reveal, cleared by the config answer seen above).
  // The same watchers then see the panel's socket and storage once the chat opens (below).
  await sleep(1500);
  const storage = () => page.evaluate(async () => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookie: document.cookie,
    indexedDB: (await indexedDB.databases()).map((db) => db.name),
  }));
  assert.deepEqual(sockets, []);
  assert.deepEqual(panelRequests, [], 'the panel is not loaded');
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0);
  assert.deepEqual(await storage(), { local: [], session: [], cookie: '', indexedDB: [] });
  assert.deepEqual(await context.cookies(), []);

  await openChat(page);
  // Seen by the same watcher that saw nothing before: the panel's socket, in its iframe.
  await waitFor(() => sockets.some((url) => url.startsWith(`page ${server.url.replace('http', 'ws')}/ws/visitor?site_key=`)), { message: 'the visitor socket' });
  const keys = await waitFor(async () => {
    const k = await parleyKeys(page);
    return k['parley:token'] ? k : null;
  }, { message: 'the token in the host page storage' });
  assert.equal(keys['parley:open'], '1');
  const local = await page.evaluate(() => Object.keys(localStorage));
  assert.deepEqual(local.filter((k) => !k.startsWith('parley:')), [], 'the widget stores only parley: keys');
  assert.deepEqual((await storage()).session, [], 'sessionStorage stays unused');
});

test('calls queued before the script loads are replayed; identify verifies the visitor, reset forgets it', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t, { env: NO_LIMITS });
  const site = await demoSite(server, token);
  assert.ok(site.identity_secret, 'the admin sees the identity secret');
  const hash = createHmac('sha256', site.identity_secret).update('u-42').digest('hex');
  const identity = { id: 'u-42', name: 'Ada Lovelace', email: 'ada@example.com', hash };
  const stub = `<script>
    window.Parley = window.Parley || function(){(Parley.q = Parley.q || []).push(arguments)};
    window.seen = { messages: [], opened: 0 };
    Parley('on', 'message', (m) => seen.messages.push(m.author.kind + ': ' + m.body));
    Parley('on', 'open', () => { seen.opened += 1; });
    Parley('identify', ${JSON.stringify(identity)});
    Parley('open');
    window.queuedBeforeLoad = Parley.q.length;
  </script>`;
  await page.goto(host.page('/', hostHtml({ head: stub, body: server.snippet() })));

  // Replayed in order once the script loaded: the panel is open, the handlers are on.
  await waitFor(() => page.evaluate(() => /** @type {any} */ (window).Parley.loaded === true), { message: 'the loader' });
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).queuedBeforeLoad), 4);
  const panel = panelOf(page);
  await panel.getByTestId('parley-composer').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).seen.opened), 1);
  assert.equal(await page.getByTestId('parley-launcher').getAttribute('aria-expanded'), 'true');

  await say(panel, 'Hello, I am Ada');
  const { message } = await agentSees(agent, 'Hello, I am Ada');
  const ada = await api(server, token, 'GET', `/conversations/${message.conversation_id}`);
  assert.equal(ada.body.visitor_verified, true, JSON.stringify(ada.body));
  assert.equal(ada.body.visitor_name, 'Ada Lovelace');
  await reply(agent, message.conversation_id, 'Hello Ada');
  await waitFor(async () => {
    const messages = await page.evaluate(() => /** @type {any} */ (window).seen.messages);
    return messages.includes('visitor: Hello, I am Ada') && messages.includes('agent: Hello Ada');
  }, { message: "the queued on('message') handler to see both messages" });
  const adaToken = (await parleyKeys(page))['parley:token'];

  // Logout: every parley: key goes at once, the panel empties and comes back as someone new.
  const left = await page.evaluate(() => {
    localStorage.setItem('shop:cart', '2 items');
    /** @type {any} */ (window).Parley('reset');
    return Object.keys(localStorage);
  });
  assert.deepEqual(left, ['shop:cart'], 'reset removes the parley: keys, and only those');
  await waitFor(async () => (await shown(panel)).length === 0, { message: 'the panel to forget the messages' });
  await waitFor(async () => {
    const token = (await parleyKeys(page))['parley:token'];
    return token && token !== adaToken ? token : null;
  }, { message: 'a new visitor token' });
  await say(panel, 'Who am I now?');
  const { message: anon } = await agentSees(agent, 'Who am I now?');
  assert.notEqual(anon.author.id, message.author.id, 'a new visitor');
  assert.notEqual(anon.conversation_id, message.conversation_id);
  const after = await api(server, token, 'GET', `/conversations/${anon.conversation_id}`);
  assert.equal(after.body.visitor_verified, false);
  assert.deepEqual((await shown(panel)).map((m) => m.body), ['Who am I now?'], "Ada's messages are not shown");
});

test('as served, the loader stays under 10 KB and the opened chat under 40 KB (gzip)', { timeout: TEST_TIMEOUT }, async (t) => {
  // German, so that a translation is part of what the chat loads (the worst case).
  const { server, host, page } = await setup(t, { contextOptions: { locale: 'de-DE' } });
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await waitFor(async () => (await parleyKeys(page))['parley:token'], { message: 'the welcome' });
  await waitFor(async () => (await panel.getByTestId('parley-composer').getAttribute('placeholder')) !== 'Write a message…', { message: 'the German strings' });
  // What the opened chat loaded, as the documents themselves record it: the host page's
  // resources (the loader) and the panel's page and resources.
  /** @param {import('playwright-core').Page | import('playwright-core').Frame} target */
  const loaded = (target) => target.evaluate(() => performance.getEntries()
    .filter((e) => e.entryType === 'navigation' || e.entryType === 'resource').map((e) => e.name));
  const names = [...await loaded(page), ...await loaded(await panelFrame(page))];
  const files = new Set(names.filter((href) => {
    const url = new URL(href);
    return url.origin === server.origin && (url.pathname === '/widget.js' || url.pathname.startsWith('/widget/'));
  }));

  // One request per kind: the loader, the panel's page, its one script and one stylesheet
  // (content-hashed names, dist/ built by scripts/build-web.mjs), the translation.
  const paths = [...files].map((href) => new URL(href).pathname).sort();
  assert.equal(paths.length, 5, `five files (${paths.join(', ')})`);
  for (const expected of ['/widget.js', '/widget/panel.html', /^\/widget\/panel-[0-9a-f]{12}\.js$/, /^\/widget\/panel-[0-9a-f]{12}\.css$/, '/widget/i18n/de.json']) {
    assert.ok(paths.some((p) => (typeof expected === 'string' ? p === expected : expected.test(p))), `${expected} was loaded (${paths.join(', ')})`);
  }
  let total = 0;
  /** @type {string[]} */
  const table = [];
  for (const href of files) {
    const { bytes, encoding, cacheControl } = await transferred(href);
    // Compressed, unless gzip would not make it smaller (a tiny file).
    if (encoding !== 'gzip') assert.ok(bytes < 512, `${href} is served compressed (${encoding}, ${bytes} B)`);
    // A content-hashed name never changes content: cached for good; anything else is revalidated.
    const hashed = /-[0-9a-f]{12}\.(js|css)$/.test(new URL(href).pathname);
    assert.equal(/\bimmutable\b/.test(cacheControl), hashed, `${href}: Cache-Control ${cacheControl}`);
    total += bytes;
    table.push(`${new URL(href).pathname}: ${bytes}`);
  }
  const loader = await transferred(`${server.url}/widget.js`);
  t.diagnostic(`loader ${loader.bytes} B; opened chat ${total} B in ${files.size} files: ${table.join(', ')}`);
  assert.ok(loader.bytes <= 10 * 1024, `loader ${loader.bytes} B > 10 KB`);
  assert.ok(total <= 40 * 1024, `opened chat ${total} B > 40 KB`);
});

test('the demo page loads without a single failed request (no favicon 404)', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, page } = await setup(t);
  const failed = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => failed.push(`failed ${request.url()}`));
  await page.goto(`${server.url}/demo`);
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await page.waitForLoadState('networkidle');
  assert.deepEqual(failed, []);
  // Headless Chromium asks for no favicon; a browser with a tab bar asks for /favicon.ico
  // unless the page names its icon (then nothing is fetched: it is inline).
  const icon = await page.evaluate(() => document.querySelector('link[rel~="icon"]')?.getAttribute('href'));
  assert.ok(icon && icon.startsWith('data:'), `the page names an inline icon: ${icon}`);
});

for (const device of [
  { name: 'desktop', options: { viewport: { width: 1280, height: 800 } } },
  { name: 'phone', options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } },
]) {
  test(`screenshots of the demo page, closed and open, on a ${device.name}`, { timeout: TEST_TIMEOUT }, async (t) => {
    const { server, page } = await setup(t, { contextOptions: device.options });
    await page.goto(`${server.url}/demo`);
    const launcher = page.getByTestId('parley-launcher');
    await launcher.waitFor({ state: 'visible' });
    await animationsFinished(page);
    await page.screenshot({ path: artifactPath(`widget-demo-${device.name}-closed.png`) });

    if (device.name === 'phone') await launcher.tap();
    else await launcher.click();
    const panel = panelOf(page);
    await panel.getByTestId('parley-composer').waitFor({ state: 'visible' });
    await waitFor(async () => (await parleyKeys(page))['parley:token'], { message: 'the welcome' });
    await animationsFinished(page);
    await animationsFinished(await panelFrame(page));
    await page.screenshot({ path: artifactPath(`widget-demo-${device.name}-open.png`) });

    const frame = await page.getByTestId('parley-frame').boundingBox();
    const viewport = device.options.viewport;
    if (device.name === 'phone') {
      assert.deepEqual(frame, { x: 0, y: 0, width: viewport.width, height: viewport.height }, 'full screen on a phone');
      await panel.getByTestId('parley-close').tap();
      await launcher.waitFor({ state: 'visible' });
    } else {
      assert.ok(frame && frame.width === 380 && frame.x + frame.width === viewport.width - 20, `panel ${JSON.stringify(frame)}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Routing: offline policies, the pre-chat form, the queue (issue #17)

/** Creates a team. @param {import('./harness.js').ParleyServer} server @param {string} token @param {Record<string, unknown>} team */
async function createTeam(server, token, team) {
  const created = await api(server, token, 'POST', '/teams', team);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

/**
 * Business hours that are closed now: open one hour a week on another day, and today and
 * tomorrow (UTC) closed by exception, so that no time of the run falls in a slot.
 */
function closedHours() {
  const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 3) % 7];
  return {
    time_zone: 'UTC',
    weekly: [{ day: weekday, from: '09:00', to: '10:00' }],
    exceptions: [{ date: day(0), closed: true }, { date: day(1), closed: true }],
  };
}

/** Clicks the launcher and waits for the panel's pre-chat or offline form. @param {import('playwright-core').Page} page */
async function openToForm(page) {
  await page.getByTestId('parley-launcher').click();
  const panel = panelOf(page);
  await panel.getByTestId('parley-form').waitFor({ state: 'visible' });
  return panel;
}

/** The id and text of the element that has the focus in the panel. @param {import('playwright-core').Page} page */
async function focusedInPanel(page) {
  return (await panelFrame(page)).evaluate(() => {
    const el = document.activeElement;
    const described = el?.getAttribute('aria-describedby');
    return {
      id: el?.id ?? '',
      invalid: el?.getAttribute('aria-invalid') ?? null,
      description: described ? document.getElementById(described)?.textContent ?? '' : '',
      label: el?.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent ?? '' : '',
    };
  });
}

test('outside business hours, a visitor leaves a message with the email the site requires first; the agent gets both', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, me, agent, page } = await setup(t);
  const team = await createTeam(server, token, { name: 'Support', agent_ids: [me.id], assignment: 'manual', hours: closedHours() });
  await patchSite(server, token, { team_id: team.id, settings: { offline: 'message', offline_email_required: true } });
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);

  // An agent is online, but the team is closed: the visitor is told replies come by email.
  await waitFor(async () => (await panel.getByTestId('parley-status').textContent()) === "We'll reply by email", { message: 'the offline status' });
  await panel.getByTestId('parley-email-form').waitFor({ state: 'visible' });
  assert.ok(await panel.getByTestId('parley-expected').isHidden(), 'no live reply time while closed');

  // The message is typed first: it waits (kept in the host page), and the email is asked for.
  await say(panel, 'Can I return a gift without the receipt?');
  const waiting = panel.getByTestId('parley-message').filter({ hasText: 'Can I return a gift without the receipt?' });
  await waitFor(async () => (await waiting.getAttribute('data-state')) === 'waiting', { message: 'the message to wait for the email' });
  assert.equal(await waiting.getByTestId('parley-message-state').textContent(), 'Waiting for your details');
  const input = panel.getByTestId('parley-email-input');
  await waitFor(() => input.evaluate((el) => el === document.activeElement), { message: 'the focus on the email input' });
  assert.equal(await panel.getByTestId('parley-email-intro').textContent(), "Please leave your email first: we'll send your message and reply there.");
  assert.equal(JSON.parse((await parleyKeys(page))['parley:outbox'] ?? '[]').length, 1, 'the waiting message is kept in the host page');
  await sleep(500); // nothing may reach the agent before the email
  assert.equal(agent.frames.filter((f) => f.type === 'message' && f.message.body.startsWith('Can I return')).length, 0);
  await animationsFinished(await panelFrame(page));
  await page.screenshot({ path: artifactPath('widget-offline-email-first.png') });

  await input.fill('not an email');
  await panel.getByTestId('parley-email-submit').click();
  await panel.getByTestId('parley-email-form').getByRole('alert').filter({ hasText: 'Please enter a valid email address.' }).waitFor();
  await input.fill('gift@example.com');
  await input.press('Enter');
  await waitFor(async () => (await waiting.getAttribute('data-state')) === 'sent', { message: 'the message sent once the email is given' });
  await panel.getByTestId('parley-email-done').filter({ hasText: "Thanks! We'll reply to gift@example.com." }).waitFor();

  // The agent: the message on its socket, the email on the conversation, and the lead's line.
  const { message } = await agentSees(agent, 'Can I return a gift without the receipt?');
  const conversation = (await api(server, token, 'GET', `/conversations/${message.conversation_id}`)).body;
  assert.equal(conversation.visitor_email, 'gift@example.com', JSON.stringify(conversation));
  assert.equal(conversation.team_id, team.id);
  const history = (await api(server, token, 'GET', `/conversations/${message.conversation_id}/messages`)).body.items;
  assert.deepEqual(history.map((/** @type {any} */ m) => [m.author.kind, m.kind, m.body]), [
    ['system', 'event', 'Left an email address: gift@example.com'],
    ['visitor', 'text', 'Can I return a gift without the receipt?'],
  ], 'the email reached the agents first (as a lead), then the message');
  // The system line shows in the visitor's timeline as a line, not a bubble, and is not unread.
  const line = panel.getByTestId('parley-message').filter({ hasText: 'Left an email address: gift@example.com' });
  await line.waitFor();
  assert.equal(await line.getAttribute('data-author'), 'system');
  assert.match(await line.getAttribute('class') ?? '', /\bevent\b/);
  assert.equal(await page.getByTestId('parley-badge').isHidden(), true);
  await assertNoPageErrors(errors, { where: 'the page or the panel' });
});

test('a visitor fills the pre-chat form (by keyboard, errors announced), chats, ends the chat and rates it; the agent sees the answers and the rating', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  await patchSite(server, token, {
    settings: {
      prechat: {
        enabled: true,
        fields: [
          { name: 'name', kind: 'text', label: 'Your name', required: true },
          { name: 'company', kind: 'text', label: 'Company', required: false },
          { name: 'phone', kind: 'phone', label: 'Phone', required: false },
          { name: 'topic', kind: 'select', label: 'Topic', required: true, options: ['Orders', 'Returns'] },
          { name: 'terms', kind: 'checkbox', label: 'I accept the terms', required: true },
        ],
      },
    },
  });
  /** @type {string[]} */
  const chunks = [];
  /** @type {string[]} */
  const chunkUrls = [];
  page.on('request', (request) => {
    const name = new URL(request.url()).pathname;
    if (!/^\/widget\/(forms|rating)-[0-9a-f]{12}\.js$/.test(name)) return;
    chunks.push(name.replace(/-[0-9a-f]{12}\.js$/, '').slice('/widget/'.length));
    chunkUrls.push(request.url());
  });
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openToForm(page);
  const form = panel.getByTestId('parley-form');
  assert.equal(await form.getAttribute('data-step'), 'prechat');
  assert.ok(await panel.getByTestId('parley-composer').isHidden(), 'the form comes before the first message');
  assert.deepEqual(chunks, ['forms'], 'the forms were loaded when needed; the rating prompt not yet');

  // Labels are bound to their controls; required ones say so.
  const name = panel.getByLabel('Your name');
  assert.equal(await name.getAttribute('required'), '');
  assert.equal(await panel.getByLabel('Company').getAttribute('required'), null);
  assert.equal(await panel.getByRole('combobox', { name: 'Topic' }).count(), 1);
  assert.equal(await panel.getByRole('checkbox', { name: 'I accept the terms' }).count(), 1);
  await animationsFinished(await panelFrame(page));
  await page.screenshot({ path: artifactPath('widget-prechat.png') });

  // Sent empty: each error is bound to its field, a summary is announced, the focus goes to the first.
  await panel.getByTestId('parley-form-submit').click();
  await panel.getByTestId('parley-form-error').filter({ hasText: 'Please check the answers marked below.' }).waitFor();
  assert.equal(await panel.getByTestId('parley-form-error').getAttribute('role'), 'alert');
  assert.deepEqual(await focusedInPanel(page), { id: 'parley-field-name', invalid: 'true', description: 'Please fill in this field.', label: 'Your name *' });
  const fieldErrors = await panel.getByTestId('parley-field-error').evaluateAll((nodes) => nodes.filter((n) => !n.hidden).map((n) => [n.getAttribute('data-field'), n.textContent]));
  assert.deepEqual(fieldErrors, [
    ['parley-field-name', 'Please fill in this field.'],
    ['parley-field-topic', 'Please fill in this field.'],
    ['parley-field-terms', 'Please tick this box.'],
    ['parley-form-message', 'Please fill in this field.'],
  ]);

  // By keyboard: type, Tab from field to field, choose, tick, write, send.
  await page.keyboard.type('Ada Lovelace');
  assert.equal(await name.getAttribute('aria-invalid'), null, 'typing clears the error');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Analytical Engines');
  await page.keyboard.press('Tab');
  await page.keyboard.type('call me maybe');
  await page.keyboard.press('Tab');
  assert.equal((await focusedInPanel(page)).id, 'parley-field-topic');
  await panel.getByRole('combobox', { name: 'Topic' }).selectOption('Returns');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Where is my parcel?');
  await page.keyboard.press('Enter'); // a new line in the message, not a send
  await panel.getByTestId('parley-form-submit').press('Enter');
  // The phone was not one: the focus goes to it, the rest is kept.
  await waitFor(async () => (await focusedInPanel(page)).id === 'parley-field-phone', { message: 'the focus on the bad phone number' });
  assert.deepEqual(await focusedInPanel(page), { id: 'parley-field-phone', invalid: 'true', description: 'Please enter a valid phone number.', label: 'Phone' });
  await page.keyboard.press('Control+A');
  await page.keyboard.type('+44 20 7946 0000');
  await panel.getByTestId('parley-form-submit').click();

  // prechat, then the message: the agent gets the message, and the answers on the visitor.
  const { message } = await agentSees(agent, 'Where is my parcel?');
  await panel.getByTestId('parley-composer').waitFor({ state: 'visible' });
  assert.ok(await panel.getByTestId('parley-form').isHidden(), 'answered: the composer is back');
  const conversation = (await api(server, token, 'GET', `/conversations/${message.conversation_id}`)).body;
  assert.equal(conversation.visitor_name, 'Ada Lovelace');
  const visitor = (await api(server, token, 'GET', `/visitors/${message.author.id}`)).body;
  assert.deepEqual(visitor.attributes, { company: 'Analytical Engines', phone: '+44 20 7946 0000', topic: 'Returns', terms: true }, JSON.stringify(visitor));

  // The chat goes on; the visitor ends it and rates it.
  await reply(agent, message.conversation_id, 'It left our warehouse this morning.');
  await panel.getByTestId('parley-message').filter({ hasText: 'It left our warehouse this morning.' }).waitFor();
  await say(panel, 'Great, thanks!');
  await agentSees(agent, 'Great, thanks!');
  await panel.getByTestId('parley-end').click();
  await panel.getByTestId('parley-end-confirm').click();
  const prompt = panel.getByTestId('parley-rating');
  await prompt.waitFor({ state: 'visible' });
  assert.deepEqual(chunks, ['forms', 'rating'], 'the rating prompt was loaded once needed');
  await prompt.getByRole('radio', { name: '5 stars' }).click();
  await panel.getByTestId('parley-rating-comment').fill('Quick and clear.');
  await panel.getByTestId('parley-rating-submit').click();
  await panel.getByTestId('parley-rating-thanks').filter({ hasText: 'Thanks for your feedback' }).waitFor();

  const rated = await waitFor(async () => (await api(server, token, 'GET', `/conversations/${message.conversation_id}`)).body.rating, { message: 'the rating on the conversation' });
  assert.deepEqual([rated.score, rated.comment], [5, 'Quick and clear.']);
  const frame = await agent.next((f) => f.type === 'conversation' && f.conversation.id === message.conversation_id && f.conversation.rating);
  assert.equal(frame.conversation.rating.score, 5, 'the agent is told live');
  // The lazily loaded chunks are served like the panel's script: compressed, cached for good.
  for (const href of chunkUrls) {
    const { encoding, cacheControl } = await transferred(href);
    assert.equal(encoding, 'gzip', href);
    assert.match(cacheControl, /\bimmutable\b/, `${href}: Cache-Control ${cacheControl}`);
  }
  await assertNoPageErrors(errors, { where: 'the page or the panel' });
});

test("offline 'form': while nobody is available, the offline form takes the answers, the email and the message", { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t);
  const host = await startHostServer(t);
  const { token } = await login(server);
  await patchSite(server, token, {
    settings: {
      offline: 'form',
      offline_message: 'We are closed. Leave your details and we will write back.',
      prechat: { enabled: true, fields: [{ name: 'order', kind: 'text', label: 'Order number', required: true, labels: { de: 'Bestellnummer' } }] },
    },
  });
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext()).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  // Nobody is online: the launcher is there (only `hidden` hides it), and opens to the form.
  const panel = await openToForm(page);
  const form = panel.getByTestId('parley-form');
  assert.equal(await form.getAttribute('data-step'), 'offline');
  assert.equal(await panel.getByTestId('parley-status').textContent(), "We'll reply by email");
  assert.equal(await form.locator('#parley-form-title').textContent(), 'We are closed. Leave your details and we will write back.');
  assert.ok(await panel.getByTestId('parley-composer').isHidden());
  assert.equal(await form.getByLabel('Email').getAttribute('required'), '', 'the email is required');
  assert.equal(await form.getByLabel('Message').getAttribute('required'), null, 'an email alone is a lead');
  await animationsFinished(await panelFrame(page));
  await page.screenshot({ path: artifactPath('widget-offline-form.png') });

  await form.getByLabel('Order number').fill('A-1042');
  await form.getByLabel('Email').fill('ada@example');
  await form.getByLabel('Message').fill('The parcel came damaged.');
  await panel.getByTestId('parley-form-submit').click();
  assert.deepEqual(await focusedInPanel(page), { id: 'parley-form-email', invalid: 'true', description: 'Please enter a valid email address.', label: 'Email *' });
  await page.keyboard.type('.com');
  await page.keyboard.press('Enter');

  // Sent as prechat, profile, message: the agents have a conversation with all three.
  const mine = panel.getByTestId('parley-message').filter({ hasText: 'The parcel came damaged.' });
  await waitFor(async () => (await mine.getAttribute('data-state')) === 'sent', { message: 'the message sent' });
  await panel.getByTestId('parley-composer').waitFor({ state: 'visible' });
  const conversationId = (await parleyKeys(page))['parley:conversation'];
  assert.ok(conversationId);
  const conversation = (await api(server, token, 'GET', `/conversations/${conversationId}`)).body;
  assert.equal(conversation.visitor_email, 'ada@example.com');
  const history = (await api(server, token, 'GET', `/conversations/${conversationId}/messages`)).body.items;
  assert.deepEqual(history.map((/** @type {any} */ m) => m.body), ['Left an email address: ada@example.com', 'The parcel came damaged.']);
  const visitor = (await api(server, token, 'GET', `/visitors/${history[1].author.id}`)).body;
  assert.deepEqual(visitor.attributes, { order: 'A-1042' });

  // Further messages need nothing more.
  await say(panel, 'Photos on request.');
  await waitFor(async () => (await shown(panel)).some((m) => m.body === 'Photos on request.' && m.state === 'sent'), { message: 'the second message sent' });
  await assertNoPageErrors(errors, { where: 'the page or the panel' });
});

test("offline 'hidden': no launcher while nobody is available; a launcher once an agent is online", { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t);
  const host = await startHostServer(t);
  const { token } = await login(server);
  await patchSite(server, token, { settings: { offline: 'hidden' } });
  const browser = await launchBrowser(t);
  const url = host.page('/', hostHtml({ body: server.snippet() }));

  const away = await (await browser.newContext()).newPage();
  const config = away.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/widget/config');
  await away.goto(url);
  const answer = await (await config).json();
  assert.equal(answer.available, false, JSON.stringify(answer));
  assert.equal(answer.offline ?? answer.settings?.offline, 'hidden');
  await away.getByTestId('parley-launcher').waitFor({ state: 'hidden' });
  // Hidden for good, not only until the 1.5 s reveal: that timer was cleared by the answer.
  await sleep(1600);
  assert.equal(await away.getByTestId('parley-launcher').isVisible(), false);
  assert.equal(await away.evaluate(() => /** @type {any} */ (window).Parley.loaded), true, 'the loader ran, and the page is alive');
  assert.equal(await away.locator('[data-testid="parley-frame"]').count(), 0, 'no panel');

  // An agent comes online: the next page shows the launcher, and the chat works.
  const agent = await connectAgent(t, server, token);
  const online = await (await browser.newContext()).newPage();
  await online.goto(url);
  const panel = await openChat(online);
  await say(panel, 'Hello, anyone?');
  await agentSees(agent, 'Hello, anyone?');
});

test('a conversation waiting for an agent shows its place in the queue, live, until an agent takes it', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, me, agent, browser } = await setup(t);
  // The only member is online but takes no conversation automatically (capacity 0): nobody is eligible.
  assert.equal((await api(server, token, 'PATCH', `/agents/${me.id}`, { capacity: 0 })).status, 200);
  const team = await createTeam(server, token, { name: 'Sales', agent_ids: [me.id], assignment: 'least_busy', hours: null });
  await patchSite(server, token, { team_id: team.id });
  const url = host.page('/', hostHtml({ body: server.snippet() }));

  /** A visitor of their own, who writes `text`. @param {string} text */
  async function visitor(text) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    const panel = await openChat(page);
    await waitFor(async () => (await panel.getByTestId('parley-status').textContent()) === "We're online", { message: 'the team available' });
    await say(panel, text);
    const { message } = await agentSees(agent, text);
    return { page, panel, conversationId: message.conversation_id };
  }

  const first = await visitor('First in line');
  const queue = first.panel.getByTestId('parley-queue');
  await queue.filter({ hasText: 'You are number 1 in the queue' }).waitFor();
  assert.equal(await queue.getAttribute('role'), 'status', 'read out when it changes');
  const second = await visitor('Second in line');
  await second.panel.getByTestId('parley-queue').filter({ hasText: 'You are number 2 in the queue' }).waitFor();
  await animationsFinished(await panelFrame(second.page));
  await second.page.screenshot({ path: artifactPath('widget-queue.png') });

  // The agent can take one: the oldest is assigned, the other moves up, live.
  assert.equal((await api(server, token, 'PATCH', `/agents/${me.id}`, { capacity: 1 })).status, 200);
  await queue.waitFor({ state: 'hidden' });
  await second.panel.getByTestId('parley-queue').filter({ hasText: 'You are number 1 in the queue' }).waitFor();
  const assigned = (await api(server, token, 'GET', `/conversations/${first.conversationId}`)).body;
  assert.equal(assigned.assignee_id, me.id);
  // Its "joined" line: a small centred system line, not a bubble, not unread.
  const joined = first.panel.getByTestId('parley-message').filter({ hasText: `${me.name} joined the conversation` });
  await joined.waitFor();
  assert.equal(await joined.getAttribute('data-author'), 'system');
  const look = await joined.evaluate((li) => ({ align: getComputedStyle(li).alignSelf, background: getComputedStyle(li.querySelector('.bubble') ?? li).backgroundColor, meta: li.querySelectorAll('.meta').length }));
  assert.deepEqual(look, { align: 'center', background: 'rgba(0, 0, 0, 0)', meta: 0 });
  await first.page.getByTestId('parley-launcher').click(); // closed: replies would be unread
  await reply(agent, first.conversationId, 'Hello, I am here.');
  await waitFor(async () => (await first.page.getByTestId('parley-badge').textContent()) === '1', { message: 'one unread reply' });

  // Once conversations have been answered, a newcomer is told the usual reply time. The server
  // keeps an unknown time for a few seconds (UNKNOWN_TTL): each reload is a new welcome.
  const third = await (await browser.newContext()).newPage();
  await third.goto(url);
  await openChat(third);
  const text = await waitFor(async () => {
    await third.reload();
    const expected = panelOf(third).getByTestId('parley-expected');
    await panelOf(third).getByTestId('parley-status').filter({ hasText: "We're online" }).waitFor();
    return (await expected.isVisible()) ? expected.textContent() : null;
  }, { timeout: 20_000, interval: 1000, message: 'the expected reply time in a welcome' });
  assert.match(text, /^Usually replies in (under a minute|about \d+ minutes?)$/);
});

test('a send the server refuses with conflict leads the visitor to the missing email, and the message is sent after it', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, context, page } = await setup(t);
  await patchSite(server, token, { settings: { offline_email_required: true } });
  // The panel will miss the news that nobody is available any more: the `agents` frames from
  // the server are dropped on their way, everything else goes through. Only the server knows
  // that this visitor must leave an email first.
  /** @type {string[]} */
  const dropped = [];
  await context.routeWebSocket(/\/ws\/visitor/, (ws) => {
    const upstream = ws.connectToServer();
    upstream.onMessage((data) => {
      if (String(data).includes('"type":"agents"')) dropped.push(String(data));
      else ws.send(data);
    });
  });
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await waitFor(async () => (await panel.getByTestId('parley-status').textContent()) === "We're online", { message: 'the agent online' });
  await agent.request({ type: 'status', status: 'away' });
  await waitFor(() => dropped.length > 0, { message: 'the agents frame (dropped)' });
  assert.equal(await panel.getByTestId('parley-status').textContent(), "We're online", 'the panel did not hear it');

  await say(panel, 'Still there?');
  const mine = panel.getByTestId('parley-message').filter({ hasText: 'Still there?' });
  await waitFor(async () => (await mine.getAttribute('data-state')) === 'waiting', { message: 'the refused message to wait, not fail' });
  assert.equal(await panel.getByTestId('parley-status').textContent(), "We'll reply by email", 'the refusal says nobody is available');
  const input = panel.getByTestId('parley-email-input');
  await waitFor(() => input.evaluate((el) => el === document.activeElement), { message: 'the focus on the email input' });
  assert.equal(await panel.getByTestId('parley-email-intro').textContent(), "Please leave your email first: we'll send your message and reply there.");
  await input.fill('late@example.com');
  await input.press('Enter');
  await waitFor(async () => (await mine.getAttribute('data-state')) === 'sent', { message: 'the message sent after the email' });

  const conversationId = (await parleyKeys(page))['parley:conversation'];
  const conversation = (await api(server, token, 'GET', `/conversations/${conversationId}`)).body;
  assert.equal(conversation.visitor_email, 'late@example.com');
  const bodies = (await api(server, token, 'GET', `/conversations/${conversationId}/messages`)).body.items.map((/** @type {any} */ m) => m.body);
  assert.deepEqual(bodies, ['Left an email address: late@example.com', 'Still there?'], 'stored once, after the email');
});

// ---------------------------------------------------------------------------------------------
// Transcripts by email, with a real SMTP server (tests/support/smtp_sink.py)

test('a visitor asks for the conversation by email: the widget asks for the address first, and the email has both sides', { timeout: TEST_TIMEOUT }, async (t) => {
  const smtp = await startSmtpSink(t);
  const { server, host, token, agent, page } = await setup(t, {
    env: { PARLEY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, PARLEY_MAIL_FROM: 'Support <support@shop.test>' },
  });
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  const action = panel.getByTestId('parley-transcript');
  assert.equal(await action.isHidden(), true, 'no conversation yet: nothing to email');

  const question = 'Can I return the kettle after 30 days?';
  await say(panel, question);
  const { message } = await agentSees(agent, question);
  const answer = 'Yes, within 60 days with the receipt.';
  const posted = await api(server, token, 'POST', `/conversations/${message.conversation_id}/messages`, { client_msg_id: randomUUID(), body: answer });
  assert.ok(posted.status === 200 || posted.status === 201, `the reply posted: ${posted.status} ${JSON.stringify(posted.body)}`);
  await panel.getByTestId('parley-message').filter({ hasText: answer }).waitFor({ state: 'visible' });

  // The action, by keyboard: labelled, and with no email known the email form asks first.
  await action.waitFor({ state: 'visible' });
  assert.equal(await action.getAttribute('aria-label'), 'Email me this conversation');
  await action.focus();
  await page.keyboard.press('Enter');
  const emailInput = panel.getByTestId('parley-email-input');
  await emailInput.waitFor({ state: 'visible' });
  await waitFor(() => emailInput.evaluate((node) => node === document.activeElement), { message: 'the focus on the email input' });
  assert.equal(await panel.getByTestId('parley-email-intro').textContent(), 'Where should we send this conversation?');
  assert.equal(await panel.getByTestId('parley-name-input').isHidden(), true);
  await emailInput.fill('not an email');
  await panel.getByTestId('parley-email-submit').click();
  assert.equal(smtp.messages().length, 0);
  await emailInput.fill('ada@example.com');
  await emailInput.press('Enter');
  const done = panel.getByTestId('parley-transcript-done');
  await done.waitFor({ state: 'visible' });
  assert.equal(await done.textContent(), 'Sent to ada@example.com');
  assert.equal(await done.getAttribute('role'), 'status');
  await panel.getByTestId('parley-email-form').waitFor({ state: 'hidden' });
  await waitFor(() => action.evaluate((node) => node === document.activeElement), { message: 'the focus back on the action' });

  const raw = await waitFor(() => smtp.messages()[0], { timeout: 30_000, interval: 100, message: () => `a transcript at the SMTP sink; the server's output:\n${server.tail()}` });
  const text = decodeQuotedPrintable(raw);
  assert.match(text, /^X-Envelope-To: ada@example\.com\r?$/mi, 'sent to the address the visitor gave');
  assert.match(text, /^From:.*support@shop\.test/mi);
  assert.ok(text.includes(question), `the visitor's message in the email:\n${text}`);
  assert.ok(text.includes(answer), `the agent's reply in the email:\n${text}`);
  const conversation = (await api(server, token, 'GET', `/conversations/${message.conversation_id}`)).body;
  assert.equal(conversation.visitor_email, 'ada@example.com', 'the address was left as the profile');
  assert.equal(smtp.messages().length, 1, 'one email');
  await assertNoPageErrors(errors, { where: 'the page or the panel' });
});
