// @ts-check
/**
 * Privacy and data, end to end on Postgres: a visitor asks the widget to forget them ("Delete my
 * conversations"), an admin sets the workspace's retention on the Privacy & data page, exports
 * a visitor from the visitor panel and erases them, and exports the whole workspace as NDJSON.
 *
 *   PARLEY_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres PARLEY_BIN=target/debug/parley \
 *     node --test --test-concurrency=1 tests/e2e/privacy.test.js
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  ADMIN,
  LAPTOP,
  NO_LIMITS,
  animationsFinished,
  api,
  artifactPath,
  assertNoPageErrors,
  connectAgent,
  demoSite,
  hostHtml,
  launchBrowser,
  login,
  openChat,
  panelFrame,
  shown,
  signIn,
  startHostServer,
  startServer,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 120_000;
/** axe-core's source, put into the pages and frames it checks. */
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * No violation of impact serious or critical that axe finds in a page or a frame.
 * @param {import('playwright-core').Page | import('playwright-core').Frame} target @param {string} where
 */
async function assertAccessible(target, where) {
  if (!(await target.evaluate(() => 'axe' in globalThis))) await target.addScriptTag({ content: AXE });
  const found = await target.evaluate(async () => {
    const { violations } = await /** @type {any} */ (globalThis).axe.run(document, { resultTypes: ['violations'] });
    return violations.filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
      .map((/** @type {any} */ v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 4).map((/** @type {any} */ n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
  assert.deepEqual(found, [], `axe on ${where}:\n${JSON.stringify(found, null, 2)}`);
}

/**
 * The dashboard at `hash`, signed in as the admin, in a context that lets axe's script in (the
 * page's CSP allows only its own scripts), its errors watched.
 * @param {import('playwright-core').Browser} browser @param {import('./harness.js').ParleyServer} server @param {string} hash
 */
async function openDashboard(browser, server, hash) {
  const page = await (await browser.newContext({ viewport: LAPTOP, bypassCSP: true })).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard${hash}`);
  await signIn(page, ADMIN);
  return { page, errors };
}

/** Types `text` in the composer and presses Enter. @param {import('playwright-core').FrameLocator} panel @param {string} text */
async function say(panel, text) {
  const composer = panel.getByTestId('parley-composer');
  await composer.fill(text);
  await composer.press('Enter');
}

/** The live `message` frame an agent gets for `body`. @param {import('./harness.js').AgentSocket} agent @param {string} body */
function agentSees(agent, body, timeout = 15_000) {
  return agent.next((f) => f.type === 'message' && f.message.body === body, { timeout });
}

/** The host page's `parley:` keys and their values. @param {import('playwright-core').Page} page */
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

/** A server on Postgres, an admin's token, an agent socket, a host server and a browser. @param {import('node:test').TestContext} t */
async function setup(t) {
  const server = await startServer(t, { postgres: true, env: NO_LIMITS });
  const host = await startHostServer(t);
  const { token } = await login(server);
  const agent = await connectAgent(t, server, token);
  const browser = await launchBrowser(t);
  return { server, host, token, agent, browser };
}

/**
 * A visitor in a fresh context who says `body`: their page, panel and first message as the agent
 * got it. `identity`: a `Parley('identify', …)` before the snippet.
 * @param {Awaited<ReturnType<typeof setup>>} env @param {string} body @param {Record<string, string> | null} [identity]
 */
async function visitorSays(env, body, identity = null) {
  // The panel's CSP bypassed for axe's script.
  const page = await (await env.browser.newContext({ bypassCSP: true })).newPage();
  const head = identity
    ? `<script>window.Parley = window.Parley || function(){(Parley.q = Parley.q || []).push(arguments)};
        Parley('identify', ${JSON.stringify(identity)});</script>`
    : '';
  await page.goto(env.host.page(`/${Math.random().toString(36).slice(2)}`, hostHtml({ head, body: env.server.snippet() })));
  const panel = await openChat(page);
  await say(panel, body);
  const { message } = await agentSees(env.agent, body);
  return { page, panel, message };
}

/**
 * Saves what a click downloads and reads it as text.
 * @param {import('playwright-core').Page} page @param {import('playwright-core').Locator} button
 */
async function downloaded(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return { name: download.suggestedFilename(), text: fs.readFileSync(/** @type {string} */ (await download.path()), 'utf8') };
}

// ---------------------------------------------------------------------------------------------

test('a visitor asks the widget to forget them: erased on the server, gone from the page, the next message is a new visitor', { timeout: TEST_TIMEOUT }, async (t) => {
  const env = await setup(t);
  const { server, token } = env;
  // The server must have the route (401 without a token, not 404).
  const probe = await fetch(`${server.url}/api/v1/widget/me?site_key=${server.siteKey}`, { method: 'DELETE' });
  assert.equal(probe.status, 401, 'DELETE /api/v1/widget/me exists on this server');

  const site = await demoSite(server, token);
  const hash = createHmac('sha256', site.identity_secret).update('u-forget').digest('hex');
  const identity = { id: 'u-forget', name: 'Fern Forgetful', email: 'fern.forgetful@example.com', hash };
  const { page, panel, message } = await visitorSays(env, 'Please delete everything about me', identity);
  const conversationId = message.conversation_id;
  const before = await parleyKeys(page);
  const oldToken = before['parley:token'];
  assert.ok(oldToken, 'the visitor token is kept on the host page');
  assert.equal((await api(server, token, 'GET', `/contacts?q=${encodeURIComponent('fern.forgetful')}`)).body.items.length, 1, 'a contact before');

  // The entry in words, then a confirmation that says what goes; Cancel first, nothing happens.
  const entry = panel.getByTestId('parley-forget');
  await entry.waitFor({ state: 'visible' });
  assert.equal((await entry.innerText()).trim(), 'Delete my conversations');
  await entry.click();
  const bar = panel.getByTestId('parley-forget-bar');
  await bar.waitFor({ state: 'visible' });
  await animationsFinished(await panelFrame(page));
  await page.screenshot({ path: artifactPath('widget-forget.png') });
  await assertAccessible(await panelFrame(page), 'the widget asking to confirm the erasure');
  assert.match(await bar.innerText(), /conversations, messages and files on this site\? They cannot be recovered\./);
  await panel.getByTestId('parley-forget-cancel').click();
  await bar.waitFor({ state: 'hidden' });
  assert.equal((await api(server, token, 'GET', `/conversations/${conversationId}`)).status, 200, 'cancelled: nothing erased');

  await entry.click();
  await panel.getByTestId('parley-forget-confirm').click();
  await panel.getByTestId('parley-forget-done').waitFor({ state: 'visible' });
  assert.equal((await panel.getByTestId('parley-forget-done').innerText()).trim(), 'Your conversations were deleted.');
  assert.deepEqual(await shown(panel), [], 'the thread is empty');

  // Gone from the host page: the token and every parley: key that named the visitor.
  const after = await waitFor(async () => {
    const keys = await parleyKeys(page);
    return keys['parley:token'] === undefined ? keys : null;
  }, { message: 'the token to leave localStorage' });
  assert.equal(after['parley:conversation'], undefined);
  assert.ok(!Object.values(after).includes(oldToken), JSON.stringify(after));

  // Gone from the server.
  assert.equal((await api(server, token, 'GET', `/conversations/${conversationId}`)).status, 404);
  for (const q of ['Fern Forgetful', 'fern.forgetful@example.com']) {
    const found = await api(server, token, 'GET', `/contacts?q=${encodeURIComponent(q)}`);
    assert.equal(found.status, 200);
    assert.deepEqual(found.body.items, [], `no contact for ${q}`);
  }
  const refused = await fetch(`${server.url}/api/v1/widget/me?site_key=${server.siteKey}`, { method: 'DELETE', headers: { Authorization: `Bearer ${oldToken}` } });
  assert.equal(refused.status, 401, 'the old token is refused');

  // The next message: a new visitor, a new conversation.
  await say(panel, 'Hello again, who am I?');
  const { message: next } = await agentSees(env.agent, 'Hello again, who am I?');
  assert.notEqual(next.conversation_id, conversationId);
  assert.notEqual(next.author.id, message.author.id, 'a new visitor id');
  await panel.getByTestId('parley-forget-done').waitFor({ state: 'hidden' });
  assert.deepEqual((await shown(panel)).map((m) => m.body), ['Hello again, who am I?']);
  const newToken = await waitFor(async () => (await parleyKeys(page))['parley:token'], { message: 'a new token' });
  assert.notEqual(newToken, oldToken);
});

test('an admin sets the retention on the Privacy & data page, and switches it off', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, token, browser } = await setup(t);
  const { page, errors } = await openDashboard(browser, server, '#/admin/privacy');
  const on = page.getByTestId('retention-on');
  const days = page.getByTestId('retention-days');
  await page.getByTestId('retention-form').waitFor({ state: 'visible' });
  assert.equal(await on.isChecked(), false, 'kept forever by default');
  assert.equal(await days.isDisabled(), true);

  await on.check();
  await days.fill('0');
  await page.getByTestId('retention-save').click();
  assert.match(await page.getByTestId('retention-days-error').innerText(), /1 to 3650/);
  await days.fill('30');
  await page.getByTestId('retention-save').click();
  await waitFor(async () => (await page.getByTestId('retention-status').innerText()) === 'Saved.', { message: 'Saved.' });
  assert.equal((await api(server, token, 'GET', '/workspace')).body.retention_days, 30);

  await page.reload();
  await page.getByTestId('retention-form').waitFor({ state: 'visible' });
  assert.equal(await page.getByTestId('retention-on').isChecked(), true);
  assert.equal(await page.getByTestId('retention-days').inputValue(), '30');
  assert.match(await page.getByTestId('retention-current').innerText(), /more than 30 days ago/);
  await animationsFinished(page);
  await page.screenshot({ path: artifactPath('privacy-page.png') });
  await assertAccessible(page, 'the Privacy & data page');

  await page.getByTestId('retention-on').uncheck();
  await page.getByTestId('retention-save').click();
  await waitFor(async () => (await page.getByTestId('retention-status').innerText()) === 'Saved.', { message: 'Saved.' });
  assert.equal((await api(server, token, 'GET', '/workspace')).body.retention_days, null);
  await page.reload();
  await page.getByTestId('retention-form').waitFor({ state: 'visible' });
  assert.equal(await page.getByTestId('retention-on').isChecked(), false);
  assert.equal(await page.getByTestId('retention-days').isDisabled(), true);
  await assertNoPageErrors(errors);
});

test('an admin exports a visitor and erases them from the visitor panel; the workspace export has the others', { timeout: TEST_TIMEOUT }, async (t) => {
  const env = await setup(t);
  const { server, token, browser } = env;
  const erased = await visitorSays(env, 'Export me then erase me, ref 4471');
  const kept = await visitorSays(env, 'Keep my conversation, ref 9902');

  const { page, errors } = await openDashboard(browser, server, `#/c/${erased.message.conversation_id}`);
  const privacy = page.getByTestId('visitor-privacy');
  await privacy.waitFor({ state: 'visible' });
  await assertAccessible(page, 'a conversation with the visitor panel of an admin');

  // The export: JSON with the visitor and their conversation's messages.
  const exported = await downloaded(page, page.getByTestId('visitor-export'));
  assert.match(exported.name, /\.json$/);
  const data = JSON.parse(exported.text);
  assert.equal(data.visitor.id, erased.message.author.id);
  assert.ok(exported.text.includes('Export me then erase me, ref 4471'), 'the message text is in the export');
  assert.ok(!exported.text.includes('ref 9902'), "another visitor's is not");

  // Erase: the question names what goes; confirmed, back to the inbox without the conversation.
  await page.getByTestId('visitor-erase').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.waitFor({ state: 'visible' });
  await animationsFinished(page);
  await page.screenshot({ path: artifactPath('privacy-erase-visitor.png') });
  await assertAccessible(page, 'the question before erasing a visitor');
  assert.match(await dialog.innerText(), /Their profile and their 1 conversation, with every message and file, are deleted for good\. This cannot be undone\./);
  await page.getByTestId('confirm-ok').click();
  await page.waitForURL(/#\/inbox\//);
  const row = (id) => page.locator(`[data-testid="inbox-item"][data-conversation-id="${id}"]`);
  await row(kept.message.conversation_id).waitFor({ state: 'visible' });
  await waitFor(async () => (await row(erased.message.conversation_id).count()) === 0, { message: 'the erased conversation to leave the inbox' });
  assert.equal((await api(server, token, 'GET', `/conversations/${erased.message.conversation_id}`)).status, 404);
  assert.equal((await api(server, token, 'GET', `/conversations/${kept.message.conversation_id}`)).status, 200);

  // The whole workspace: NDJSON, every line JSON with a type; the other visitor's conversation in it.
  await page.goto(`${server.url}/dashboard#/admin/privacy`);
  const whole = await downloaded(page, page.getByTestId('workspace-export'));
  assert.match(whole.name, /\.ndjson$/);
  const lines = whole.text.split('\n').filter((line) => line.trim());
  const records = lines.map((line) => JSON.parse(line));
  assert.ok(records.every((r) => typeof r.type === 'string'), 'every line has a type');
  assert.equal(records[0].type, 'workspace');
  const conversations = records.filter((r) => r.type === 'conversation');
  const theirs = conversations.find((c) => c.id === kept.message.conversation_id);
  assert.ok(theirs, `the kept conversation is exported: ${JSON.stringify(conversations.map((c) => c.id))}`);
  assert.ok(JSON.stringify(theirs.messages).includes('Keep my conversation, ref 9902'));
  assert.ok(!conversations.some((c) => c.id === erased.message.conversation_id), 'the erased one is not');
  assert.ok(!whole.text.includes('ref 4471'));
  assert.ok(records.some((r) => r.type === 'visitor' && r.id === kept.message.author.id));
  assert.equal(await page.getByTestId('workspace-export-error').innerText(), '');
  await assertNoPageErrors(errors);
});
