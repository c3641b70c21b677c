// @ts-check
/**
 * The widget's header, its words while the connection or the agents are away, emoji, the
 * dashboard's appearance preview, a page of an origin the site does not allow, and the pages a
 * visitor saw before opening the chat (issue #20): a shop on another origin embeds the widget
 * with the contract's snippet, an agent answers from Node, each test with its own server.
 *
 *   PARLEY_BIN=target/debug/parley node --test tests/e2e/widget-desk.test.js
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import {
  ADMIN,
  NO_LIMITS,
  api,
  assertNoPageErrors,
  connectAgent,
  demoSite,
  hostHtml,
  launchBrowser,
  login,
  openChat,
  openDashboard,
  panelOf,
  patchSite,
  shown,
  sleep,
  startHostServer,
  startServer,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 90_000;

/** Types `text` in the composer and presses Enter. @param {import('playwright-core').FrameLocator} panel @param {string} text */
async function say(panel, text) {
  const composer = panel.getByTestId('parley-composer');
  await composer.fill(text);
  await composer.press('Enter');
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
async function setup(t, { env = {} } = {}) {
  const server = await startServer(t, { env });
  const host = await startHostServer(t);
  const { token } = await login(server);
  const agent = await connectAgent(t, server, token);
  const browser = await launchBrowser(t);
  const context = await browser.newContext();
  const page = await context.newPage();
  return { server, host, token, agent, browser, context, page };
}

/** The header's status line. @param {import('playwright-core').FrameLocator} panel */
const statusLine = (panel) => panel.getByTestId('parley-status').textContent();

/** The widget's own launcher icon, as the loader draws it in its shadow root. @param {import('playwright-core').Page} page */
function launcherIconMarkup(page) {
  return page.evaluate(() => {
    const root = document.querySelector('parley-widget')?.shadowRoot;
    return root?.querySelector('[data-testid="parley-launcher"] svg.c')?.outerHTML ?? null;
  });
}

// ---------------------------------------------------------------------------------------------

test('the header has an "End chat" control in words, apart from the control that hides the panel', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, page } = await setup(t);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'Hello there');
  await agentSees(agent, 'Hello there');

  const end = panel.getByRole('button', { name: 'End chat', exact: true });
  await end.waitFor({ state: 'visible' });
  assert.equal(await end.count(), 1);
  assert.equal((await end.innerText()).trim(), 'End chat', 'the control says what it does, not an icon that reads "minimise"');
  assert.equal(await end.getAttribute('data-testid'), 'parley-end');
  const close = panel.getByTestId('parley-close');
  assert.notEqual(await close.getAttribute('aria-label'), 'End chat', 'hiding the panel is another control');
  assert.equal(await close.locator('svg').count(), 1, 'the close control keeps its icon');
  assert.equal(await end.locator('svg').count(), 0, 'no icon to mistake for "minimise"');

  // It still ends the chat, after the confirmation.
  await end.click();
  await panel.getByTestId('parley-end-confirm').click();
  await panel.getByTestId('parley-ended').waitFor({ state: 'visible' });
});

test('the header status follows the connection: "Reconnecting…" while the server is down, who answers once back', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, page } = await setup(t, { env: NO_LIMITS });
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await waitFor(async () => (await statusLine(panel)) === "We're online", { message: 'the online line' });

  await server.stop();
  await panel.getByTestId('parley-connection').waitFor({ state: 'visible' });
  await waitFor(async () => (await statusLine(panel)) === 'Reconnecting…', { message: () => 'the header to say it reconnects' });
  assert.equal(await panel.getByTestId('parley-status').getAttribute('data-connection'), 'reconnecting');
  assert.equal(await panel.locator('.status.online').count(), 0, 'no green dot while disconnected');

  await server.start();
  // The agent's socket went with the old process: nobody is online until an agent is back.
  await waitFor(async () => (await statusLine(panel)) === "We'll reply by email", { timeout: 40_000, message: 'the availability line after the reconnection' });
  await panel.getByTestId('parley-connection').waitFor({ state: 'hidden' });
  await connectAgent(t, server, (await login(server)).token);
  await waitFor(async () => (await statusLine(panel)) === "We're online", { message: 'online again once an agent is' });
});

test('agents going away mid-conversation keep the thread and the composer: the last reply stays in view, the visitor writes on', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, page } = await setup(t);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'My parcel has not arrived');
  const { message } = await agentSees(agent, 'My parcel has not arrived');
  // Enough replies for the thread to scroll.
  for (let i = 1; i <= 8; i++) await reply(agent, message.conversation_id, `Checking step ${i} of your order, one moment please.`);
  const last = 'It left the warehouse this morning and arrives tomorrow.';
  await reply(agent, message.conversation_id, last);
  await panel.getByTestId('parley-message').filter({ hasText: last }).waitFor();

  agent.send({ type: 'status', status: 'away' });
  await panel.getByTestId('parley-away').waitFor({ state: 'visible' });
  assert.equal(await statusLine(panel), "We'll reply by email");
  assert.equal(await panel.getByTestId('parley-email-form').isVisible(), false, 'no email form in place of the thread');
  assert.equal(await panel.getByTestId('parley-composer').isEnabled(), true);
  assert.equal(await panel.getByTestId('parley-composer').isVisible(), true);

  // The last reply is wholly inside the scrolled thread, not cut off.
  const box = await panel.getByTestId('parley-message').filter({ hasText: last }).boundingBox();
  const view = await panel.getByTestId('parley-scroll').boundingBox();
  assert.ok(box && view, 'both are laid out');
  assert.ok(box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1, `the last reply ${JSON.stringify(box)} is in view ${JSON.stringify(view)}`);

  await say(panel, 'Thanks, I will wait');
  await agentSees(agent, 'Thanks, I will wait');
  const mine = panel.getByTestId('parley-message').filter({ hasText: 'Thanks, I will wait' });
  await waitFor(async () => (await mine.getAttribute('data-state')) === 'sent', { message: 'the message sent while agents are away' });

  // The email form comes only when asked for.
  await panel.getByTestId('parley-away-email').click();
  await panel.getByTestId('parley-email-form').waitFor({ state: 'visible' });
});

test('emoji: the picker is loaded at its first use, inserts at the caret by mouse or keyboard, and emoji arrive and show whole', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, agent, page } = await setup(t);
  /** @type {string[]} */
  const chunks = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/widget\/emoji-[0-9a-f]{12}\.js$/.test(path)) chunks.push(path);
  });
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  const composer = panel.getByTestId('parley-composer');
  const picker = panel.getByTestId('parley-emoji-picker');
  assert.deepEqual(chunks, [], 'the first open does not fetch the picker');
  assert.equal(await picker.count(), 0);

  // At the caret: "Great |job" becomes "Great 👍job".
  await composer.fill('Great job');
  await composer.evaluate((/** @type {HTMLTextAreaElement} */ c) => c.setSelectionRange(6, 6));
  await panel.getByTestId('parley-emoji').click();
  await picker.waitFor({ state: 'visible' });
  assert.equal(chunks.length, 1, 'one request for the picker');
  assert.equal(await panel.getByTestId('parley-emoji').getAttribute('aria-expanded'), 'true');
  await picker.locator('[data-emoji="👍"]').click();
  await picker.waitFor({ state: 'hidden' });
  assert.equal(await composer.inputValue(), 'Great 👍job');
  assert.equal(await composer.evaluate((el) => el === document.activeElement), true, 'the focus is back in the composer');

  // By keyboard: the arrows move, Escape closes (the panel stays open), Enter picks.
  await composer.fill('');
  const button = panel.getByTestId('parley-emoji');
  await button.focus();
  await button.press('Enter');
  await picker.waitFor({ state: 'visible' });
  const focused = () => picker.evaluate((grid) => grid.ownerDocument.activeElement?.getAttribute('data-emoji') ?? null);
  assert.equal(await focused(), '😀');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), '😃');
  await page.keyboard.press('Escape');
  await picker.waitFor({ state: 'hidden' });
  assert.equal(await button.evaluate((el) => el === document.activeElement), true, 'the focus is back on the emoji button');
  assert.equal(await composer.isVisible(), true, 'Escape closed the picker, not the chat');
  await button.press('Enter');
  await picker.waitFor({ state: 'visible' });
  for (let i = 0; i < 38; i++) await page.keyboard.press('ArrowRight'); // 😃 is 1, 👍 is 39
  assert.equal(await focused(), '👍');
  await page.keyboard.press('Enter');
  assert.equal(await composer.inputValue(), '👍');
  assert.equal(chunks.length, 1, 'the picker is fetched once');

  await composer.press('Enter');
  const { message } = await agentSees(agent, '👍');
  assert.equal(message.body, '👍', 'the emoji arrives intact');
  const thumb = panel.locator('[data-testid="parley-message"][data-author="visitor"] .bubble').filter({ hasText: '👍' });
  await thumb.waitFor();
  assert.match(await thumb.getAttribute('class') ?? '', /\bjumbo\b/, 'a message of one emoji is shown large');
  const font = await thumb.evaluate((el) => getComputedStyle(el).fontFamily);
  for (const family of ['Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji']) assert.ok(font.includes(family), `${family} in ${font}`);

  // Skin tones, families and flags, beside a link, come back whole; a link ends before an emoji.
  const body = 'Merci 👍🏽 👨‍👩‍👧 🇫🇷 see https://example.com/parcel👍 ok';
  await reply(agent, message.conversation_id, body);
  const answer = panel.getByTestId('parley-message').filter({ hasText: 'Merci' });
  await answer.waitFor();
  assert.equal((await shown(panel)).at(-1)?.body, body);
  assert.equal(await answer.locator('a').getAttribute('href'), 'https://example.com/parcel');
  assert.match(await answer.locator('.bubble').getAttribute('class') ?? '', /^bubble$/, 'text with emoji is not shown large');
  await assertNoPageErrors(errors, { where: 'the shop or the panel' });
});

test("the dashboard's appearance preview draws the widget's own launcher icon and the header's status line", { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t);
  const host = await startHostServer(t);
  const browser = await launchBrowser(t);
  const { token } = await login(server);
  const site = await demoSite(server, token);

  const shop = await (await browser.newContext()).newPage();
  await shop.goto(host.page('/', hostHtml({ body: server.snippet() })));
  await shop.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  const real = await launcherIconMarkup(shop);
  assert.ok(real, 'the real launcher has its icon');

  const { page, errors } = await openDashboard(browser, server, ADMIN, `#/admin/sites/${site.id}`);
  const launcher = page.getByTestId('preview-launcher');
  await launcher.waitFor();
  assert.equal(await launcher.locator('svg').evaluate((svg) => svg.outerHTML), real, 'the same icon, the same markup');
  const status = page.getByTestId('preview-status');
  await status.waitFor({ state: 'visible' });
  assert.equal((await status.textContent())?.trim(), "We're online");
  await page.getByLabel('Preview with agents online').uncheck();
  assert.equal((await status.textContent())?.trim(), "We'll reply by email");
  await assertNoPageErrors(errors, { where: 'the dashboard' });
});

test("a page of an origin the site does not allow gets no launcher, no panel, and one warning saying where to allow it", { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, browser, page } = await setup(t);
  await patchSite(server, token, { allowed_origins: ['https://elsewhere.example'] });
  /** @type {string[]} */
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('[parley]')) warnings.push(m.text());
  });
  /** @type {string[]} */
  const panelRequests = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/widget/panel')) panelRequests.push(r.url());
  });
  const errors = await watchPageErrors(page);
  const config = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/widget/config');
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  assert.equal((await config).status(), 403);
  // Nothing must show: longer than the loader's 1.5 s reveal and than a panel retry.
  await sleep(3000);
  assert.equal(await page.evaluate(() => document.title), 'Shop', 'the page is alive');
  assert.equal(await page.getByTestId('parley-launcher').isVisible(), false, 'no launcher');
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0, 'no panel frame');
  assert.deepEqual(panelRequests, [], 'the panel is never asked for');
  assert.deepEqual(warnings, [`[parley] this page's origin (${host.origin}) is not allowed for this site: add it in the dashboard under Settings → Sites`]);
  // The page cannot open it either.
  await page.evaluate(() => /** @type {any} */ (window).Parley('open'));
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0);
  await assertNoPageErrors(errors, {
    where: 'the shop',
    // Chromium reports the refused config request itself (the answer the loader reads).
    allowedConsoleErrors: [/\/api\/v1\/widget\/config\?site_key=\S+: Failed to load resource: the server responded with a status of 403/],
  });

  // The control: once the shop's origin is allowed, the launcher shows.
  await patchSite(server, token, { allowed_origins: [host.origin] });
  const allowed = await (await browser.newContext()).newPage();
  await allowed.goto(host.url('/'));
  await allowed.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await openChat(allowed);
});

/** Pages /a, /b… of the shop, each with the snippet, a title and links to the others. @param {any} server @param {any} host @param {string[]} names */
function shopPages(server, host, names) {
  const links = names.map((n) => `<a href="/${n}">to ${n}</a>`).join(' ');
  for (const name of names) host.page(`/${name}`, hostHtml({ head: `<title>Page ${name}</title>`, body: `${links}${server.snippet()}` }).replace('<title>Shop</title>', ''));
}

/** The paths of a visitor's pages as the agents' API lists them, oldest first. */
async function pathsSeen(server, token, visitorId) {
  const profile = await api(server, token, 'GET', `/visitors/${visitorId}`);
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  return profile.body.pages.map((/** @type {any} */ p) => new URL(p.url).pathname).reverse();
}

/** The `parley:` keys of the shop's storage. @param {import('playwright-core').Page} page */
const parleyKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('parley:')).sort());

test('before the first open nothing is stored, yet the pages of that page load (the one that led there, single-page navigation) reach the agent', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  shopPages(server, host, ['a', 'b']);
  await page.goto(host.url('/a'));
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await page.getByRole('link', { name: 'to b' }).click(); // /b, with /a as its referrer
  await page.waitForURL(host.url('/b'));
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.referrer), host.url('/a'));
  await page.evaluate(() => {
    document.title = 'Page c';
    history.pushState({}, '', '/c');
  });
  await waitFor(async () => (await page.evaluate(() => location.pathname)) === '/c');
  assert.deepEqual(await parleyKeys(page), [], 'nothing stored before the first open');
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0, 'no panel, so no socket');

  await openChat(page);
  const { visitor } = await agent.next((f) => f.type === 'visitor' && f.visitor.page?.url === host.url('/c'));
  await waitFor(async () => (await pathsSeen(server, token, visitor.id)).length === 3, { message: 'three pages recorded' });
  assert.deepEqual(await pathsSeen(server, token, visitor.id), ['/a', '/b', '/c']);
  await waitFor(() => page.evaluate(() => localStorage.getItem('parley:pages') === null), { message: 'the pages forgotten once the hello carried them' });
});

test('after a first open, the pages of later page loads are kept until the panel connects, and arrive once each', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  shopPages(server, host, ['a', 'b', 'c', 'd']);
  await page.goto(host.url('/a'));
  const panel = await openChat(page);
  const { visitor } = await agent.next((f) => f.type === 'visitor' && f.visitor.page?.url === host.url('/a'));
  await waitFor(() => page.evaluate(() => localStorage.getItem('parley:pages') === null), { message: 'this page carried by the hello' });
  await panel.getByTestId('parley-close').click();
  await waitFor(async () => (await page.evaluate(() => localStorage.getItem('parley:open'))) === '0');

  // No conversation: the next pages load no panel, but are kept.
  await page.goto(host.url('/b'));
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await page.reload();
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await page.goto(host.url('/c'));
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0, 'no panel for pages alone');
  const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('parley:pages') ?? '[]'));
  assert.deepEqual(kept.map((/** @type {any} */ p) => new URL(p.url).pathname), ['/b', '/c'], 'a reload is not a new page');
  assert.equal(kept[0].title, 'Page b');
  assert.match(kept[0].seen_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  await page.goto(host.url('/d'));
  await openChat(page);
  await agent.next((f) => f.type === 'visitor' && f.visitor.id === visitor.id && f.visitor.page?.url === host.url('/d'));
  await waitFor(() => page.evaluate(() => localStorage.getItem('parley:pages') === null), { message: 'the pages forgotten once the hello carried them' });
  await waitFor(async () => (await pathsSeen(server, token, visitor.id)).length >= 4, { message: 'four pages recorded' });
  assert.deepEqual(await pathsSeen(server, token, visitor.id), ['/a', '/b', '/c', '/d']);
});

/** A 16×16 red PNG, for an agent's picture. */
const PNG_16 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR42mM4YWNDEmIY1TCqYfhqAACrxkAQIHrJ+wAAAABJRU5ErkJggg==', 'base64');

/** The signed-in agent's profile. @param {any} server @param {string} token */
async function me(server, token) {
  const { status, body } = await api(server, token, 'GET', '/me');
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

/** An image of the panel, once it has loaded: its `src` and natural width. @param {import('playwright-core').Locator} img */
async function loadedImage(img) {
  await waitFor(() => img.evaluate((/** @type {HTMLImageElement} */ i) => i.complete && i.naturalWidth > 0), { message: 'the picture to load' });
  return img.evaluate((/** @type {HTMLImageElement} */ i) => ({ tag: i.tagName, src: i.src, alt: i.getAttribute('alt'), width: i.naturalWidth }));
}

test("the assignee's picture and name show in the header and beside its replies, and follow a change of name live", { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  const errors = await watchPageErrors(page);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'Who will help me?');
  const { message } = await agentSees(agent, 'Who will help me?');
  const header = panel.getByTestId('parley-assignee');
  assert.equal(await header.isVisible(), false, 'nobody assigned yet');

  const put = await fetch(`${server.url}/api/v1/me/avatar`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' }, body: PNG_16 });
  const profile = await put.json();
  assert.equal(put.status, 200, JSON.stringify(profile));
  assert.match(profile.avatar_url, /^\/avatars\/[A-Za-z0-9]{32}$/);
  const assigned = await api(server, token, 'PATCH', `/conversations/${message.conversation_id}`, { assignee_id: (await me(server, token)).id });
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));

  await header.waitFor({ state: 'visible' });
  await waitFor(async () => (await panel.getByTestId('parley-assignee-name').textContent()) === profile.name, { message: "the assignee's name in the header" });
  const picture = await loadedImage(panel.getByTestId('parley-assignee-avatar'));
  assert.equal(picture.tag, 'IMG');
  assert.ok(picture.src.endsWith(profile.avatar_url), picture.src);
  assert.equal(picture.alt, '', 'decorative: the name is beside it');
  const round = await panel.getByTestId('parley-assignee-avatar').evaluate((i) => getComputedStyle(i).borderRadius);
  assert.equal(round, '50%');

  // Its reply has the same picture beside it.
  await reply(agent, message.conversation_id, 'I will, one moment.');
  const answer = panel.locator('[data-testid="parley-message"][data-author="agent"]').filter({ hasText: 'I will, one moment.' });
  await answer.waitFor();
  const beside = await loadedImage(answer.getByTestId('parley-avatar'));
  assert.ok(beside.src.endsWith(profile.avatar_url), beside.src);

  // A new name shows at once, without a reload.
  const renamed = await api(server, token, 'PATCH', '/me', { name: 'Alice Martin' });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  await waitFor(async () => (await panel.getByTestId('parley-assignee-name').textContent()) === 'Alice Martin', { message: 'the new name in the header' });
  assert.ok((await loadedImage(panel.getByTestId('parley-assignee-avatar'))).src.endsWith(profile.avatar_url), 'the picture stays');
  await reply(agent, message.conversation_id, 'Here I am.');
  const next = panel.locator('[data-testid="parley-message"][data-author="agent"]').filter({ hasText: 'Here I am.' });
  await next.waitFor();
  await assertNoPageErrors(errors, { where: 'the shop or the panel (the picture allowed by the panel CSP)' });
});

test('an agent without a picture shows its initial; another agent\'s reply shows its initial, not the assignee\'s picture', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'Hello');
  const { message } = await agentSees(agent, 'Hello');
  const self = await me(server, token);
  assert.equal((await api(server, token, 'PATCH', `/conversations/${message.conversation_id}`, { assignee_id: self.id })).status, 200);
  const initial = panel.getByTestId('parley-assignee-avatar');
  await initial.waitFor();
  assert.equal(await initial.evaluate((n) => n.tagName), 'SPAN');
  assert.equal(await initial.textContent(), Array.from(self.name)[0].toUpperCase());
  await reply(agent, message.conversation_id, 'Hi!');
  const answer = panel.locator('[data-testid="parley-message"][data-author="agent"]').filter({ hasText: 'Hi!' });
  await answer.waitFor();
  assert.equal(await answer.getByTestId('parley-avatar').textContent(), Array.from(self.name)[0].toUpperCase());
});

test('activity lines: an assignment and the visitor ending the chat show as centred lines in the widget', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  await page.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(page);
  await say(panel, 'Anyone there?');
  const { message } = await agentSees(agent, 'Anyone there?');
  const self = await me(server, token);
  assert.equal((await api(server, token, 'PATCH', `/conversations/${message.conversation_id}`, { assignee_id: self.id })).status, 200);
  const joined = panel.locator('[data-testid="parley-message"][data-author="system"]').filter({ hasText: `${self.name} joined the conversation` });
  await joined.waitFor();
  /** @param {import('playwright-core').Locator} line */
  const centred = (line) => line.evaluate((li) => {
    const list = /** @type {HTMLElement} */ (li.parentElement).getBoundingClientRect();
    const box = li.getBoundingClientRect();
    return { align: getComputedStyle(li).textAlign, left: box.left - list.left, right: list.right - box.right };
  });
  const place = await centred(joined);
  assert.equal(place.align, 'center');
  assert.ok(Math.abs(place.left - place.right) <= 2, `centred in the list: ${JSON.stringify(place)}`);

  await panel.getByTestId('parley-end').click();
  await panel.getByTestId('parley-end-confirm').click();
  const ended = panel.locator('[data-testid="parley-message"][data-author="system"]').filter({ hasText: 'The visitor ended the chat' });
  await ended.waitFor();
  assert.equal((await centred(ended)).align, 'center');
  assert.deepEqual((await shown(panel)).filter((m) => m.author === 'system').map((m) => m.body), [`${self.name} joined the conversation`, 'The visitor ended the chat']);
});

/**
 * A site rule that opens the chat on the pricing pages after a second, from the admin.
 * @param {any} server @param {string} token
 */
async function pricingRule(server, token) {
  const self = await me(server, token);
  await patchSite(server, token, { settings: { proactive: [{ id: 'plans', message: 'Questions about plans?', agent_id: self.id, url: '/pricing*', delay_s: 1 }] } });
  return self;
}

/** The shop's pricing and about pages. @param {any} server @param {any} host */
function pricingPages(server, host) {
  for (const path of ['/pricing', '/about']) host.page(path, hostHtml({ body: server.snippet() }));
}

test('a proactive message opens the chat on the pages its rule names, after its delay, once per browser', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, page } = await setup(t);
  const self = await pricingRule(server, token);
  pricingPages(server, host);
  // The settings are at the top level of the answer.
  const config = await (await fetch(`${server.url}/api/v1/widget/config?site_key=${server.siteKey}`)).json();
  assert.deepEqual(config.proactive.map((/** @type {any} */ r) => [r.id, r.agent?.name]), [['plans', self.name]], 'the widget gets the rule with its agent');

  const loaded = Date.now();
  await page.goto(host.url('/pricing'));
  const greeting = panelOf(page).getByTestId('parley-proactive');
  await greeting.waitFor({ state: 'visible' });
  assert.ok(Date.now() - loaded >= 1000, 'not before its delay');
  assert.equal(await greeting.locator('.bubble').textContent(), 'Questions about plans?');
  assert.equal(await panelOf(page).getByTestId('parley-proactive-agent').textContent(), self.name, 'from the named agent');
  assert.equal(await page.getByTestId('parley-launcher').getAttribute('aria-expanded'), 'true', 'the chat is open');
  assert.ok(await panelOf(page).getByTestId('parley-greeting').isHidden(), 'in place of the greeting');
  assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem('parley:proactive') ?? '[]')), ['plans']);
  await panelOf(page).getByTestId('parley-close').click();

  // Shown once per browser: a reload, then another page, open nothing by themselves.
  await page.reload();
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await sleep(2500);
  assert.equal(await page.getByTestId('parley-launcher').getAttribute('aria-expanded'), 'false', 'not shown again');
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0);

  const other = await (await page.context().browser()?.newContext())?.newPage();
  assert.ok(other);
  await other.goto(host.url('/about'));
  await other.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await sleep(2500);
  assert.equal(await other.locator('[data-testid="parley-frame"]').count(), 0, 'no rule for /about');
  assert.deepEqual(await parleyKeys(other), [], 'nothing stored either');
});

test('the visitor answers a proactive message: the agent gets the greeting, then the answer', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, host, token, agent, page } = await setup(t);
  const self = await pricingRule(server, token);
  pricingPages(server, host);
  /** @type {any[]} */
  const sends = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    const frame = JSON.parse(String(f.payload));
    if (frame.type === 'send') sends.push(frame);
  }));
  await page.goto(host.url('/pricing'));
  const panel = panelOf(page);
  await panel.getByTestId('parley-proactive').waitFor({ state: 'visible' });
  await say(panel, 'Which plan has SSO?');
  const { message } = await agentSees(agent, 'Which plan has SSO?');
  assert.equal(sends[0]?.proactive, 'plans', 'the first send names the rule');
  const history = await api(server, token, 'GET', `/conversations/${message.conversation_id}/messages`);
  assert.equal(history.status, 200, JSON.stringify(history.body));
  const texts = history.body.items.filter((/** @type {any} */ m) => m.kind === 'text').map((/** @type {any} */ m) => [m.author.kind, m.author.name, m.body]);
  assert.deepEqual(texts, [['agent', self.name, 'Questions about plans?'], ['visitor', texts[1]?.[1], 'Which plan has SSO?']]);
  // In the widget the greeting is now a message of the conversation, shown once.
  await waitFor(async () => (await shown(panel)).filter((m) => m.body === 'Questions about plans?').length === 1 && (await panel.getByTestId('parley-proactive').count()) === 0, { message: 'the greeting once, as a message' });
});

test('with nobody online, a proactive rule shows nothing', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t);
  const host = await startHostServer(t);
  const { token } = await login(server);
  await pricingRule(server, token);
  pricingPages(server, host);
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext()).newPage();
  await page.goto(host.url('/pricing'));
  await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await sleep(2500);
  assert.equal(await page.locator('[data-testid="parley-frame"]').count(), 0, 'no panel');
  assert.deepEqual(await parleyKeys(page), []);
});
