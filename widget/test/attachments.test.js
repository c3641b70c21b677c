// The attachments chunk's DOM (widget/src/lib/attachments.js) on a tiny fake document: a
// message's files (pictures open the image, other files link to the download, unsent ones
// have no link), the words for a file that cannot go, and the tray above the composer
// (chips, progress, Retry, Remove, ten at most) uploading over a fake XMLHttpRequest; and that
// the panel's first-open code and the chunk share no module (common/picking.js is in the
// first, common/uploads.js in the chunk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../common/test/helpers/clock.js';
import { MiniDocument } from '../../common/test/helpers/mini-dom.js';
import { FakeXhr } from '../../common/test/helpers/xhr.js';
import { createTray, problemText, renderFiles } from '../src/lib/attachments.js';
import { EN, format, loadStrings } from '../src/lib/i18n.js';
import { el, svgIcon } from '../src/lib/view.js';
import { readFileSync } from 'node:fs';

/** The kit the view gives the chunk, on a fake document. */
function kitFor(strings = EN, lang = 'en') {
  const doc = new MiniDocument();
  const announced = [];
  const kit = /** @type {any} */ ({
    doc,
    el,
    bind: (node) => node,
    strings: () => strings,
    format,
    announce: (text) => announced.push(text),
    isEmail: () => true,
    limits: { MAX_BODY_CHARS: 4000, MAX_COMMENT_CHARS: 1000 },
    lang: () => lang,
    icon: (d) => svgIcon(/** @type {any} */ (doc), d),
    closeIcon: 'M6 6 18 18M18 6 6 18',
  });
  return { kit, doc, announced };
}

const LINK = 'https://chat.example.com/files/u-1/shot.png?e=99&s=sig';
const THUMB = `${LINK}&v=thumb`;
const PDF = 'https://chat.example.com/files/u-2/invoice.pdf?e=99&s=sig2';

test('an image shows its preview and opens the image in a new tab; the image itself when the preview fails', () => {
  const { kit } = kitFor();
  const grown = [];
  const list = renderFiles(kit, [{ id: 'u-1', name: 'shot.png', size: 2048, content_type: 'image/png', url: LINK, thumbnail_url: THUMB }], { grown: (px) => grown.push(px) });
  assert.equal(list.getAttribute('data-testid'), 'parley-files');
  assert.equal(list.getAttribute('aria-label'), 'Files');
  const link = list.querySelector('[data-testid="parley-file-image"]');
  assert.equal(link.getAttribute('href'), LINK);
  assert.equal(link.getAttribute('target'), '_blank');
  assert.equal(link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(link.getAttribute('title'), 'Open shot.png');
  const img = link.querySelector('img');
  assert.equal(img.src, THUMB);
  assert.equal(img.getAttribute('alt'), 'shot.png');
  img.offsetHeight = 180;
  img.dispatch('load');
  assert.deepEqual(grown, [180], 'the view keeps the newest message in view');
  img.dispatch('error');
  assert.equal(img.src, LINK);

  const noThumb = renderFiles(kit, [{ id: 'u-1', name: 'shot.gif', size: 10, content_type: 'image/gif', url: LINK }]);
  assert.equal(noThumb.querySelector('img').src, LINK, 'no preview: the image');
});

test('another file is a chip with its icon, name and size, linking to the download', () => {
  const { kit } = kitFor();
  const list = renderFiles(kit, [{ id: 'u-2', name: 'invoice.pdf', size: 9000, content_type: 'application/pdf', url: PDF }]);
  const chip = list.querySelector('[data-testid="parley-file"]');
  assert.equal(chip.tagName, 'A');
  assert.equal(chip.getAttribute('href'), PDF);
  assert.equal(chip.getAttribute('target'), '_blank');
  assert.equal(chip.hasAttribute('download'), false, 'a sandboxed frame may not start a download; a new tab may');
  assert.equal(chip.getAttribute('data-kind'), 'pdf');
  assert.ok(chip.querySelector('svg'));
  assert.equal(chip.querySelector('.file-name').textContent, 'invoice.pdf');
  assert.equal(chip.querySelector('.file-size').textContent, '8.8 KB');
});

test('unsent files, and links that are not http(s), are chips without a link', () => {
  const { kit } = kitFor();
  const list = renderFiles(kit, [
    { id: 'u-1', name: 'shot.png', size: 2048, content_type: 'image/png' },
    { id: 'u-3', name: 'x.pdf', size: 1, content_type: 'application/pdf', url: 'javascript:alert(1)' },
  ]);
  const chips = list.querySelectorAll('[data-testid="parley-file"]');
  assert.deepEqual(chips.map((c) => c.tagName), ['SPAN', 'SPAN']);
  assert.equal(chips[0].getAttribute('data-kind'), 'image');
  assert.equal(list.querySelector('img'), null);
  assert.equal(list.querySelector('a'), null);
});

test("sizes and words in the visitor's language", async () => {
  const fr = JSON.parse(readFileSync(new URL('../src/i18n/fr.json', import.meta.url), 'utf8'));
  const strings = await loadStrings('fr', async () => ({ ok: true, json: async () => fr }));
  const { kit } = kitFor(strings, 'fr');
  const list = renderFiles(kit, [{ id: 'u-2', name: 'facture.pdf', size: 1536, content_type: 'application/pdf', url: PDF }]);
  assert.equal(list.querySelector('.file-size').textContent, '1,5 Ko');
  assert.equal(list.getAttribute('aria-label'), 'Fichiers');
  assert.equal(problemText(kit, /** @type {any} */ ({ problem: 'too_large', error: null })), 'Trop volumineux : 10 Mo au plus.');
});

test('why a file cannot go: the panel’s words, or the server’s when they say which type', () => {
  const { kit } = kitFor();
  const said = (problem, error) => problemText(kit, /** @type {any} */ ({ problem, error }));
  assert.equal(said('too_large', null), 'Too large: 10 MB at most.');
  assert.equal(said(null, { code: 'too_large', message: 'a file of at most 10485760 bytes' }), 'Too large: 10 MB at most.');
  assert.equal(said(null, { code: 'rate_limited', message: 'x' }), EN.file_busy);
  assert.equal(said(null, { code: 'forbidden', message: 'this site does not accept files' }), EN.file_refused);
  assert.equal(said(null, { code: 'network', message: '' }), EN.file_failed);
  assert.equal(said(null, { code: 'unprocessable', message: 'this site does not accept application/zip files' }), 'this site does not accept application/zip files');
  assert.equal(said(null, { code: 'unprocessable', message: '' }), EN.file_failed);
});

/** Installs the fake XMLHttpRequest as the global one for the test. @param {import('node:test').TestContext} t */
function useXhr(t) {
  const before = globalThis.XMLHttpRequest;
  FakeXhr.reset();
  globalThis.XMLHttpRequest = /** @type {any} */ (FakeXhr);
  t.after(() => {
    globalThis.XMLHttpRequest = before;
  });
}

const file = (name, bytes, type = '') => new File([new Uint8Array(bytes)], name, { type });

test('the tray: a chip per file, uploading with the visitor token at once, ready when all are done', async (t) => {
  useXhr(t);
  const { kit, doc } = kitFor();
  let changes = 0;
  let composerFocused = 0;
  const tray = createTray(kit, {
    auth: () => ({ token: 'visitor-token', siteKey: 'pk_test 1' }),
    changed: () => changes++,
    focusComposer: () => composerFocused++,
  });
  const list = tray.element.querySelector('[data-testid="parley-uploads"]');
  assert.equal(list.hidden, true, 'no chip, no tray');
  tray.add([file('shot.png', 300, 'image/png'), file('notes.txt', 20, 'text/plain')]);
  assert.equal(list.hidden, false);
  const chips = () => list.querySelectorAll('[data-testid="parley-upload"]');
  assert.deepEqual(chips().map((c) => c.getAttribute('data-state')), ['uploading', 'uploading']);
  assert.equal(chips()[0].getAttribute('data-kind'), 'image');
  assert.equal(chips()[0].querySelector('.chip-name').textContent, 'shot.png');
  assert.equal(chips()[0].querySelector('.chip-size').textContent, '300 B');
  assert.equal(chips()[0].querySelector('progress').getAttribute('aria-label'), 'Uploading shot.png');
  assert.equal(FakeXhr.made.length, 2);
  assert.equal(FakeXhr.made[0].url, '/api/v1/uploads?site_key=pk_test%201');
  assert.equal(FakeXhr.made[0].headers.Authorization, 'Bearer visitor-token');
  assert.equal(tray.state(), 'busy');

  const bar = chips()[0].querySelector('progress');
  FakeXhr.made[0].upload.onprogress({ lengthComputable: true, loaded: 150, total: 600 });
  assert.equal(chips()[0].querySelector('progress'), bar, 'the bar moves in place');
  assert.equal(bar.value, 0.25);

  FakeXhr.made[0].respond(201, { id: 'u-1', name: 'shot.png', size: 300, content_type: 'image/png' });
  FakeXhr.made[1].respond(413, { error: { code: 'too_large', message: 'a file of at most 10485760 bytes' } });
  await settle();
  assert.deepEqual(chips().map((c) => c.getAttribute('data-state')), ['done', 'failed']);
  assert.equal(chips()[0].querySelector('progress'), null);
  assert.equal(chips()[1].querySelector('[data-testid="parley-upload-error"]').textContent, 'Too large: 10 MB at most.');
  assert.equal(tray.state(), 'blocked');

  chips()[1].querySelector('[data-testid="parley-upload-retry"]').click();
  assert.equal(FakeXhr.made.length, 3, 'Retry uploads again');
  assert.equal(chips()[1].getAttribute('data-state'), 'uploading');
  assert.equal(doc.activeElement, chips()[1].querySelector('.chip-remove'), 'the focus stays on the chip');
  FakeXhr.made[2].respond(201, { id: 'u-2', name: 'notes.txt', size: 20, content_type: 'text/plain' });
  await settle();
  assert.equal(tray.state(), 'ready');
  assert.deepEqual(tray.attachments().map((a) => a.id), ['u-1', 'u-2']);
  assert.ok(changes > 0);

  chips()[0].querySelector('[data-testid="parley-upload-remove"]').click();
  assert.deepEqual(chips().map((c) => c.querySelector('.chip-name').textContent), ['notes.txt']);
  assert.equal(doc.activeElement, chips()[0].querySelector('.chip-remove'), 'the focus goes to the next chip');
  chips()[0].querySelector('[data-testid="parley-upload-remove"]').click();
  assert.equal(composerFocused, 1, 'and to the composer after the last');
  assert.equal(list.hidden, true);
  assert.equal(tray.state(), 'empty');
});

test('the tray refuses a file too large without uploading it, and files past ten', async (t) => {
  useXhr(t);
  const { kit } = kitFor();
  const tray = createTray(kit, { auth: () => ({ token: 't', siteKey: 'pk' }), changed: () => {}, focusComposer: () => {} });
  tray.add([{ name: 'movie.mov', size: 11 * 1024 * 1024, type: 'video/quicktime' }]);
  const [chip] = tray.element.querySelectorAll('[data-testid="parley-upload"]');
  assert.equal(chip.getAttribute('data-state'), 'invalid');
  assert.equal(chip.querySelector('[data-testid="parley-upload-error"]').textContent, 'Too large: 10 MB at most.');
  assert.equal(chip.querySelector('[data-testid="parley-upload-retry"]'), null, 'nothing to retry');
  assert.equal(FakeXhr.made.length, 0);
  const note = tray.element.querySelector('[data-testid="parley-uploads-error"]');
  assert.equal(note.hidden, true);
  tray.add(Array.from({ length: 11 }, (_, i) => file(`f${i}.txt`, 1)));
  assert.equal(tray.element.querySelectorAll('[data-testid="parley-upload"]').length, 10);
  assert.equal(note.hidden, false);
  assert.equal(note.textContent, 'At most 10 files per message.');
  tray.clear();
  assert.equal(tray.element.querySelectorAll('[data-testid="parley-upload"]').length, 0);
  assert.equal(note.hidden, true);
  assert.ok(FakeXhr.made.every((x) => x.aborted), 'uploads under way are given up');
});

test('without a token yet, an upload fails and may be retried once there is one', async (t) => {
  useXhr(t);
  const { kit } = kitFor();
  let auth = null;
  const tray = createTray(kit, { auth: () => auth, changed: () => {}, focusComposer: () => {} });
  tray.add([file('a.txt', 3)]);
  await settle();
  const chip = () => tray.element.querySelector('[data-testid="parley-upload"]');
  assert.equal(chip().getAttribute('data-state'), 'failed');
  assert.equal(FakeXhr.made.length, 0);
  auth = { token: 'now', siteKey: 'pk' };
  chip().querySelector('[data-testid="parley-upload-retry"]').click();
  assert.equal(FakeXhr.made[0].headers.Authorization, 'Bearer now');
});

test('before the first welcome, an upload waits for the session, then goes with its token', async (t) => {
  useXhr(t);
  const { kit } = kitFor();
  /** @type {(auth: {token: string, siteKey: string} | null) => void} */
  let welcome = () => {};
  const session = new Promise((resolve) => { welcome = resolve; });
  const tray = createTray(kit, { auth: () => session, changed: () => {}, focusComposer: () => {} });
  tray.add([file('a.txt', 3)]);
  await settle();
  const chip = () => tray.element.querySelector('[data-testid="parley-upload"]');
  assert.equal(chip().getAttribute('data-state'), 'uploading', 'waiting, not failed');
  assert.equal(FakeXhr.made.length, 0, 'nothing sent before the token');
  welcome({ token: 'fresh', siteKey: 'pk 1' });
  await settle();
  assert.equal(FakeXhr.made.length, 1);
  assert.equal(FakeXhr.made[0].url, '/api/v1/uploads?site_key=pk%201');
  assert.equal(FakeXhr.made[0].headers.Authorization, 'Bearer fresh');
});

test('the first-open code and the attachments chunk share no module', () => {
  /** The modules a source file imports statically. @param {string} file relative to widget/test/ */
  const imports = (file) => [...readFileSync(new URL(file, import.meta.url), 'utf8')
    .matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  assert.deepEqual(imports('../../common/picking.js'), [], 'picking.js (first open) imports nothing');
  assert.deepEqual(imports('../../common/uploads.js'), [], 'uploads.js (in the chunk) imports nothing');
  assert.deepEqual(imports('../src/lib/attachments.js'), ['../../../common/uploads.js'], 'the chunk has its kit, and uploads.js');
  const view = imports('../src/lib/view.js');
  assert.ok(view.includes('../../../common/picking.js'), 'the view picks files itself');
  assert.ok(!view.some((m) => m.endsWith('/uploads.js') || m.endsWith('/attachments.js')), 'the view imports them lazily only');
});
