// @ts-check
/**
 * The agents' desk at work (issue #20): the inbox on a phone, the tabs' counts, the mark of a
 * visitor who left an email, secrets kept masked, webhooks added one after another, no serious
 * accessibility violation (axe-core) on the dashboard and the widget, a conversation handled
 * with the keyboard alone, labels (made by an admin, put on a conversation, filtering the
 * inbox), a snooze that ends by itself, and the timeline's activity lines. Each test starts its
 * own server and browser.
 *
 *   PARLEY_BIN=target/debug/parley node --test --test-concurrency=1 tests/e2e/dashboard-desk.test.js
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  ADMIN,
  AgentSocket,
  LAPTOP,
  NO_LIMITS,
  api,
  artifactPath,
  assertNoPageErrors,
  demoSite,
  hostHtml,
  launchBrowser,
  login,
  openChat,
  openDashboard,
  panelFrame,
  signIn,
  startHostServer,
  startServer,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 90_000;
/** A phone held upright. */
const PHONE = Object.freeze({ width: 390, height: 844 });
/** axe-core's source, injected into each page (and the widget's frame) it checks. */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Frame} Frame */
/** @typedef {import('./harness.js').ParleyServer} ParleyServer */

// ---------------------------------------------------------------------------------------------
// Helpers

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

/** The inbox tabs' counts, e.g. `{mine: '0', open: '2', …}`. @param {Page} page */
function tabCounts(page) {
  return page.locator('[data-testid^="inbox-tab-count-"]').evaluateAll((nodes) =>
    Object.fromEntries(nodes.map((n) => [n.getAttribute('data-testid')?.replace('inbox-tab-count-', ''), n.textContent])));
}

/** @param {Page} page @param {Record<string, string>} expected */
async function countsAre(page, expected) {
  let last = {};
  await waitFor(async () => {
    last = await tabCounts(page);
    return Object.entries(expected).every(([tab, n]) => /** @type {any} */ (last)[tab] === n);
  }, { message: () => `tab counts ${JSON.stringify(expected)}, shown ${JSON.stringify(last)}` });
}

/** The element with the focus: its test id, or its tag. @param {Page} page */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? el.getAttribute('data-testid') ?? el.tagName.toLowerCase() : '';
  });
}

/**
 * Presses Tab (Shift+Tab with `back`) until the element matching `selector` has the focus.
 * @param {Page} page @param {string} selector @param {{back?: boolean, max?: number}} [options]
 */
async function tabTo(page, selector, { back = false, max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${selector} never got the focus by ${back ? 'Shift+Tab' : 'Tab'} (last: ${await focused(page)})`);
}

/**
 * Runs axe-core on a page or a frame (its source injected there) and returns the violations of
 * impact "serious" or "critical", each with a few of its elements.
 * @param {Page | Frame} target
 */
async function seriousViolations(target) {
  if (!(await target.evaluate(() => 'axe' in globalThis))) await target.addScriptTag({ content: AXE_SOURCE });
  return target.evaluate(async () => {
    const axe = /** @type {any} */ (globalThis).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations
      .filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
      .map((/** @type {any} */ v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((/** @type {any} */ n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
}

/** @param {Page | Frame} target @param {string} where */
async function assertAccessible(target, where) {
  const found = await seriousViolations(target);
  assert.deepEqual(found, [], `axe on ${where}:\n${JSON.stringify(found, null, 2)}`);
}

/**
 * The dashboard signed in, in a context that lets axe's script in (the page's CSP allows only
 * its own scripts).
 * @param {import('playwright-core').Browser} browser @param {ParleyServer} server @param {string} hash
 */
async function dashboardForAxe(browser, server, hash) {
  const context = await browser.newContext({ viewport: LAPTOP, bypassCSP: true });
  const page = await context.newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard${hash}`);
  await signIn(page, ADMIN);
  return { page, errors };
}

/** A webhook receiver on 127.0.0.1 answering 200. @param {import('./harness.js').Cleanup} t */
async function startReceiver(t) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve(undefined));
  }));
  return (/** @type {string} */ path) => `http://127.0.0.1:${port}${path}`;
}

// ---------------------------------------------------------------------------------------------
// Tests

test('on a 390 px phone the top bar is one row, the inbox fills the width, and a conversation opens full width with a way back', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const visitor = await connectVisitor(t, server);
  const id = await visitorSays(visitor, 'Hello from a phone-sized test');
  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: PHONE })).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard#/inbox/open`);
  await signIn(page, ADMIN);
  await inboxItem(page, id).waitFor();

  const bar = await page.getByTestId('topbar').boundingBox();
  assert.ok(bar && bar.height < 64, `the top bar is one row (${bar?.height} px high)`);
  const list = await page.getByTestId('inbox-list').boundingBox();
  assert.ok(list && Math.abs(list.width - PHONE.width) <= 1 && list.x <= 0.5, `the list fills the width (${JSON.stringify(list)})`);
  const scrollWidth = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? Infinity);
  assert.ok(scrollWidth <= PHONE.width, `no horizontal scroll (${scrollWidth} px)`);
  await page.screenshot({ path: artifactPath('desk-phone-inbox.png') });

  // The tools folded into the menu: opened, then closed by Escape with the focus back.
  assert.ok(await page.getByTestId('logout-button').isHidden());
  await page.getByTestId('topbar-menu-button').click();
  await page.getByTestId('logout-button').waitFor({ state: 'visible' });
  assert.equal(await page.getByTestId('topbar-menu-button').getAttribute('aria-expanded'), 'true');
  await page.getByTestId('mute-switch').focus();
  await page.keyboard.press('Escape');
  await page.getByTestId('logout-button').waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'topbar-menu-button');

  // A conversation: full width, the list gone, a way back.
  await inboxItem(page, id).click();
  await page.getByTestId('conversation').waitFor();
  const shown = await page.getByTestId('conversation').boundingBox();
  assert.ok(shown && Math.abs(shown.width - PHONE.width) <= 1, `the conversation is full width (${shown?.width})`);
  assert.ok(await page.getByTestId('inbox-list').isHidden());
  assert.ok((await page.evaluate(() => document.scrollingElement?.scrollWidth ?? Infinity)) <= PHONE.width);
  await page.screenshot({ path: artifactPath('desk-phone-conversation.png') });
  // The header's snooze menu stays on the screen.
  await page.getByTestId('snooze-button').click();
  const menu = await page.getByTestId('snooze-menu').boundingBox();
  assert.ok(menu && menu.x >= 0 && menu.x + menu.width <= PHONE.width, `the snooze menu is on the screen (${JSON.stringify(menu)})`);
  assert.ok((await page.evaluate(() => document.scrollingElement?.scrollWidth ?? Infinity)) <= PHONE.width);
  await page.keyboard.press('Escape');
  await page.getByTestId('snooze-menu').waitFor({ state: 'hidden' });
  await page.getByTestId('conversation-back').click();
  await page.getByTestId('inbox-list').waitFor({ state: 'visible' });
  await assertNoPageErrors(errors);
});

test('the inbox tabs count their conversations, live as they arrive, are assigned and resolved', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server);
  await countsAre(page, { mine: '0', queue: '0', unassigned: '0', open: '0' });

  const first = await visitorSays(await connectVisitor(t, server), 'First question');
  const second = await visitorSays(await connectVisitor(t, server), 'Second question');
  await countsAre(page, { mine: '0', queue: '2', unassigned: '2', open: '2' });
  assert.equal(await page.getByTestId('inbox-tab-count-resolved').count(), 0, 'resolved conversations are not counted');

  // Assigned to me: from unassigned to mine.
  await inboxItem(page, first).click();
  await page.getByTestId('assign-me').click();
  await countsAre(page, { mine: '1', queue: '1', unassigned: '1', open: '2' });

  // Resolved: out of mine and open.
  await page.getByTestId('resolve-button').click();
  await countsAre(page, { mine: '0', queue: '1', unassigned: '1', open: '1' });

  // Another agent's action arrives live too.
  const admin = await login(server);
  const { status } = await api(server, admin.token, 'PATCH', `/conversations/${second}`, { status: 'resolved' });
  assert.equal(status, 200);
  await countsAre(page, { mine: '0', queue: '0', unassigned: '0', open: '0' });
  await assertNoPageErrors(errors);
});

test('a conversation row shows a mail mark when the visitor left an email, live and after a reload', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server);
  const ada = await connectVisitor(t, server);
  const withEmail = await visitorSays(ada, 'Write back to me');
  const without = await visitorSays(await connectVisitor(t, server), 'No email here');
  await inboxItem(page, without).waitFor();
  await inboxItem(page, withEmail).waitFor();
  assert.equal(await page.getByTestId('inbox-item-email').count(), 0, 'no one left an email yet');

  // Ada leaves her email (the widget's email form sends a profile): the mark comes live.
  await ada.request({ type: 'profile', name: 'Ada', email: 'ada@example.com' });
  const mark = inboxItem(page, withEmail).getByTestId('inbox-item-email');
  await mark.waitFor();
  assert.equal(await mark.getAttribute('aria-label'), 'left an email');
  assert.equal(await page.getByRole('img', { name: 'left an email' }).count(), 1);
  assert.equal(await inboxItem(page, without).getByTestId('inbox-item-email').count(), 0);

  // From the API after a reload too.
  await page.reload();
  await inboxItem(page, withEmail).getByTestId('inbox-item-email').waitFor();
  assert.equal(await inboxItem(page, without).getByTestId('inbox-item-email').count(), 0);
  await assertNoPageErrors(errors);
});

test('the identity and webhook secrets stay masked until Reveal, and Copy copies them whole', { timeout: TEST_TIMEOUT }, async (t) => {
  const receiver = await startReceiver(t);
  const server = await startServer(t, { env: { ...NO_LIMITS, PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const admin = await login(server);
  const site = await demoSite(server, admin.token);
  const secret = site.identity_secret;
  assert.ok(secret.length > 8);
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server, ADMIN, `#/admin/sites/${site.id}`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  const bodyText = () => page.evaluate(() => document.body.innerText);

  // The site's identity secret.
  const shown = page.getByTestId('site-secret');
  await shown.waitFor();
  assert.equal(await shown.textContent(), `••••${secret.slice(-4)}`);
  assert.ok(!(await bodyText()).includes(secret), 'the identity secret is not in the page');
  await page.getByTestId('site-secret-copy').click();
  await page.getByTestId('site-secret-copy-status').filter({ hasText: 'Copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  assert.ok(!(await bodyText()).includes(secret), 'copying does not show it');
  await page.getByTestId('site-secret-reveal').click();
  assert.equal(await shown.textContent(), secret);
  assert.equal(await page.getByTestId('site-secret-reveal').getAttribute('aria-pressed'), 'true');
  await page.getByTestId('site-secret-reveal').click();
  assert.ok(!(await bodyText()).includes(secret), 'hidden again');

  // A new webhook's signing secret, shown once: masked too.
  await page.goto(`${server.url}/dashboard#/admin/webhooks`);
  await page.getByTestId('webhook-url').fill(receiver('/hook'));
  await page.getByTestId('webhook-create').click();
  const box = page.getByTestId('webhook-secret');
  await box.waitFor();
  const signing = await box.getByTestId('secret-value').inputValue();
  assert.match(signing, /^whsec_/);
  const visibleText = () => page.evaluate(() => document.body.innerText + [...document.querySelectorAll('input, textarea')]
    .filter((el) => /** @type {HTMLElement} */ (el).offsetParent !== null).map((el) => /** @type {HTMLInputElement} */ (el).value).join('\n'));
  assert.ok(!(await visibleText()).includes(signing), 'the signing secret is not shown');
  assert.equal(await box.getByTestId('secret-masked').textContent(), `••••${signing.slice(-4)}`);
  await box.getByTestId('secret-copy').click();
  await box.getByTestId('secret-copy-status').filter({ hasText: 'Copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), signing);
  await box.getByTestId('secret-reveal').click();
  await box.getByTestId('secret-value').waitFor({ state: 'visible' });
  assert.ok((await visibleText()).includes(signing), 'revealed');
  await assertNoPageErrors(errors);
});

test('two webhooks added one after the other through the form are both listed with their events', { timeout: TEST_TIMEOUT }, async (t) => {
  const receiver = await startReceiver(t);
  const server = await startServer(t, { env: { ...NO_LIMITS, PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server, ADMIN, '#/admin/webhooks');
  await page.getByTestId('webhooks-list').getByText('No webhooks yet.').waitFor();
  const box = (/** @type {string} */ event) => page.getByTestId(`webhook-event-${event}`);

  await page.getByTestId('webhook-url').fill(receiver('/one'));
  await box('conversation.created').check();
  await box('conversation.rated').check();
  await page.getByTestId('webhook-create').click();
  await page.getByTestId('webhook-secret').waitFor();
  await page.getByTestId('webhook-row').first().waitFor();
  // Back to the defaults: no URL, message.created alone.
  assert.equal(await page.getByTestId('webhook-url').inputValue(), '');
  assert.equal(await box('message.created').isChecked(), true, 'the default event is checked again');
  assert.equal(await box('conversation.created').isChecked(), false);

  await page.getByTestId('webhook-url').fill(receiver('/two'));
  await box('conversation.assigned').check();
  await page.getByTestId('webhook-create').click();
  await waitFor(async () => (await page.getByTestId('webhook-row').count()) === 2, { message: 'two webhooks listed' });
  assert.equal(await page.getByTestId('webhook-form-error').textContent(), '');

  const rows = await page.getByTestId('webhook-row').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('a')?.textContent, tr.children[1].textContent]));
  const byUrl = Object.fromEntries(rows);
  assert.equal(byUrl[receiver('/one')], 'conversation.created, conversation.rated, message.created');
  assert.equal(byUrl[receiver('/two')], 'conversation.assigned, message.created');
  const admin = await login(server);
  const listed = (await api(server, admin.token, 'GET', '/webhooks')).body.items;
  assert.equal(listed.length, 2);
  await assertNoPageErrors(errors);
});

test('axe finds no serious or critical violation in the inbox, a conversation, the settings pages, the profile and the widget', { timeout: 120_000 }, async (t) => {
  const server = await startServer(t, { env: { ...NO_LIMITS, PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const admin = await login(server);
  const site = await demoSite(server, admin.token);
  const visitor = await connectVisitor(t, server);
  const id = await visitorSays(visitor, 'Is this accessible?');
  await visitor.request({ type: 'profile', name: 'Ada', email: 'ada@example.com' });
  await api(server, admin.token, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.created'] });
  // A label and a priority on the conversation: its row and header show them.
  const label = (await api(server, admin.token, 'POST', '/labels', { name: 'Billing', color: '#d97706' })).body;
  assert.equal((await api(server, admin.token, 'PATCH', `/conversations/${id}`, { labels: [label.id], priority: 'urgent' })).status, 200);
  const browser = await launchBrowser(t);
  const { page, errors } = await dashboardForAxe(browser, server, '#/inbox/open');

  await inboxItem(page, id).waitFor();
  await assertAccessible(page, 'the inbox');
  await inboxItem(page, id).click();
  await page.locator('[data-testid="message"][data-seq="1"]').waitFor();
  await assertAccessible(page, 'an open conversation');
  await page.getByTestId('labels-button').click();
  await page.getByTestId('label-toggle').first().waitFor();
  await assertAccessible(page, 'the labels picker');
  await page.keyboard.press('Escape');
  await page.getByTestId('snooze-button').click();
  await page.getByTestId('snooze-hour').waitFor();
  await assertAccessible(page, 'the snooze menu');
  await page.keyboard.press('Escape');
  for (const [hash, ready] of [
    ['#/admin/sites', 'sites-list'],
    [`#/admin/sites/${site.id}`, 'site-secret'],
    ['#/admin/agents', 'agents-list'],
    ['#/admin/webhooks', 'webhook-row'],
    ['#/admin/labels', 'label-row'],
    ['#/profile', 'profile-name'],
  ]) {
    await page.goto(`${server.url}/dashboard${hash}`);
    await page.getByTestId(ready).first().waitFor();
    await assertAccessible(page, hash);
  }
  await assertNoPageErrors(errors);

  // The widget: the shop's page with the launcher, then the open panel's frame.
  const host = await startHostServer(t);
  host.page('/', hostHtml({ body: server.snippet() }));
  const shop = await (await browser.newContext({ bypassCSP: true })).newPage();
  await shop.goto(host.url('/'));
  await shop.getByTestId('parley-launcher').waitFor();
  await assertAccessible(shop, 'the shop page with the launcher');
  await openChat(shop);
  await assertAccessible(shop, 'the shop page with the panel open');
  await assertAccessible(await panelFrame(shop), 'the widget panel');
});

test('with the keyboard alone an agent opens a conversation, replies, takes it and resolves it; the focus is always visible', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const visitor = await connectVisitor(t, server);
  const id = await visitorSays(visitor, 'Can you help?');
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server);
  await inboxItem(page, id).waitFor();
  const kb = page.keyboard;

  // Open it from the list: Tab to its row, Enter. The reply box takes the focus.
  await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
  await tabTo(page, `[data-testid="inbox-item"][data-conversation-id="${id}"]`);
  const ring = await page.evaluate(() => {
    const style = getComputedStyle(/** @type {Element} */ (document.activeElement));
    return { outline: style.outlineStyle, width: style.outlineWidth, shadow: style.boxShadow };
  });
  assert.ok((ring.outline !== 'none' && ring.width !== '0px') || ring.shadow !== 'none', `the focused row shows it (${JSON.stringify(ring)})`);
  await kb.press('Enter');
  await page.getByTestId('conversation').waitFor();
  await waitFor(async () => (await focused(page)) === 'composer', { message: 'the reply box has the focus' });

  // Reply: type, Enter.
  await kb.type('Sure, on it.');
  await kb.press('Enter');
  await visitor.next((f) => f.type === 'message' && f.message.body === 'Sure, on it.');

  // Take it: Shift+Tab back to "Assign to me", Space; its focus ring is visible.
  await tabTo(page, '[data-testid="assign-me"]', { back: true });
  const buttonRing = await page.evaluate(() => {
    const style = getComputedStyle(/** @type {Element} */ (document.activeElement));
    return { outline: style.outlineStyle, width: style.outlineWidth, shadow: style.boxShadow };
  });
  assert.ok((buttonRing.outline !== 'none' && buttonRing.width !== '0px') || buttonRing.shadow !== 'none', `a focused button shows it (${JSON.stringify(buttonRing)})`);
  await kb.press('Space');
  const admin = await login(server);
  await waitFor(async () => (await api(server, admin.token, 'GET', `/conversations/${id}`)).body.assignee_id === admin.agent.id, { message: 'assigned to the admin' });

  // A dialog keeps the focus inside and gives it back: the shortcuts help, opened by "?".
  await tabTo(page, '[data-testid="resolve-button"]');
  await kb.press('?');
  await page.getByTestId('shortcuts-help').waitFor();
  for (let i = 0; i < 4; i++) {
    await kb.press('Tab');
    assert.ok(await page.evaluate(() => Boolean(document.activeElement?.closest('dialog'))), 'the focus stays in the dialog');
  }
  await kb.press('Escape');
  await page.getByTestId('shortcuts-help').waitFor({ state: 'detached' });
  assert.equal(await focused(page), 'resolve-button', 'the focus is back where it was');

  // Resolve: Enter on the focused button.
  await kb.press('Enter');
  await waitFor(async () => (await api(server, admin.token, 'GET', `/conversations/${id}`)).body.status === 'resolved', { message: 'resolved' });
  await page.getByTestId('conversation-status').filter({ hasText: /resolved/i }).waitFor();
  await assertNoPageErrors(errors);
});

test('an admin makes labels on their page; one put on a conversation from its header filters the inbox to it alone', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const admin = await login(server);
  const first = await visitorSays(await connectVisitor(t, server), 'A question about my invoice');
  const second = await visitorSays(await connectVisitor(t, server), 'Something is broken');
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server, ADMIN, '#/admin/labels');
  await page.getByTestId('labels-list').getByText('No labels yet.').waitFor();

  // Three labels through the form; the third renamed, then deleted.
  for (const [name, color] of [['Billing', '#16a34a'], ['Bug', '#dc2626'], ['Temporary', '#7c3aed']]) {
    await page.getByTestId('label-name').fill(name);
    await page.getByTestId('label-color').fill(color);
    await page.getByTestId('label-create').click();
    await page.getByTestId('label-row-chip').filter({ hasText: name }).waitFor();
  }
  const labels = () => api(server, admin.token, 'GET', '/labels').then((r) => /** @type {any[]} */ (r.body.items));
  const byName = Object.fromEntries((await labels()).map((l) => [l.name, l]));
  assert.deepEqual([byName.Billing?.color, byName.Bug?.color], ['#16a34a', '#dc2626']);
  const temporary = page.locator(`[data-testid="label-row"][data-label-id="${byName.Temporary.id}"]`);
  await temporary.getByTestId('label-row-name').fill('Later');
  await temporary.getByTestId('label-save').click();
  await waitFor(async () => (await labels()).some((l) => l.name === 'Later'), { message: 'renamed' });
  await page.getByTestId('label-row-chip').filter({ hasText: 'Later' }).waitFor();
  assert.equal(await page.getByTestId('label-name').inputValue(), '', 'the new label form is empty again');
  await page.locator(`[data-testid="label-row"][data-label-id="${byName.Temporary.id}"]`).getByTestId('label-delete').click();
  await page.getByTestId('confirm-ok').click();
  await waitFor(async () => (await labels()).length === 2, { message: 'deleted' });
  await page.locator(`[data-testid="label-row"][data-label-id="${byName.Temporary.id}"]`).waitFor({ state: 'detached' });

  // Billing on the first conversation, from its header; and a high priority.
  await page.goto(`${server.url}/dashboard#/inbox/open`);
  await inboxItem(page, first).click();
  await page.getByTestId('labels-button').click();
  await page.locator(`[data-testid="label-toggle"][data-label-id="${byName.Billing.id}"]`).check();
  await waitFor(async () => JSON.stringify((await api(server, admin.token, 'GET', `/conversations/${first}`)).body.labels) === JSON.stringify([byName.Billing.id]), { message: 'Billing on the first conversation' });
  await page.keyboard.press('Escape');
  await page.getByTestId('labels-menu').waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'labels-button', 'Escape gives the focus back to the button');
  await page.getByTestId('conversation-labels').getByText('Billing').waitFor();
  await inboxItem(page, first).getByTestId('inbox-item-label').filter({ hasText: 'Billing' }).waitFor();
  await page.getByTestId('priority-select').selectOption('high');
  await inboxItem(page, first).getByTestId('inbox-item-priority').filter({ hasText: 'High' }).waitFor();
  assert.equal((await api(server, admin.token, 'GET', `/conversations/${first}`)).body.priority, 'high');
  await page.screenshot({ path: artifactPath('desk-labels.png') });

  // The filter: Billing lists the first conversation alone, after a reload too (from the server).
  await page.getByTestId('inbox-label-filter').selectOption(byName.Billing.id);
  await waitFor(async () => (await page.getByTestId('inbox-item').count()) === 1, { message: 'one conversation listed' });
  assert.equal(await page.getByTestId('inbox-item').getAttribute('data-conversation-id'), first);
  await page.reload();
  await inboxItem(page, first).waitFor();
  assert.equal(await page.getByTestId('inbox-label-filter').inputValue(), byName.Billing.id, 'the filter is kept');
  assert.equal(await inboxItem(page, second).count(), 0);
  // Another agent's label arrives live: Bug on the second conversation, shown under that filter.
  await page.getByTestId('inbox-label-filter').selectOption(byName.Bug.id);
  await waitFor(async () => (await page.getByTestId('inbox-item').count()) === 0, { message: 'nothing carries Bug yet' });
  assert.equal((await api(server, admin.token, 'PATCH', `/conversations/${second}`, { labels: [byName.Bug.id] })).status, 200);
  await inboxItem(page, second).getByTestId('inbox-item-label').filter({ hasText: 'Bug' }).waitFor();
  assert.equal(await page.getByTestId('inbox-item').count(), 1);
  await page.getByTestId('inbox-label-filter').selectOption('');
  await waitFor(async () => (await page.getByTestId('inbox-item').count()) === 2, { message: 'both listed without a filter' });
  await assertNoPageErrors(errors);
});

test('a conversation snoozed from its header leaves the open tabs and comes back by itself when its time comes', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const admin = await login(server);
  const visitor = await connectVisitor(t, server);
  const id = await visitorSays(visitor, 'Call me back later');
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server);
  await inboxItem(page, id).click();
  const stored = async () => (await api(server, admin.token, 'GET', `/conversations/${id}`)).body;

  // A custom time six seconds ahead, in the agent's own time zone.
  await page.getByTestId('snooze-button').click();
  const until = await page.evaluate(() => {
    const d = new Date(Date.now() + 6000);
    const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  });
  await page.getByTestId('snooze-custom').fill(until);
  await page.getByTestId('snooze-custom-apply').click();
  await page.getByTestId('conversation-snoozed').waitFor();
  assert.ok((await stored()).snoozed_until, 'the server holds the snooze');
  await inboxItem(page, id).waitFor({ state: 'detached' });
  await countsAre(page, { open: '0', unassigned: '0', snoozed: '1' });
  await page.getByTestId('inbox-tab-snoozed').click();
  await inboxItem(page, id).getByTestId('inbox-item-snoozed').waitFor();
  await page.getByTestId('inbox-tab-open').click();
  await inboxItem(page, id).waitFor({ state: 'detached' });

  // Back by itself, without a reload; the server woke it too.
  await inboxItem(page, id).waitFor({ timeout: 15_000 });
  await countsAre(page, { open: '1', snoozed: '0' });
  await page.getByTestId('conversation-snoozed').waitFor({ state: 'hidden' });
  await waitFor(async () => (await stored()).snoozed_until === null, { timeout: 15_000, message: 'the server woke it' });

  // Snoozed for an hour from the menu, then Unsnooze.
  await page.getByTestId('snooze-button').click();
  await page.getByTestId('snooze-hour').click();
  await inboxItem(page, id).waitFor({ state: 'detached' });
  const hour = Date.parse((await stored()).snoozed_until) - Date.now();
  assert.ok(hour > 3500_000 && hour <= 3600_000, `an hour ahead (${hour} ms)`);
  await page.getByTestId('unsnooze-button').click();
  await inboxItem(page, id).waitFor();
  assert.equal((await stored()).snoozed_until, null);

  // Snoozed again; the visitor writing brings it back.
  await page.getByTestId('snooze-button').click();
  await page.getByTestId('snooze-tomorrow').click();
  await inboxItem(page, id).waitFor({ state: 'detached' });
  await visitorSays(visitor, 'Actually, one more thing');
  await inboxItem(page, id).waitFor();
  await countsAre(page, { open: '1', snoozed: '0' });
  assert.equal((await stored()).snoozed_until, null);
  await assertNoPageErrors(errors);
});

test('the timeline shows the activity lines: an assignment, the visitor ending the chat, a reopening; the visitor panel follows; the transcript downloads', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const admin = await login(server);
  const visitor = await connectVisitor(t, server);
  const id = await visitorSays(visitor, 'Hello there');
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server);
  await inboxItem(page, id).click();
  await page.locator('[data-testid="message"][data-seq="1"]').waitFor();
  await page.getByTestId('visitor-conversation-current').filter({ hasText: 'open' }).waitFor();
  const line = (/** @type {string} */ text) => page.locator('[data-testid="message"][data-kind="event"][data-author="system"]').filter({ hasText: text });
  const name = admin.agent.name;

  await page.getByTestId('assign-me').click();
  await line(`${name} joined the conversation`).waitFor();

  // The visitor ends the chat: the line, the status resolved in the header and the panel.
  await visitor.request({ type: 'end', conversation_id: id });
  await line('The visitor ended the chat').waitFor();
  await page.getByTestId('conversation-status').filter({ hasText: 'Resolved' }).waitFor();
  await page.getByTestId('visitor-conversation-current').filter({ hasText: 'resolved' }).waitFor();
  assert.equal(await page.getByTestId('visitor-conversation-current').getAttribute('data-status'), 'resolved');

  await page.getByTestId('reopen-button').click();
  await line(`${name} reopened the conversation`).waitFor();
  await page.getByTestId('visitor-conversation-current').filter({ hasText: 'open' }).waitFor();
  // System lines are centred, by nobody.
  const align = await line('The visitor ended the chat').evaluate((el) => getComputedStyle(el).alignSelf);
  assert.equal(align, 'center');
  const stored = (await api(server, admin.token, 'GET', `/conversations/${id}/messages`)).body.items;
  const shown = await page.locator('[data-testid="message"][data-kind="event"]').evaluateAll((els) => els.map((el) => el.querySelector('[data-testid="message-body"]')?.textContent));
  assert.deepEqual(shown, stored.filter((/** @type {any} */ m) => m.kind === 'event').map((/** @type {any} */ m) => m.body), 'every stored line is shown, in order');

  // "Download transcript": fetched with the agent's token, saved as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('transcript-download').click()]);
  assert.match(download.suggestedFilename(), /\.txt$/);
  const text = fs.readFileSync(/** @type {string} */ (await download.path()), 'utf8');
  for (const expected of ['Hello there', `${name} joined the conversation`, 'The visitor ended the chat']) assert.ok(text.includes(expected), `the transcript has “${expected}”:\n${text}`);
  assert.equal(await page.getByTestId('transcript-status').textContent(), '');
  await assertNoPageErrors(errors);
});
