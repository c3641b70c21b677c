// @ts-check
/**
 * Reports and the audit log: a few conversations made through the real server (visitors over
 * WebSockets, an agent's replies, a resolution and a rating), then the Reports page: its
 * charts drawn by uPlot (a chunk loaded only there), its tiles saying what `GET
 * /reports/summary` says for the same period, the heatmap's cells adding up to the
 * conversations, the CSV with a row per conversation, no horizontal overflow in dark mode and
 * on a 390 px phone, no serious accessibility violation (axe-core). The audit log shows the
 * team an admin creates; an agent who is not admin sees Reports but no Settings or audit link.
 * An admin switches the reports to business hours only (kept over a reload, as the API says);
 * an agent sees which way times are counted, without the switch.
 *
 *   PARLEY_TEST_PG_URL=postgres://… PARLEY_BIN=target/debug/parley node --test --test-concurrency=1 tests/e2e/reports.test.js
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
  launchBrowser,
  login,
  signIn,
  startServer,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 120_000;
/** axe-core's source, put into the pages it checks. */
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const EVERY_HOUR = 'Response and resolution times count every hour.';
const BUSINESS_HOURS = "Response and resolution times count only business hours (each team's schedule; conversations without a team or a team without hours count every hour).";
const CSV_HEADER = 'id,created_at,site,team,assignee,status,messages,first_response_s,resolution_s,rating';

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('./harness.js').ParleyServer} ParleyServer */

// ---------------------------------------------------------------------------------------------
// Helpers

/** A visitor over a plain WebSocket, welcomed. @param {import('./harness.js').Cleanup} t @param {ParleyServer} server */
async function visitorSocket(t, server) {
  const visitor = new AgentSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?site_key=${server.siteKey}`);
  t.after(() => visitor.close());
  await visitor.opened;
  visitor.welcome = await visitor.request({ type: 'hello', token: null, identity: null });
  return visitor;
}

/**
 * Three conversations: each visitor writes and the agent answers; the first two are resolved,
 * the first rated 4 by its visitor. Resolves with their ids.
 * @param {import('./harness.js').Cleanup} t @param {ParleyServer} server @param {string} token
 */
async function someConversations(t, server, token) {
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const visitor = await visitorSocket(t, server);
    const sent = await visitor.request({ type: 'send', client_msg_id: randomUUID(), body: `Question number ${i + 1}` });
    const id = /** @type {string} */ (sent.message.conversation_id);
    ids.push(id);
    const replied = await api(server, token, 'POST', `/conversations/${id}/messages`, { client_msg_id: randomUUID(), kind: 'text', body: `Answer ${i + 1}` });
    assert.equal(replied.status < 300, true, JSON.stringify(replied.body));
    await visitor.request({ type: 'send', conversation_id: id, client_msg_id: randomUUID(), body: 'Thanks!' });
    if (i < 2) {
      const resolved = await api(server, token, 'PATCH', `/conversations/${id}`, { status: 'resolved' });
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    }
    if (i === 0) await visitor.request({ type: 'rate', conversation_id: id, score: 4 });
  }
  return ids;
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

/** Both charts drawn: uPlot's canvas in each, with a size. @param {Page} page */
async function chartsDrawn(page) {
  for (const id of ['report-chart-volume', 'report-chart-first-response']) {
    const canvas = page.locator(`[data-testid="${id}-canvas"] canvas`).first();
    await canvas.waitFor({ state: 'visible' });
    const size = await canvas.evaluate((c) => ({ width: /** @type {HTMLCanvasElement} */ (c).width, height: /** @type {HTMLCanvasElement} */ (c).height, box: c.getBoundingClientRect().width }));
    assert.ok(size.width > 0 && size.height > 0 && size.box > 0, `${id}: a canvas with a size (${JSON.stringify(size)})`);
  }
}

/** Whether the page scrolls sideways. @param {Page} page */
function overflow(page) {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
}

/** Waits until the page has no horizontal overflow. @param {Page} page @param {string} where */
async function noOverflow(page, where) {
  let last = { scroll: 0, inner: 0 };
  await waitFor(async () => {
    last = await overflow(page);
    return last.scroll <= last.inner;
  }, { message: () => `no horizontal overflow ${where}: scrollWidth ${last.scroll} > innerWidth ${last.inner}` });
}

// ---------------------------------------------------------------------------------------------

test('the Reports page draws its charts, says what the API says, downloads the CSV, and holds on a phone in dark mode', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { postgres: true, env: NO_LIMITS });
  const { token } = await login(server);
  const probe = await api(server, null, 'GET', '/reports/series');
  assert.equal(probe.status, 401, 'the server has the reports routes (401 without a token, not 404)');
  const ids = await someConversations(t, server, token);

  const browser = await launchBrowser(t);
  // axe's script needs the page's CSP bypassed.
  const context = await browser.newContext({ viewport: LAPTOP, bypassCSP: true, acceptDownloads: true });
  const page = await context.newPage();
  const errors = await watchPageErrors(page);
  /** @type {string[]} */
  const scripts = [];
  page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname); });
  await page.goto(`${server.url}/dashboard#/inbox/open`);
  await signIn(page, ADMIN);
  assert.ok(!scripts.some((s) => s.includes('report-charts')), `uPlot's chunk is not loaded before the Reports page: ${scripts.join(', ')}`);

  const summaryAsked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/reports/summary');
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('reports-page').waitFor();
  const asked = new URL((await summaryAsked).url());
  assert.equal(asked.searchParams.get('tz'), await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
  await page.locator('[data-testid="reports-page"][data-state="ready"]').waitFor();
  await chartsDrawn(page);
  const chunk = scripts.find((s) => /\/dashboard\/report-charts-[0-9a-f]{12}\.js$/.test(s));
  assert.ok(chunk, `uPlot's chunk is loaded on the Reports page: ${scripts.join(', ')}`);
  const served = await fetch(`${server.url}${chunk}`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('cache-control') ?? '', /immutable/);

  // The tiles say what the API says for the same period.
  const summary = (await api(server, token, 'GET', `/reports/summary${asked.search}`)).body;
  assert.equal(summary.conversations, ids.length);
  assert.equal(summary.resolved, 2);
  assert.equal(summary.rating.count, 1);
  /** @type {Record<string, unknown>} */
  const expected = {
    conversations: summary.conversations, resolved: summary.resolved, messages: summary.messages,
    'first-response-p50': summary.first_response_s.p50, 'first-response-p90': summary.first_response_s.p90,
    'resolution-p50': summary.resolution_s.p50, 'resolution-p90': summary.resolution_s.p90, rating: summary.rating.average,
  };
  for (const [tile, value] of Object.entries(expected)) {
    const shown = await page.getByTestId(`report-tile-${tile}`).getAttribute('data-value');
    assert.equal(shown, value === null ? '' : String(value), `the ${tile} tile`);
  }
  assert.equal(await page.getByTestId('report-tile-conversations').getByTestId('report-tile-value').textContent(), String(ids.length));
  assert.match(await page.getByTestId('report-tile-rating').getByTestId('report-tile-value').textContent() ?? '', /^4\.0 \/ 5 \(1\)$/);

  // The heatmap's cells add up to the conversations.
  const cells = await page.getByTestId('report-heatmap-cell').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-count'))));
  assert.equal(cells.length, 7 * 24);
  assert.equal(cells.reduce((a, b) => a + b, 0), summary.conversations);
  const busy = page.locator('[data-testid="report-heatmap-cell"]:not([data-count="0"])').first();
  assert.match(await busy.getAttribute('aria-label') ?? '', /^\w+day \d\d:00–\d\d:00: \d+ conversations?$/);

  // The breakdown by agent: the admin answered them all.
  await page.getByTestId('report-breakdown-row').first().waitFor();
  assert.equal(await page.getByTestId('report-breakdown-row').count() >= 1, true);

  // The live panel says what `GET /reports/live` says.
  const now = (await api(server, token, 'GET', '/reports/live')).body;
  await page.getByTestId('report-live-open').filter({ hasText: String(now.open) }).waitFor();
  await page.getByTestId('report-live-agent').first().waitFor();

  // Per hour, the charts are drawn again.
  await page.getByTestId('report-interval').selectOption('hour');
  // (7 × 24 hours, give or take the hour of a change of summer time in the browser's zone)
  await waitFor(async () => Math.abs(Number(await page.getByTestId('report-chart-volume').getAttribute('data-points')) - 7 * 24) <= 1, { message: 'hourly points' });
  await chartsDrawn(page);

  // The CSV: a header and one row per conversation.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-csv').click()]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const lines = fs.readFileSync(/** @type {string} */ (await download.path()), 'utf8').split(/\r?\n/).filter((l) => l.length);
  assert.equal(lines[0], CSV_HEADER);
  assert.equal(lines.length, 1 + ids.length, lines.join('\n'));
  for (const id of ids) assert.ok(lines.some((l) => l.startsWith(`${id},`)), `a row for ${id}`);

  await assertAccessible(page, 'the Reports page');
  await page.screenshot({ path: artifactPath('reports-laptop.png'), fullPage: true });

  // Dark mode: the charts drawn again with the dark colours, nothing wider than the page.
  const lightColour = await page.getByTestId('reports-page').evaluate((el) => getComputedStyle(el).getPropertyValue('--chart-1').trim());
  await page.emulateMedia({ colorScheme: 'dark' });
  await waitFor(async () => (await page.getByTestId('reports-page').evaluate((el) => getComputedStyle(el).getPropertyValue('--chart-1').trim())) !== lightColour, { message: 'dark colours' });
  await chartsDrawn(page);
  await noOverflow(page, 'in dark mode');
  await assertAccessible(page, 'the Reports page in dark mode');

  // A 390 px phone: the charts fit their boxes, the tables scroll in theirs.
  await page.setViewportSize({ width: 390, height: 844 });
  await noOverflow(page, 'at 390 px');
  await waitFor(async () => page.locator('[data-testid="report-chart-volume-canvas"] canvas').first().evaluate((c) => {
    const host = /** @type {HTMLElement} */ (c.closest('.chart-host'));
    return c.getBoundingClientRect().width <= host.getBoundingClientRect().width + 1 && c.getBoundingClientRect().right <= innerWidth;
  }), { message: 'the chart resized to its box' });
  await assertAccessible(page, 'the Reports page on a phone, in dark mode');
  await page.screenshot({ path: artifactPath('reports-phone-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await noOverflow(page, 'at 390 px in light mode');

  // Leaving the page stops its live panel.
  await page.getByTestId('nav-inbox').click();
  await page.getByTestId('reports-page').waitFor({ state: 'detached' });
  await assertNoPageErrors(errors, { where: 'the Reports page' });
});

test('the audit log shows a team the admin creates; an agent who is not admin sees Reports but not the audit log', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { postgres: true, env: NO_LIMITS });
  const { token, agent: admin } = await login(server);
  const probe = await api(server, null, 'GET', '/audit');
  assert.equal(probe.status, 401, 'the server has the audit route (401 without a token, not 404)');
  const team = await api(server, token, 'POST', '/teams', { name: 'Night shift', agent_ids: [], assignment: 'manual', hours: null });
  assert.ok(team.status === 200 || team.status === 201, JSON.stringify(team.body));
  const bea = { email: 'bea@example.com', password: 'bea password 1' };
  const made = await api(server, token, 'POST', '/agents', { ...bea, name: 'Bea', role: 'agent' });
  assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made.body));

  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: LAPTOP, bypassCSP: true })).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard#/inbox/open`);
  await signIn(page, ADMIN);
  await page.getByTestId('nav-admin').click();
  await page.getByTestId('admin-nav-audit').click();
  await page.getByTestId('audit-page').waitFor();
  const row = page.locator('[data-testid="audit-row"][data-action="team.created"]');
  await row.waitFor();
  assert.equal(await row.getByTestId('audit-action').textContent(), 'Team created');
  assert.equal(await row.getByTestId('audit-actor').textContent(), admin.name);
  // The filter asks the server for one kind of action.
  await page.getByTestId('audit-filter').selectOption('agent.');
  await page.locator('[data-testid="audit-row"][data-action="agent.created"]').waitFor();
  await waitFor(async () => (await page.locator('[data-testid="audit-row"][data-action="team.created"]').count()) === 0, { message: 'teams filtered out' });
  await assertAccessible(page, 'the audit log');
  await assertNoPageErrors(errors, { where: 'the audit log' });

  // Bea is an agent: Reports in her navigation, no Settings, no audit log (its route sends her back).
  const other = await (await browser.newContext({ viewport: LAPTOP })).newPage();
  const beaErrors = await watchPageErrors(other);
  await other.goto(`${server.url}/dashboard#/inbox/open`);
  await signIn(other, bea);
  await other.getByTestId('nav-reports').waitFor({ state: 'visible' });
  assert.ok(await other.getByTestId('nav-admin').isHidden(), 'no Settings link');
  assert.ok(await other.getByTestId('admin-nav-audit').isHidden(), 'no audit link');
  await other.goto(`${server.url}/dashboard#/admin/audit`);
  await waitFor(async () => /#\/inbox\//.test(other.url()), { message: 'sent back to the inbox' });
  assert.equal(await other.getByTestId('audit-page').count(), 0);
  await other.getByTestId('nav-reports').click();
  await other.locator('[data-testid="reports-page"][data-state="ready"]').waitFor();
  await assertNoPageErrors(beaErrors, { where: "an agent's dashboard" });
});

test('an admin counts business hours only: kept over a reload, as the API says; an agent sees the line but no switch', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { postgres: true, env: NO_LIMITS });
  const { token } = await login(server);
  const probe = await api(server, token, 'PATCH', '/workspace', { reports_business_hours: false });
  assert.equal(probe.status, 200, `the server takes reports_business_hours: ${JSON.stringify(probe.body)}`);
  const bea = { email: 'bea@example.com', password: 'bea password 1' };
  const made = await api(server, token, 'POST', '/agents', { ...bea, name: 'Bea', role: 'agent' });
  assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made.body));

  const browser = await launchBrowser(t);
  const page = await (await browser.newContext({ viewport: LAPTOP, bypassCSP: true })).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard#/inbox/open`);
  await signIn(page, ADMIN);
  await page.getByTestId('nav-reports').click();
  await page.locator('[data-testid="reports-page"][data-state="ready"]').waitFor();
  const note = page.getByTestId('report-hours-note');
  const toggle = page.getByRole('switch', { name: 'Count business hours only' });
  await note.filter({ hasText: EVERY_HOUR }).waitFor();
  await toggle.waitFor({ state: 'visible' });
  assert.equal(await toggle.isChecked(), false);

  // On, from the keyboard: the PATCH, then the numbers asked again.
  const patched = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/workspace' && r.request().method() === 'PATCH');
  const again = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/reports/summary');
  await toggle.focus();
  await page.keyboard.press('Space');
  const answer = await patched;
  assert.equal(answer.status(), 200);
  assert.deepEqual(answer.request().postDataJSON(), { reports_business_hours: true });
  await again;
  await note.filter({ hasText: BUSINESS_HOURS }).waitFor();
  await page.locator('[data-testid="reports-page"][data-state="ready"]').waitFor();

  // Still on after a reload; the API agrees.
  await page.reload();
  await page.locator('[data-testid="reports-page"][data-state="ready"]').waitFor();
  await note.filter({ hasText: BUSINESS_HOURS }).waitFor();
  await toggle.waitFor({ state: 'visible' });
  assert.equal(await toggle.isChecked(), true);
  const workspace = await api(server, token, 'GET', '/workspace');
  assert.equal(workspace.status, 200);
  assert.equal(workspace.body.reports_business_hours, true);
  await assertAccessible(page, 'the Reports page with its switch');

  // Dark mode on a phone: the line and the switch fit.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await noOverflow(page, 'with the switch at 390 px in dark mode');
  const box = await toggle.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the switch on the screen: ${JSON.stringify(box)}`);
  await assertAccessible(page, 'the switch on a phone, in dark mode');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(LAPTOP);

  // A refused change: the switch goes back and the error shows.
  await page.route('**/api/v1/workspace', (route) => (route.request().method() === 'PATCH'
    ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong.' } }) })
    : route.fallback()));
  await toggle.click();
  await page.getByTestId('report-business-hours-error').filter({ hasText: 'Something went wrong.' }).waitFor();
  await waitFor(async () => (await toggle.isChecked()) === true, { message: 'the switch back on' });
  assert.equal(await note.textContent(), BUSINESS_HOURS);
  await page.unroute('**/api/v1/workspace');

  // Bea, an agent, sees the line but no switch.
  const other = await (await browser.newContext({ viewport: LAPTOP })).newPage();
  const beaErrors = await watchPageErrors(other);
  await other.goto(`${server.url}/dashboard#/inbox/open`);
  await signIn(other, bea);
  await other.getByTestId('nav-reports').click();
  await other.locator('[data-testid="reports-page"][data-state="ready"]').waitFor();
  await other.getByTestId('report-hours-note').filter({ hasText: BUSINESS_HOURS }).waitFor();
  assert.ok(await other.getByTestId('report-business-hours').isHidden(), 'no switch for an agent');
  assert.equal(await other.getByTestId('reports-page').getByRole('switch').count(), 0);
  await assertNoPageErrors(beaErrors, { where: "an agent's Reports page" });

  // Off again, by a click.
  const off = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/workspace' && r.request().method() === 'PATCH');
  await toggle.click();
  assert.equal((await off).status(), 200);
  await note.filter({ hasText: EVERY_HOUR }).waitFor();
  assert.equal(await page.getByTestId('report-business-hours-error').textContent(), '');
  assert.equal((await api(server, token, 'GET', '/workspace')).body.reports_business_hours, false);
  await assertNoPageErrors(errors, { where: 'the Reports page and its switch', allowedConsoleErrors: [/status of 500/] });
});
