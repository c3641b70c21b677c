// @ts-check
/**
 * The people around the desk: contacts (visitors as people, searched and filtered by an
 * attribute, each with its conversations), an agent's picture and name reaching the visitor,
 * a site's refused embeds allowed in one click, proactive messages set in the site's settings,
 * and no serious accessibility violation (axe-core) on those pages. Each test starts its own
 * server and browser.
 *
 *   PARLEY_BIN=target/debug/parley node --test --test-concurrency=1 tests/e2e/desk-people.test.js
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
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
  patchSite,
  signIn,
  startHostServer,
  startServer,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 90_000;
/** A 16×16 red PNG: an agent's picture. */
const PNG_16 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR42mM4YWNDEmIY1TCqYfhqAACrxkAQIHrJ+wAAAABJRU5ErkJggg==', 'base64');
/** axe-core's source, put into the pages it checks. */
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('./harness.js').ParleyServer} ParleyServer */

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * A visitor over a plain WebSocket, welcomed with `identity` (or none).
 * @param {import('./harness.js').Cleanup} t @param {ParleyServer} server @param {object | null} identity
 */
async function visitorSocket(t, server, identity) {
  const visitor = new AgentSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?site_key=${server.siteKey}`);
  t.after(() => visitor.close());
  await visitor.opened;
  visitor.welcome = await visitor.request({ type: 'hello', token: null, identity });
  return visitor;
}

/** The visitor writes; resolves with the conversation's id. @param {AgentSocket} visitor @param {string} body */
async function writes(visitor, body) {
  const reply = await visitor.request({ type: 'send', client_msg_id: randomUUID(), body });
  return /** @type {string} */ (reply.message.conversation_id);
}

/** An identity signed as the business's server signs it (HMAC of the user id). @param {string} secret @param {string} id @param {object} rest */
function signed(secret, id, rest) {
  return { id, hash: createHmac('sha256', secret).update(id).digest('hex'), ...rest };
}

/** The contacts listed, by name. @param {Page} page */
function listed(page) {
  return page.getByTestId('contact-link').allTextContents();
}

/** Waits until the list shows exactly `names`. @param {Page} page @param {string[]} names */
async function listShows(page, names) {
  let last = /** @type {string[]} */ ([]);
  await waitFor(async () => {
    last = await listed(page);
    return JSON.stringify(last) === JSON.stringify(names);
  }, { message: () => `the contacts ${JSON.stringify(names)}, listed ${JSON.stringify(last)}` });
}

/** The violations of impact serious or critical that axe finds in the page. @param {Page} page @param {string} where */
async function assertAccessible(page, where) {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    const { violations } = await /** @type {any} */ (globalThis).axe.run(document, { resultTypes: ['violations'] });
    return violations.filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
      .map((/** @type {any} */ v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 4).map((/** @type {any} */ n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
  assert.deepEqual(found, [], `axe on ${where}:\n${JSON.stringify(found, null, 2)}`);
}

/** Presses Tab until the element matching `selector` has the focus. @param {Page} page @param {string} selector */
async function tabTo(page, selector) {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} never got the focus by Tab`);
}

/** Two visitors who wrote: Grace (identified, plan gold) and an anonymous one who gave an email. @param {import('./harness.js').Cleanup} t @param {ParleyServer} server @param {string} token */
async function twoVisitors(t, server, token) {
  const site = await demoSite(server, token);
  const grace = await visitorSocket(t, server, signed(site.identity_secret, 'u-gold-1', { name: 'Grace Hopper', email: 'grace@example.com', attributes: { plan: 'gold', seats: 12 } }));
  const graceConversation = await writes(grace, 'Hello from Grace');
  const sam = await visitorSocket(t, server, { email: 'sam@example.net' });
  const samConversation = await writes(sam, 'Hello from Sam');
  return { site, grace, graceConversation, sam, samConversation };
}

// ---------------------------------------------------------------------------------------------
// Tests

for (const postgres of [false, true]) {
  test(`contacts are searched by email and filtered by an attribute (${postgres ? 'Postgres' : 'SQLite'})`, { timeout: TEST_TIMEOUT }, async (t) => {
    const server = await startServer(t, { postgres, env: NO_LIMITS });
    const { token } = await login(server);
    const { graceConversation } = await twoVisitors(t, server, token);
    const browser = await launchBrowser(t);
    const { page, errors } = await openDashboard(browser, server);

    await page.getByTestId('nav-contacts').click();
    await page.getByTestId('contacts-page').waitFor();
    assert.equal(await page.getByTestId('nav-contacts').getAttribute('aria-current'), 'page');
    // Identified visitors first.
    await listShows(page, ['Grace Hopper', 'sam@example.net']);
    const grace = page.locator('[data-testid="contact-row"]').first();
    assert.equal(await grace.getByTestId('contact-verified').count(), 1, 'Grace is verified');
    assert.deepEqual(await grace.getByTestId('contact-attribute').allTextContents(), ['plan: gold', 'seats: 12']);
    assert.equal(await grace.getByTestId('contact-conversations').textContent(), '1');
    assert.equal(await page.locator('[data-testid="contact-row"]').nth(1).getByTestId('contact-verified').count(), 0);

    // By email: Sam alone.
    await page.getByTestId('contacts-search').fill('sam@example.net');
    await page.getByTestId('contacts-search').press('Enter');
    await listShows(page, ['sam@example.net']);

    // A filter not written as name:value is refused before asking.
    await page.getByTestId('contacts-search').fill('');
    await page.getByTestId('contacts-attribute').fill('gold');
    await page.getByTestId('contacts-submit').click();
    await waitFor(async () => (await page.getByTestId('contacts-attribute-error').textContent())?.includes('name:value'), { message: 'the filter refused' });
    assert.equal(await page.getByTestId('contacts-attribute').getAttribute('aria-invalid'), 'true');

    // plan:gold: Grace alone; identified only: Grace too.
    await page.getByTestId('contacts-attribute').fill('plan:gold');
    await page.getByTestId('contacts-attribute').press('Enter');
    await listShows(page, ['Grace Hopper']);
    await page.getByTestId('contacts-attribute').fill('');
    await page.getByTestId('contacts-identified').check();
    await listShows(page, ['Grace Hopper']);

    // Grace's page: her attributes and her conversation, which opens in the inbox.
    await page.getByTestId('contact-link').click();
    await page.getByTestId('contact-facts').waitFor();
    assert.match(page.url(), /#\/contacts\/[0-9a-f-]{36}$/);
    assert.equal(await page.getByTestId('contact-external-id').textContent(), 'u-gold-1');
    assert.equal(await page.getByTestId('contact-detail-email').textContent(), 'grace@example.com');
    assert.equal(await page.getByTestId('contact-online').getAttribute('data-online'), 'true');
    const rows = await page.getByTestId('contact-attribute-row').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('td')?.textContent]));
    assert.deepEqual(rows, [['plan', 'gold'], ['seats', '12']]);
    const conversation = page.getByTestId('contact-conversation');
    assert.equal(await conversation.count(), 1);
    assert.equal(await conversation.getAttribute('data-conversation-id'), graceConversation);
    assert.match(await conversation.textContent() ?? '', /Hello from Grace/);
    await conversation.click();
    await page.getByTestId('conversation').waitFor();
    assert.ok(page.url().endsWith(`#/c/${graceConversation}`));
    assert.ok(await page.getByTestId('contacts-page').count() === 0, 'the contacts page is gone');
    // The visitor panel shows her attributes and leads back to her as a contact.
    const attribute = page.locator('[data-testid="visitor-attribute"][data-name="plan"]');
    await attribute.waitFor();
    assert.equal(await attribute.textContent(), 'gold');
    await page.getByTestId('visitor-contact-link').click();
    await page.getByTestId('contact-facts').waitFor();
    assert.equal(await page.getByTestId('contact-external-id').textContent(), 'u-gold-1');
    await assertNoPageErrors(errors, { where: 'the dashboard' });
  });
}

test("an agent's new picture and name reach the visitor", { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const host = await startHostServer(t);
  const { token, agent: admin } = await login(server);
  const browser = await launchBrowser(t);
  const shop = await (await browser.newContext()).newPage();
  await shop.goto(host.page('/', hostHtml({ body: server.snippet() })));
  const panel = await openChat(shop);
  await panel.getByTestId('parley-composer').fill('Is anyone there?');
  await panel.getByTestId('parley-composer').press('Enter');
  const agentToken = token;
  const conversationId = await waitFor(async () => {
    const { body } = await api(server, agentToken, 'GET', '/conversations?status=open');
    return body.items[0]?.id;
  }, { message: 'the conversation' });
  const assigned = await api(server, token, 'PATCH', `/conversations/${conversationId}`, { assignee_id: admin.id });
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
  await waitFor(async () => (await panel.getByTestId('parley-assignee-name').textContent()) === admin.name, { message: "the assignee's name first" });

  const { page, errors } = await openDashboard(browser, server, ADMIN, '#/profile');
  await page.getByTestId('profile-page').waitFor();
  assert.equal(await page.getByTestId('profile-avatar-remove').isVisible(), false, 'no picture to remove yet');
  await page.getByTestId('profile-avatar-file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: PNG_16 });
  assert.equal(await page.getByTestId('profile-avatar').getAttribute('data-state'), 'preview');
  await page.getByTestId('profile-avatar-upload').click();
  await waitFor(async () => (await page.getByTestId('profile-avatar').getAttribute('data-state')) === 'saved', { message: 'the picture saved' });
  const { body: me } = await api(server, token, 'GET', '/me');
  assert.match(me.avatar_url, /^\/avatars\//);
  // The top bar shows it too.
  await page.getByTestId('me-avatar').waitFor({ state: 'visible' });
  assert.ok((await page.getByTestId('me-avatar').getAttribute('src'))?.endsWith(me.avatar_url));

  await page.getByTestId('profile-name').fill('Ada Lovelace');
  await page.getByTestId('profile-name-save').click();
  await waitFor(async () => (await page.getByTestId('me-name').textContent()) === 'Ada Lovelace', { message: 'the new name in the top bar' });

  // The signature is saved, and kept.
  await page.getByTestId('profile-signature').fill('Ada\nSupport team');
  await page.getByTestId('profile-signature-save').click();
  await waitFor(async () => (await page.getByTestId('profile-signature-status').textContent()) === 'Saved.', { message: 'the signature saved' });
  assert.equal((await api(server, token, 'GET', '/me')).body.signature, 'Ada\nSupport team');

  // The visitor's header follows without a reload: the new name, the picture.
  await waitFor(async () => (await panel.getByTestId('parley-assignee-name').textContent()) === 'Ada Lovelace', { message: 'the new name in the widget' });
  const picture = panel.getByTestId('parley-assignee-avatar');
  await waitFor(() => picture.evaluate((i) => i instanceof HTMLImageElement && i.complete && i.naturalWidth > 0), { message: 'the picture in the widget' });
  assert.ok((await picture.getAttribute('src'))?.endsWith(me.avatar_url));

  // The dashboard's timeline shows it beside the agent's reply.
  const replied = await api(server, token, 'POST', `/conversations/${conversationId}/messages`, { client_msg_id: randomUUID(), kind: 'text', body: 'Here I am.' });
  assert.equal(replied.status, 201, JSON.stringify(replied.body));
  await page.goto(`${server.url}/dashboard#/c/${conversationId}`);
  const beside = page.locator('[data-testid="message"][data-author="agent"]').getByTestId('message-avatar');
  await beside.waitFor();
  assert.ok((await beside.getAttribute('src'))?.endsWith(me.avatar_url));
  await page.getByTestId('me-name').click();
  await page.getByTestId('profile-page').waitFor();

  // Removed: the initial again, in the profile and the top bar.
  await waitFor(async () => (await page.getByTestId('profile-avatar').getAttribute('data-state')) === 'saved', { message: 'the picture shown again' });
  await page.getByTestId('profile-avatar-remove').click();
  await waitFor(async () => (await page.getByTestId('profile-avatar').getAttribute('data-state')) === 'none', { message: 'the picture removed' });
  await page.getByTestId('me-avatar').waitFor({ state: 'detached' });
  assert.equal((await api(server, token, 'GET', '/me')).body.avatar_url, null);
  await assertNoPageErrors(errors, { where: 'the dashboard' });
});

test('refused embeds are shown and one click allows them', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const host = await startHostServer(t);
  const { token } = await login(server);
  const site = await patchSite(server, token, { allowed_origins: ['https://elsewhere.example'] });
  const browser = await launchBrowser(t);
  const shop = await (await browser.newContext()).newPage();
  const shopUrl = host.page('/', hostHtml({ body: server.snippet() }));
  await shop.goto(shopUrl);
  await waitFor(async () => (await api(server, token, 'GET', `/sites/${site.id}/refused-origins`)).body.items.length > 0, { message: 'the refusal noted' });
  // The loader hides its launcher once the config is refused.
  await shop.getByTestId('parley-launcher').waitFor({ state: 'hidden' });

  const { page, errors } = await openDashboard(browser, server, ADMIN, `#/admin/sites/${site.id}`);
  const item = page.locator(`[data-testid="site-refused-item"][data-origin="${host.origin}"]`);
  await item.waitFor();
  assert.match(await page.getByTestId('site-refused').textContent() ?? '', /tried to show the chat and were refused/);
  assert.match(await item.textContent() ?? '', /1 time|\d+ times/);
  await item.getByTestId('site-refused-allow').click();
  await page.getByTestId('site-refused').waitFor({ state: 'hidden' });
  await waitFor(async () => (await page.getByTestId('site-refused-status').textContent())?.includes(host.origin), { message: 'the origin said allowed' });
  // Both, in the server's order.
  const both = [host.origin, 'https://elsewhere.example'].sort();
  assert.deepEqual((await page.getByTestId('site-origins').inputValue()).split('\n').sort(), both);
  const { body: held } = await api(server, token, 'GET', `/sites/${site.id}`);
  assert.deepEqual([...held.allowed_origins].sort(), both);

  await shop.reload();
  await shop.getByTestId('parley-launcher').waitFor({ state: 'visible' });
  await assertNoPageErrors(errors, { where: 'the dashboard' });
});

test('a proactive message rule is saved from the site settings', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const { token, agent: admin } = await login(server);
  const site = await demoSite(server, token);
  const browser = await launchBrowser(t);
  const { page, errors } = await openDashboard(browser, server, ADMIN, `#/admin/sites/${site.id}`);
  await page.getByTestId('site-proactive-empty').waitFor();

  await page.getByTestId('site-proactive-add').click();
  const row = page.getByTestId('site-proactive-row');
  assert.equal(await focusedTestId(page), 'site-proactive-message', 'the new message has the focus');
  // An empty message is refused before asking, at its field.
  await page.getByTestId('site-proactive-save').click();
  await waitFor(async () => (await page.getByTestId('site-proactive-error').textContent())?.includes('write what the visitor reads'), { message: 'the empty message refused' });
  assert.equal(await row.getByTestId('site-proactive-message').getAttribute('aria-invalid'), 'true');

  // A control character is the server's to refuse (422): said next to the form, at the message.
  await row.getByTestId('site-proactive-message').fill('Ring\u0007');
  await page.getByTestId('site-proactive-save').click();
  await waitFor(async () => (await page.getByTestId('site-proactive-error').textContent())?.startsWith('settings.proactive[0].message'), {
    message: "the server's refusal, shown",
  });
  assert.equal(await row.getByTestId('site-proactive-message').getAttribute('aria-invalid'), 'true');

  await row.getByTestId('site-proactive-message').fill('Questions about our plans?');
  await waitFor(async () => (await row.getByTestId('site-proactive-agent').inputValue()) === admin.id, { message: 'the rule from the admin' });
  await row.getByTestId('site-proactive-url').fill('/pricing*');
  await row.getByTestId('site-proactive-delay').fill('5');
  await row.getByTestId('site-proactive-returning').check();
  await page.getByTestId('site-proactive-save').click();
  await waitFor(async () => (await page.getByTestId('site-proactive-status').textContent()) === 'Saved.', { message: 'the rules saved' });

  await page.reload();
  const kept = page.getByTestId('site-proactive-row');
  await kept.waitFor();
  assert.equal(await kept.count(), 1);
  assert.equal(await kept.getByTestId('site-proactive-message').inputValue(), 'Questions about our plans?');
  assert.equal(await kept.getByTestId('site-proactive-url').inputValue(), '/pricing*');
  assert.equal(await kept.getByTestId('site-proactive-delay').inputValue(), '5');
  assert.equal(await kept.getByTestId('site-proactive-returning').isChecked(), true);
  await waitFor(async () => (await kept.getByTestId('site-proactive-agent').inputValue()) === admin.id, { message: 'the agent kept' });
  assert.equal(await kept.getAttribute('data-rule-id'), 'questions-about-our-plans');

  const config = await fetch(`${server.url}/api/v1/widget/config?site_key=${server.siteKey}`).then((r) => r.json());
  // The settings are the config's own fields.
  assert.deepEqual(config.proactive.map((/** @type {any} */ r) => ({ ...r, agent: r.agent.name })), [
    { id: 'questions-about-our-plans', message: 'Questions about our plans?', url: '/pricing*', delay_s: 5, returning: true, agent: admin.name },
  ]);

  // Removed and saved: none left.
  await kept.getByTestId('site-proactive-remove').click();
  assert.equal(await focusedTestId(page), 'site-proactive-add', 'the focus on Add once none is left');
  await page.getByTestId('site-proactive-save').click();
  await waitFor(async () => (await page.getByTestId('site-proactive-status').textContent()) === 'Saved.', { message: 'the removal saved' });
  assert.deepEqual((await api(server, token, 'GET', `/sites/${site.id}`)).body.settings.proactive, []);
  // The browser logs the 422 provoked above.
  const refused = new RegExp(`/api/v1/sites/${site.id}: Failed to load resource: the server responded with a status of 422`);
  await assertNoPageErrors(errors, { where: 'the dashboard', allowedConsoleErrors: [refused] });
});

test('axe finds no serious or critical violation on the contacts, a contact, the profile with a picture and a site with its proactive messages and refused embeds', { timeout: 120_000 }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const host = await startHostServer(t);
  const { token, agent: admin } = await login(server);
  await twoVisitors(t, server, token);
  const put = await fetch(`${server.url}/api/v1/me/avatar`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' }, body: PNG_16 });
  assert.equal(put.status, 200);
  const site = await patchSite(server, token, {
    allowed_origins: ['https://elsewhere.example'],
    settings: { proactive: [{ id: 'plans', message: 'Questions about our plans?', agent_id: admin.id, url: '/pricing*', delay_s: 5, returning: false }] },
  });
  const browser = await launchBrowser(t);
  const shop = await (await browser.newContext()).newPage();
  await shop.goto(host.page('/', hostHtml({ body: server.snippet() })));
  await waitFor(async () => (await api(server, token, 'GET', `/sites/${site.id}/refused-origins`)).body.items.length > 0, { message: 'the refusal noted' });

  // axe's script needs the page's CSP bypassed.
  const page = await (await browser.newContext({ viewport: LAPTOP, bypassCSP: true })).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard#/contacts`);
  await signIn(page, ADMIN);
  // The picture chosen before this session is in the top bar.
  await page.getByTestId('me-avatar').waitFor({ state: 'visible' });
  await listShows(page, ['Grace Hopper', 'sam@example.net']);
  await assertAccessible(page, 'the contacts');
  await page.screenshot({ path: artifactPath('people-contacts.png') });

  // By keyboard: from the search to Grace's page.
  await page.getByTestId('contacts-search').focus();
  await tabTo(page, '[data-testid="contact-link"]');
  await page.keyboard.press('Enter');
  await page.getByTestId('contact-facts').waitFor();
  await assertAccessible(page, 'a contact');
  await page.screenshot({ path: artifactPath('people-contact.png') });

  await page.goto(`${server.url}/dashboard#/profile`);
  await page.getByTestId('profile-page').waitFor();
  await waitFor(async () => (await page.getByTestId('profile-avatar').getAttribute('data-state')) === 'saved', { message: 'the picture shown' });
  await assertAccessible(page, 'the profile with a picture');
  await page.screenshot({ path: artifactPath('people-profile.png') });

  await page.goto(`${server.url}/dashboard#/admin/sites/${site.id}`);
  await page.getByTestId('site-refused-item').waitFor();
  await page.getByTestId('site-proactive-row').waitFor();
  await waitFor(async () => (await page.getByTestId('site-proactive-agent').inputValue()) === admin.id, { message: 'the agents read' });
  await assertAccessible(page, 'a site with its proactive messages and refused embeds');
  await page.screenshot({ path: artifactPath('people-site.png'), fullPage: true });
  await assertNoPageErrors(errors, { where: 'the dashboard' });
});

/** The test id of the focused element. @param {Page} page */
function focusedTestId(page) {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');
}
