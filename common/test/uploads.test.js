// Files without the DOM (common/uploads.js, shared by the widget's attachments chunk
// and the dashboard): the server's kinds and limits, sizes in words, the checks before an
// upload, a message's attachments read safely, the upload over XMLHttpRequest (a fake one),
// and the states of a file and of the tray of files for the next message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { settle } from './helpers/clock.js';
import { FakeXhr } from './helpers/xhr.js';
import { enumVariants, rustSources, snakeCase } from './helpers/rust.js';
import {
  CATEGORIES, DEFAULT_ACCEPT, INLINE_IMAGES, MAX_FILES, MAX_UPLOAD_BYTES, Tray, UPLOAD_PATH, Upload, attachmentPolicy,
  checkFile, fileKind, fileRefs, formatSize, isPicture, readAttachments, summary, uploadError, uploaded, xhrTransport,
} from '../uploads.js';

const MiB = 1024 * 1024;

// ---- the server's kinds and limits ------------------------------------------------------------

test("the kinds, the default kinds, the limits and the inline images are the server's", () => {
  const sources = rustSources();
  const found = enumVariants(sources, 'Category');
  assert.ok(found.length > 0, 'no `enum Category` under src/');
  for (const { file, variants } of found) assert.deepEqual(variants.map(snakeCase), [...CATEGORIES], `Category in src/${file}`);
  const attachments = readFileSync(new URL('../../src/domain/attachments.rs', import.meta.url), 'utf8');
  const defaults = /DEFAULT_ACCEPTED: \[Category; \d+\] = \[([^\]]*)\]/.exec(attachments)?.[1] ?? '';
  assert.deepEqual(defaults.split(',').map((v) => v.trim().replace('Category::', '')).filter(Boolean).map(snakeCase), [...DEFAULT_ACCEPT]);
  assert.equal(Number(/MAX_PER_MESSAGE: usize = (\d+);/.exec(attachments)?.[1]), MAX_FILES);
  const detect = readFileSync(new URL('../../src/files/detect.rs', import.meta.url), 'utf8');
  const inline = /pub fn inline[\s\S]*?matches!\(\s*content_type,([^)]*)\)/.exec(detect)?.[1] ?? '';
  assert.deepEqual([...inline.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort(), [...INLINE_IMAGES].sort());
  const config = sources.map((s) => s.text).join('\n');
  assert.match(config, /PARLEY_MAX_UPLOAD_BYTES/, 'the server has the upload limit');
  assert.equal(MAX_UPLOAD_BYTES, 10 * MiB);
  assert.equal(UPLOAD_PATH, '/api/v1/uploads');
});

test("a site's policy: the server's defaults for what is missing, unknown kinds dropped", () => {
  assert.deepEqual(attachmentPolicy({}), { enabled: true, accept: [...DEFAULT_ACCEPT] });
  assert.deepEqual(attachmentPolicy(null), { enabled: true, accept: [...DEFAULT_ACCEPT] });
  assert.deepEqual(attachmentPolicy({ attachments: { enabled: false } }), { enabled: false, accept: [...DEFAULT_ACCEPT] });
  assert.deepEqual(attachmentPolicy({ attachments: { enabled: true, accept: ['other', 'exe', 'image'] } }), { enabled: true, accept: ['image', 'other'] });
  assert.deepEqual(attachmentPolicy({ attachments: { enabled: 'yes', accept: 'image' } }), { enabled: true, accept: [...DEFAULT_ACCEPT] });
});

// ---- words and checks -------------------------------------------------------------------------

test('sizes in words: bytes, then KB and MB with one decimal under 10', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(512), '512 B');
  assert.equal(formatSize(1023), '1023 B');
  assert.equal(formatSize(1024), '1 KB');
  assert.equal(formatSize(1536), '1.5 KB');
  assert.equal(formatSize(20 * 1024 + 300), '20 KB');
  assert.equal(formatSize(1024 * 1024 - 10), '1 MB', 'rounded up to the next unit, not "1,024 KB"');
  assert.equal(formatSize(1.25 * MiB), '1.3 MB');
  assert.equal(formatSize(10 * MiB), '10 MB');
  assert.equal(formatSize(NaN), '0 B');
  assert.equal(formatSize(-5), '0 B');
  assert.equal(formatSize(1536, 'fr', { b: '{n} o', kb: '{n} Ko', mb: '{n} Mo' }), '1,5 Ko', 'the language’s numbers and units');
  assert.equal(formatSize(2.5 * MiB, 'de'), '2,5 MB');
  assert.equal(formatSize(1536, 'no-such-language-tag!'), '1.5 KB', 'a bad language tag falls back');
});

test('a file over the limit or empty is refused before uploading', () => {
  assert.equal(checkFile({ size: 1 }), null);
  assert.equal(checkFile({ size: MAX_UPLOAD_BYTES }), null, 'exactly the limit goes');
  assert.equal(checkFile({ size: MAX_UPLOAD_BYTES + 1 }), 'too_large');
  assert.equal(checkFile({ size: 0 }), 'empty');
  assert.equal(checkFile({ size: 2000 }, { maxBytes: 1000 }), 'too_large');
});

test('the kind of a file, for its icon, from its detected type, else its name', () => {
  assert.equal(fileKind('image/png'), 'image');
  assert.equal(fileKind('image/svg+xml'), 'other', 'SVG is not a picture');
  assert.equal(fileKind('application/pdf'), 'pdf');
  assert.equal(fileKind('text/plain'), 'text');
  assert.equal(fileKind('application/vnd.openxmlformats-officedocument.wordprocessingml.document'), 'office');
  assert.equal(fileKind('application/zip'), 'archive');
  assert.equal(fileKind('application/octet-stream', 'a.pdf'), 'other', 'a detected type wins over the name');
  assert.equal(fileKind('', 'Report.PDF'), 'pdf');
  assert.equal(fileKind('', 'notes.md'), 'text');
  assert.equal(fileKind('', 'sheet.xlsx'), 'office');
  assert.equal(fileKind('', 'logs.tgz'), 'archive');
  assert.equal(fileKind('', 'setup.exe'), 'other');
});

// ---- a message's files ------------------------------------------------------------------------

test("a message's attachments: well-formed ones, http(s) links only, at most ten", () => {
  const good = { id: 'u1', name: 'shot.png', size: 42, content_type: 'image/png', url: 'https://chat.example.com/files/u1/shot.png?e=1&s=x', thumbnail_url: 'https://chat.example.com/files/u1/shot.png?e=1&s=y&v=thumb' };
  assert.deepEqual(readAttachments([good]), [good]);
  assert.deepEqual(readAttachments(undefined), []);
  assert.deepEqual(readAttachments('x'), []);
  const [hostile] = readAttachments([{ id: 'u2', name: '', size: 'big', content_type: 7, url: 'javascript:alert(1)', thumbnail_url: 'data:image/png;base64,AAAA' }]);
  assert.deepEqual(hostile, { id: 'u2', name: 'file', size: 0, content_type: '' }, 'no link but http(s); defaults for the rest');
  assert.deepEqual(readAttachments([null, 1, { name: 'no id' }, { id: '' }]), []);
  assert.equal(readAttachments(Array.from({ length: 12 }, (_, i) => ({ id: `u${i}` }))).length, MAX_FILES);
  assert.deepEqual(fileRefs([good]), [{ id: 'u1', name: 'shot.png', size: 42, content_type: 'image/png' }], 'an unsent message keeps no link');
});

test('pictures are the inline images that have a link; anything else is a chip', () => {
  assert.equal(isPicture({ id: 'a', name: 'a.png', size: 1, content_type: 'image/png', url: 'https://x/a' }), true);
  assert.equal(isPicture({ id: 'a', name: 'a.webp', size: 1, content_type: 'image/webp', thumbnail_url: 'https://x/t' }), true);
  assert.equal(isPicture({ id: 'a', name: 'a.png', size: 1, content_type: 'image/png' }), false, 'not sent yet: no link');
  assert.equal(isPicture({ id: 'a', name: 'a.svg', size: 1, content_type: 'image/svg+xml', url: 'https://x/a' }), false);
  assert.equal(isPicture({ id: 'a', name: 'a.tiff', size: 1, content_type: 'image/tiff', url: 'https://x/a' }), false, 'served as a download');
});

test('a message in a line: its text, or its files when it has none', () => {
  assert.equal(summary({ body: 'Hello', attachments: [{ id: 'a', name: 'a.png' }] }), 'Hello');
  assert.equal(summary({ body: '', attachments: [{ id: 'a', name: 'a.png' }, { id: 'b', name: 'b.pdf' }] }), 'Files: a.png, b.pdf');
  assert.equal(summary({ body: '' }), '');
  assert.equal(summary({ body: '  ', attachments: [] }), '  ');
});

// ---- the endpoint's answers -------------------------------------------------------------------

test("the endpoint's errors keep the server's code and words, and the wait", () => {
  assert.deepEqual(uploadError(413, { error: { code: 'too_large', message: 'a file of at most 10485760 bytes' } }),
    { code: 'too_large', status: 413, message: 'a file of at most 10485760 bytes', retryAfter: null });
  assert.deepEqual(uploadError(429, { error: { code: 'rate_limited', message: 'slow down' } }, '7'),
    { code: 'rate_limited', status: 429, message: 'slow down', retryAfter: 7 });
  assert.equal(uploadError(422, null).code, 'unprocessable', 'a code from the status when the body has none');
  assert.equal(uploadError(403, 'not json').code, 'forbidden');
  assert.equal(uploadError(500, null).code, 'error');
  assert.equal(uploadError(0, null).code, 'network');
  assert.equal(uploadError(429, null, 'soon').retryAfter, null);
  assert.deepEqual(uploaded({ id: 'u1', name: 'a.pdf', size: 3, content_type: 'application/pdf', extra: 1 }), { id: 'u1', name: 'a.pdf', size: 3, content_type: 'application/pdf' });
  assert.equal(uploaded({ name: 'no id' }), null);
});

test('an upload is one multipart POST with the bearer token, its progress reported', async () => {
  FakeXhr.reset();
  let token = 'visitor-token-1';
  const transport = xhrTransport({ target: () => ({ url: '/api/v1/uploads?site_key=pk_1', token }), XMLHttpRequest: /** @type {any} */ (FakeXhr) });
  const file = new File([new Uint8Array(300)], 'shot.png', { type: 'image/png' });
  const seen = [];
  const sending = transport(file, (loaded, total) => seen.push([loaded, total]));
  const xhr = FakeXhr.made[0];
  assert.equal(xhr.method, 'POST');
  assert.equal(xhr.url, '/api/v1/uploads?site_key=pk_1');
  assert.equal(xhr.headers.Authorization, 'Bearer visitor-token-1');
  assert.ok(xhr.body instanceof FormData);
  const part = xhr.body.get('file');
  assert.equal(part.name, 'shot.png');
  assert.equal(part.size, 300);
  xhr.progress(100, 480);
  xhr.progress(480, 480);
  assert.deepEqual(seen, [[100, 480], [480, 480]]);
  xhr.respond(201, { id: 'u1', name: 'shot.png', size: 300, content_type: 'image/png' });
  assert.deepEqual(await sending.promise, { id: 'u1', name: 'shot.png', size: 300, content_type: 'image/png' });

  token = 'visitor-token-2';
  transport(file, () => {}).promise.catch(() => {});
  assert.equal(FakeXhr.made[1].headers.Authorization, 'Bearer visitor-token-2', 'the token as it is at each attempt');
});

test("an upload's failures: the server's error, the network, an abort, no token yet", async () => {
  FakeXhr.reset();
  let where = { url: '/api/v1/uploads', token: 'jwt' };
  const transport = xhrTransport({ target: () => where, XMLHttpRequest: /** @type {any} */ (FakeXhr) });
  const file = new File(['x'], 'a.exe');

  const refused = transport(file, () => {});
  FakeXhr.made[0].respond(422, { error: { code: 'unprocessable', message: 'this site does not accept application/x-msdownload files' } });
  await assert.rejects(refused.promise, { code: 'unprocessable', status: 422, message: 'this site does not accept application/x-msdownload files' });

  const limited = transport(file, () => {});
  FakeXhr.made[1].respond(429, { error: { code: 'rate_limited', message: 'too many' } }, { 'retry-after': '12' });
  await assert.rejects(limited.promise, { code: 'rate_limited', retryAfter: 12 });

  const garbled = transport(file, () => {});
  FakeXhr.made[2].respond(201, '<html>proxy</html>');
  await assert.rejects(garbled.promise, { status: 502 }, 'a success without an upload is no success');

  const lost = transport(file, () => {});
  FakeXhr.made[3].fail();
  await assert.rejects(lost.promise, { code: 'network', status: 0 });

  const aborted = transport(file, () => {});
  aborted.abort();
  assert.equal(FakeXhr.made[4].aborted, true);
  await assert.rejects(aborted.promise, { code: 'aborted' });

  where = null;
  await assert.rejects(transport(file, () => {}).promise, { code: 'unauthorized', status: 401 });
  assert.equal(FakeXhr.made.length, 5, 'no request without a token');
});

test('an upload started before the session waits for its token, and an abort meanwhile sends nothing', async () => {
  FakeXhr.reset();
  /** @type {(where: {url: string, token: string} | null) => void} */
  let arrive = () => {};
  const transport = xhrTransport({ target: () => new Promise((resolve) => { arrive = resolve; }), XMLHttpRequest: /** @type {any} */ (FakeXhr) });
  const file = new File(['x'], 'notes.txt', { type: 'text/plain' });

  const waiting = transport(file, () => {});
  await Promise.resolve();
  assert.equal(FakeXhr.made.length, 0, 'nothing sent before the token');
  arrive({ url: '/api/v1/uploads?site_key=pk_1', token: 'fresh' });
  await new Promise((r) => setImmediate(r));
  assert.equal(FakeXhr.made.length, 1);
  assert.equal(FakeXhr.made[0].headers.Authorization, 'Bearer fresh');
  FakeXhr.made[0].respond(201, { id: 'u1', name: 'notes.txt', size: 1, content_type: 'text/plain' });
  assert.equal((await waiting.promise).id, 'u1');

  const none = transport(file, () => {});
  arrive(null);
  await assert.rejects(none.promise, { code: 'unauthorized', status: 401 });

  const dropped = transport(file, () => {});
  dropped.abort();
  await assert.rejects(dropped.promise, { code: 'aborted' });
  arrive({ url: '/api/v1/uploads', token: 'late' });
  await new Promise((r) => setImmediate(r));
  assert.equal(FakeXhr.made.length, 1, 'no request after the abort');
});

// ---- one file, and the tray -------------------------------------------------------------------

/** A transport the test answers: each call is kept with its progress, answer and abort. */
function fakeTransport() {
  const calls = [];
  /** @type {import('../uploads.js').Transport} */
  const transport = (file, progress) => {
    const call = { file, progress, aborted: false, resolve: null, reject: null };
    const promise = new Promise((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    calls.push(call);
    return { promise, abort: () => { call.aborted = true; call.reject({ code: 'aborted' }); } };
  };
  return { transport, calls };
}

const file = (name, bytes, type = '') => new File([new Uint8Array(bytes)], name, { type });

test('a file uploads: progress only forward, done with what the server answered', async () => {
  const { transport, calls } = fakeTransport();
  const changes = [];
  const upload = new Upload('f1', file('a.pdf', 1000, 'application/pdf'), { transport, changed: (u) => changes.push(`${u.state}:${u.progress}`) });
  assert.equal(upload.state, 'uploading');
  assert.equal(calls.length, 0, 'nothing sent before start()');
  upload.start();
  upload.start();
  assert.equal(calls.length, 1, 'one request at a time');
  calls[0].progress(400, 1000);
  calls[0].progress(300, 1000);
  assert.equal(upload.progress, 0.4, 'progress never goes back');
  calls[0].progress(5000, 1000);
  assert.equal(upload.progress, 1);
  calls[0].resolve({ id: 'u1', name: 'a.pdf', size: 1000, content_type: 'application/pdf' });
  await settle();
  assert.equal(upload.state, 'done');
  assert.deepEqual(upload.result, { id: 'u1', name: 'a.pdf', size: 1000, content_type: 'application/pdf' });
  assert.deepEqual(changes, ['uploading:0', 'uploading:0.4', 'uploading:0.4', 'uploading:1', 'done:1']);
});

test('a failed upload says why and is tried again by Retry; a late answer of a given-up attempt is ignored', async () => {
  const { transport, calls } = fakeTransport();
  const upload = new Upload('f1', file('a.png', 10, 'image/png'), { transport });
  upload.start();
  calls[0].reject({ code: 'rate_limited', status: 429, message: 'slow down', retryAfter: 3 });
  await settle();
  assert.equal(upload.state, 'failed');
  assert.deepEqual(upload.error, { code: 'rate_limited', status: 429, message: 'slow down', retryAfter: 3 });
  upload.retry();
  assert.equal(upload.state, 'uploading');
  assert.equal(upload.error, null);
  assert.equal(upload.progress, 0);
  assert.equal(calls.length, 2);
  calls[0].resolve({ id: 'stale', name: 'a.png', size: 10, content_type: 'image/png' });
  await settle();
  assert.equal(upload.state, 'uploading', 'the first attempt is over');
  calls[1].resolve({ id: 'u2', name: 'a.png', size: 10, content_type: 'image/png' });
  await settle();
  assert.equal(upload.state, 'done');
  assert.equal(upload.result?.id, 'u2');
  upload.retry();
  assert.equal(calls.length, 2, 'nothing to retry once done');
});

test('a file too large is never uploaded; removing an upload aborts it', async () => {
  const { transport, calls } = fakeTransport();
  const big = new Upload('f1', { name: 'huge.zip', size: MAX_UPLOAD_BYTES + 1, type: 'application/zip' }, { transport });
  big.start();
  assert.equal(big.state, 'invalid');
  assert.equal(big.problem, 'too_large');
  assert.equal(calls.length, 0);
  big.retry();
  assert.equal(calls.length, 0);

  const upload = new Upload('f2', file('a.txt', 5), { transport });
  upload.start();
  upload.remove();
  assert.equal(calls[0].aborted, true);
  assert.equal(upload.state, 'removed');
  await settle();
  assert.equal(upload.state, 'removed', 'the abort is not a failure');
});

test('the tray: ten files at most, ready once all are uploaded, blocked by a failure until retried or removed', async () => {
  const { transport, calls } = fakeTransport();
  let changes = 0;
  const tray = new Tray({ transport, changed: () => changes++ });
  assert.equal(tray.state(), 'empty');
  const first = tray.add([file('a.png', 10, 'image/png'), file('b.pdf', 20, 'application/pdf')]);
  assert.equal(first.refused, 0);
  assert.equal(calls.length, 2, 'uploads start at once');
  assert.equal(tray.state(), 'busy');
  calls[1].resolve({ id: 'u-b', name: 'b.pdf', size: 20, content_type: 'application/pdf' });
  calls[0].reject({ code: 'network' });
  await settle();
  assert.equal(tray.state(), 'blocked');
  assert.deepEqual(tray.attachments().map((a) => a.id), ['u-b']);
  tray.retry(tray.uploads[0].key);
  assert.equal(tray.state(), 'busy');
  calls[2].resolve({ id: 'u-a', name: 'a.png', size: 10, content_type: 'image/png' });
  await settle();
  assert.equal(tray.state(), 'ready');
  assert.deepEqual(tray.attachments().map((a) => a.id), ['u-a', 'u-b'], 'in the order they were added');

  const more = tray.add(Array.from({ length: 10 }, (_, i) => file(`f${i}.txt`, 1)));
  assert.equal(more.added.length, 8);
  assert.equal(more.refused, 2);
  assert.equal(tray.count, MAX_FILES);

  tray.add([{ name: 'huge.mov', size: MAX_UPLOAD_BYTES * 2, type: '' }]);
  assert.equal(tray.count, MAX_FILES, 'still ten');
  tray.remove(tray.uploads[9].key);
  const { added } = tray.add([{ name: 'huge.mov', size: MAX_UPLOAD_BYTES * 2, type: '' }]);
  assert.equal(added[0].state, 'invalid');
  assert.equal(tray.state(), 'busy');
  for (const c of calls.slice(3)) c.resolve({ id: `u-${calls.indexOf(c)}`, name: 'x', size: 1, content_type: 'text/plain' });
  await settle();
  assert.equal(tray.state(), 'blocked', 'a file refused before uploading blocks too');
  tray.remove(added[0].key);
  assert.equal(tray.state(), 'ready');
  assert.equal(tray.attachments().length, 9);

  tray.add([file('late.txt', 3)]);
  const late = calls[calls.length - 1];
  tray.clear();
  assert.equal(tray.state(), 'empty');
  assert.equal(late.aborted, true, 'clearing aborts what is still uploading');
  assert.ok(changes > 0);
});

test("files uploaded before (a canned response's) join the tray done, once each, within the limit", async () => {
  const { transport, calls } = fakeTransport();
  let changes = 0;
  const tray = new Tray({ transport, changed: () => changes++ });
  const guide = { id: 'k-1', name: 'guide.pdf', size: 5000, content_type: 'application/pdf', url: 'https://chat.example.com/files/k-1/guide.pdf?s=x' };
  const { added, refused } = tray.attach([guide, { id: '', name: 'broken' }, 'nonsense']);
  assert.equal(refused, 0);
  assert.equal(added.length, 1, 'malformed ones left out');
  assert.equal(calls.length, 0, 'never uploaded again');
  assert.equal(added[0].state, 'done');
  assert.equal(added[0].progress, 1);
  assert.deepEqual([added[0].name, added[0].size, added[0].type], ['guide.pdf', 5000, 'application/pdf']);
  assert.equal(tray.state(), 'ready');
  assert.deepEqual(tray.attachments(), [{ id: 'k-1', name: 'guide.pdf', size: 5000, content_type: 'application/pdf' }], 'no links kept');
  assert.equal(changes, 1);
  added[0].retry();
  added[0].start();
  assert.equal(calls.length, 0);

  assert.equal(tray.attach([guide]).added.length, 0, 'the same file is not added twice');
  tray.add([file('mine.txt', 3)]);
  assert.equal(tray.state(), 'busy', 'a new file still uploads');
  calls[0].resolve({ id: 'u-1', name: 'mine.txt', size: 3, content_type: 'text/plain' });
  await settle();
  const many = Array.from({ length: 10 }, (_, i) => ({ id: `k-${i + 2}`, name: `f${i}.txt`, size: 1, content_type: 'text/plain' }));
  const more = tray.attach(many);
  assert.equal(more.added.length, 8);
  assert.equal(more.refused, 2);
  assert.equal(tray.count, MAX_FILES);
  assert.deepEqual(tray.attachments().slice(0, 3).map((a) => a.id), ['k-1', 'u-1', 'k-2'], 'in the order they were added');
  tray.remove(tray.uploads[0].key);
  assert.equal(tray.count, MAX_FILES - 1);
  assert.equal(tray.attach([guide]).added.length, 1, 'removed, it may come back');
  tray.clear();
  assert.equal(tray.state(), 'empty');
});
