// @ts-check
/**
 * Files in a real browser, against the real server: a visitor pastes a screenshot into the
 * widget (on a shop of another origin) and sends it, and the agent's dashboard shows the image
 * and opens it in its viewer; an agent attaches a PDF in the dashboard, and the visitor's
 * widget shows a chip whose link downloads the same bytes; files dropped on the widget upload,
 * a file too large is refused before uploading, and a site that takes no files shows no
 * attach button. Each test
 * starts its own server, host server and browser.
 *
 *   PARLEY_BIN=target/debug/parley node --test tests/e2e/attachments.test.js
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ADMIN,
  NO_LIMITS,
  api,
  artifactPath,
  assertNoPageErrors,
  hostHtml,
  launchBrowser,
  login,
  openChat,
  openDashboard,
  panelFrame,
  patchSite,
  startHostServer,
  startServer,
  waitFor,
  watchPageErrors,
} from './harness.js';

const TEST_TIMEOUT = 90_000;

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('./harness.js').ParleyServer} ParleyServer */

/** A small, valid PDF (one empty page). */
const PDF = Buffer.from([
  '%PDF-1.4',
  '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
  '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
  '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj',
  'trailer << /Root 1 0 R >>',
  '%%EOF',
  '',
].join('\n'), 'latin1');

/** A host page (another origin than Parley's) with the widget. @param {ParleyServer} server */
const shopPage = (server) => hostHtml({ body: server.snippet() });

/** The visitor on the shop with the chat open; resolves with the panel's locator and frame. @param {Browser} browser @param {string} url */
async function openWidget(browser, url) {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  const errors = await watchPageErrors(page);
  await page.goto(url);
  const panel = await openChat(page);
  const frame = await panelFrame(page);
  return { page, panel, frame, errors };
}

/** The conversation the visitor's page holds (kept in the host page's storage). @param {Page} page */
function conversationOf(page) {
  return waitFor(() => page.evaluate(() => localStorage.getItem('parley:conversation')), { message: "the visitor's conversation" });
}

/**
 * Whether an `<img>` matched by `selector` (in `target`) has loaded a picture.
 * @param {Page | import('playwright-core').Frame} target @param {string} selector
 */
function imageLoaded(target, selector) {
  return target.waitForFunction((sel) => {
    const img = /** @type {HTMLImageElement | null} */ (document.querySelector(sel));
    return !!img && img.complete && img.naturalWidth > 0;
  }, selector, { timeout: 15_000 });
}

test('a visitor pastes a screenshot and sends it; the agent sees the image and opens it in the viewer', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const host = await startHostServer(t);
  const browser = await launchBrowser(t);
  const visitor = await openWidget(browser, host.page('/', shopPage(server)));
  const { panel, frame } = visitor;
  await panel.getByTestId('parley-composer').fill('Hello');
  await panel.getByTestId('parley-composer').press('Enter');
  await panel.locator('[data-testid="parley-message"][data-state="sent"]').waitFor();
  const conversationId = await conversationOf(visitor.page);

  // A screenshot on the clipboard, pasted into the composer: a paste event carrying a PNG
  // (drawn on a canvas, as a screen capture is), the way the browser delivers one.
  const pasted = await frame.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 400;
    const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    g.fillStyle = '#1d4ed8';
    g.fillRect(0, 0, 640, 400);
    g.fillStyle = '#fbbf24';
    g.fillRect(40, 40, 300, 120);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const file = new File([/** @type {Blob} */ (blob)], 'image.png', { type: 'image/png' });
    const data = new DataTransfer();
    data.items.add(file);
    const composer = /** @type {HTMLTextAreaElement} */ (document.querySelector('[data-testid="parley-composer"]'));
    composer.focus();
    const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    composer.dispatchEvent(event);
    return { prevented: event.defaultPrevented, size: file.size };
  });
  assert.equal(pasted.prevented, true, 'the panel took the pasted file');

  // The chip uploads (its code loaded on the paste), then the message goes without text.
  const chip = panel.getByTestId('parley-upload');
  await chip.waitFor();
  assert.equal(await chip.locator('.chip-name').textContent(), 'image.png');
  await panel.locator('[data-testid="parley-upload"][data-state="done"]').waitFor();
  await panel.getByTestId('parley-composer').press('Enter');
  await chip.waitFor({ state: 'detached' });
  const mine = panel.locator('[data-testid="parley-message"][data-author="visitor"]').last();
  await mine.locator('[data-testid="parley-file"], [data-testid="parley-file-image"]').first().waitFor();
  await panel.locator('[data-testid="parley-message"][data-author="visitor"][data-state="sent"] [data-testid="parley-file-image"]').waitFor();
  await imageLoaded(frame, '[data-testid="parley-message"][data-author="visitor"] [data-testid="parley-file-image"] img');

  // The server has the message with its file, a preview and links.
  const { token } = await login(server);
  const history = await api(server, token, 'GET', `/conversations/${conversationId}/messages`);
  const stored = history.body.items.find((/** @type {any} */ m) => m.attachments?.length);
  assert.ok(stored, JSON.stringify(history.body));
  assert.equal(stored.body, '');
  assert.equal(stored.attachments[0].name, 'image.png');
  assert.equal(stored.attachments[0].content_type, 'image/png');
  assert.equal(stored.attachments[0].size, pasted.size);
  assert.ok(stored.attachments[0].thumbnail_url, 'an image gets a preview');

  // The agent's dashboard shows the picture (it loads), and opens it in the viewer.
  const agent = await openDashboard(browser, server, ADMIN, `#/c/${conversationId}`);
  const thumb = agent.page.locator('[data-testid="message"] [data-testid="file-image"]');
  await thumb.waitFor();
  await imageLoaded(agent.page, '[data-testid="message"] [data-testid="file-image"] img');
  const src = await thumb.locator('img').getAttribute('src');
  assert.ok(src?.startsWith(`${server.url}/files/`), src ?? '');
  await thumb.click();
  const viewer = agent.page.getByTestId('lightbox');
  await viewer.waitFor();
  await imageLoaded(agent.page, '[data-testid="lightbox-image"]');
  const size = await agent.page.getByTestId('lightbox-image').evaluate((img) => [/** @type {HTMLImageElement} */ (img).naturalWidth, /** @type {HTMLImageElement} */ (img).naturalHeight]);
  assert.deepEqual(size, [640, 400], 'the full image, not the preview');
  assert.equal(await agent.page.getByTestId('lightbox-name').textContent(), 'image.png');
  assert.equal(await agent.page.getByTestId('lightbox-download').getAttribute('download'), 'image.png');
  await agent.page.screenshot({ path: artifactPath('attachments-dashboard-viewer.png') });
  await agent.page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  assert.equal(await thumb.evaluate((el) => el === document.activeElement), true, 'the focus is back on the thumbnail');
  await visitor.page.screenshot({ path: artifactPath('attachments-widget-screenshot.png') });

  await assertNoPageErrors(visitor.errors, { where: 'the shop with the widget' });
  await assertNoPageErrors(agent.errors, { where: 'the dashboard' });
});

test('an agent attaches a PDF; the visitor gets a chip that downloads the same bytes', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const host = await startHostServer(t);
  const browser = await launchBrowser(t);
  const visitor = await openWidget(browser, host.page('/', shopPage(server)));
  await visitor.panel.getByTestId('parley-composer').fill('Do you have the manual?');
  await visitor.panel.getByTestId('parley-composer').press('Enter');
  const conversationId = await conversationOf(visitor.page);

  const agent = await openDashboard(browser, server, ADMIN, `#/c/${conversationId}`);
  await agent.page.locator('[data-testid="message"][data-seq="1"]').waitFor();
  // The file picker's input (hidden behind the Attach button) gets the file.
  await agent.page.getByTestId('attach-input').setInputFiles({ name: 'manual.pdf', mimeType: 'application/pdf', buffer: PDF });
  const chip = agent.page.getByTestId('upload-chip');
  await chip.waitFor();
  assert.equal(await chip.getAttribute('data-name'), 'manual.pdf');
  await agent.page.locator('[data-testid="upload-chip"][data-state="done"]').waitFor();
  await agent.page.getByTestId('composer').fill('Here it is.');
  await agent.page.getByTestId('send-button').click();
  await chip.waitFor({ state: 'detached' });
  const sent = agent.page.locator('[data-testid="message"][data-author="agent"]').filter({ hasText: 'Here it is.' });
  await sent.locator('[data-testid="file-chip"]').waitFor();
  assert.equal(await sent.locator('[data-testid="file-chip"] .file-name').textContent(), 'manual.pdf');

  // The visitor's widget: a chip with the name and size, linking to the file.
  const reply = visitor.panel.locator('[data-testid="parley-message"][data-author="agent"]').filter({ hasText: 'Here it is.' });
  const file = reply.getByTestId('parley-file');
  await file.waitFor();
  assert.equal(await file.locator('.file-name').textContent(), 'manual.pdf');
  assert.equal(await file.locator('.file-size').textContent(), `${PDF.length} B`);
  assert.equal(await file.getAttribute('target'), '_blank');
  const href = await file.getAttribute('href');
  assert.ok(href?.startsWith(`${server.url}/files/`), href ?? '');

  // Its link needs no header: the same bytes, as a download, typed from the bytes.
  const download = await fetch(/** @type {string} */ (href));
  assert.equal(download.status, 200);
  assert.match(download.headers.get('content-disposition') ?? '', /^attachment;.*manual\.pdf/);
  assert.equal(download.headers.get('content-type'), 'application/pdf');
  assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(PDF), 'the same bytes');
  await visitor.page.screenshot({ path: artifactPath('attachments-widget-pdf.png') });

  await assertNoPageErrors(visitor.errors, { where: 'the shop with the widget' });
  await assertNoPageErrors(agent.errors, { where: 'the dashboard' });
});

test('files dropped on the widget upload; a file too large is refused before uploading; a site without files has no attach button', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await startServer(t, { env: NO_LIMITS });
  const host = await startHostServer(t);
  const browser = await launchBrowser(t);
  const url = host.page('/', shopPage(server));
  const visitor = await openWidget(browser, url);
  /** @type {string[]} */
  const uploads = [];
  visitor.page.on('request', (r) => {
    if (r.url().includes('/api/v1/uploads')) uploads.push(r.url());
  });

  await visitor.panel.getByTestId('parley-attach').waitFor({ state: 'visible' });

  // Files dragged over the panel show the drop hint; dropped, they upload.
  const hint = visitor.panel.getByTestId('parley-drop-hint');
  assert.ok(await hint.isHidden());
  await visitor.frame.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(['order 1234: the lid is cracked\n'], 'notes.txt', { type: 'text/plain' }));
    const panel = /** @type {HTMLElement} */ (document.querySelector('[data-testid="parley-panel"]'));
    const target = /** @type {HTMLElement} */ (document.querySelector('[data-testid="parley-messages"]'));
    panel.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true, cancelable: true }));
    /** @type {any} */ (window).__drop = () => {
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    };
  });
  await hint.waitFor({ state: 'visible' });
  assert.equal(await hint.textContent(), 'Drop files here to send them');
  await visitor.frame.evaluate(() => /** @type {any} */ (window).__drop());
  await hint.waitFor({ state: 'hidden' });
  const dropped = visitor.panel.locator('[data-testid="parley-upload"][data-state="done"]');
  await dropped.waitFor();
  assert.equal(await dropped.locator('.chip-name').textContent(), 'notes.txt');
  assert.equal(uploads.length, 1, 'uploaded once');
  await dropped.getByTestId('parley-upload-remove').click();
  await dropped.waitFor({ state: 'detached' });

  await visitor.panel.getByTestId('parley-file-input').setInputFiles({ name: 'movie.mov', mimeType: 'video/quicktime', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
  const chip = visitor.panel.locator('[data-testid="parley-upload"][data-state="invalid"]');
  await chip.waitFor();
  assert.equal(await chip.getByTestId('parley-upload-error').textContent(), 'Too large: 10 MB at most.');
  await visitor.panel.getByTestId('parley-composer').fill('With this?');
  await visitor.panel.getByTestId('parley-composer').press('Enter');
  await visitor.panel.getByTestId('parley-composer-error').filter({ hasText: 'Retry or remove' }).waitFor();
  await chip.getByTestId('parley-upload-remove').click();
  await chip.waitFor({ state: 'detached' });
  assert.equal(await visitor.panel.getByTestId('parley-composer').evaluate((el) => el === document.activeElement), true, 'the focus back in the composer');
  assert.equal(uploads.length, 1, 'the file too large was not uploaded');

  // The site turns files off: a new visitor's panel has no attach button.
  const { token } = await login(server);
  await patchSite(server, token, { settings: { attachments: { enabled: false, accept: ['image'] } } });
  const later = await openWidget(browser, url);
  await later.panel.locator('[data-testid="parley-status"]').waitFor();
  await waitFor(async () => later.panel.getByTestId('parley-attach').isHidden(), { message: 'the attach button hidden' });
  await assertNoPageErrors(visitor.errors, { where: 'the shop with the widget' });
  await assertNoPageErrors(later.errors, { where: 'the shop on a site without files' });
});
