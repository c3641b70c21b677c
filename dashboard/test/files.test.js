// The dashboard's file views (views/files.js) on a tiny fake document: a message's files
// (thumbnails opening the viewer, chips downloading), the image viewer, the tray of files for
// the next reply (chips, progress, Retry, Remove), the words for a file that cannot go, and
// the drop zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MiniDocument } from '../../common/test/helpers/mini-dom.js';
import { settle, setGlobal } from './helpers.js';
import { Lightbox, UploadTray, dropZone, filesList, problemText, waitText } from '../views/files.js';
import { MAX_UPLOAD_BYTES } from '../../common/uploads.js';

const LINK = 'https://chat.example.com/files/u-1/shot.png?e=99&s=a';
const THUMB = `${LINK}&v=thumb`;
const PDF_LINK = 'https://chat.example.com/files/u-2/guide.pdf?e=99&s=b';

/** @param {import('node:test').TestContext} t */
const useDocument = (t) => setGlobal(t, 'document', new MiniDocument());

test("a message's files: an image's thumbnail opens the viewer, another file downloads", (t) => {
  useDocument(t);
  assert.equal(filesList([]), null);
  assert.equal(filesList(undefined), null);
  const opened = [];
  const list = filesList([
    { id: 'u-1', name: 'shot.png', size: 2048, content_type: 'image/png', url: LINK, thumbnail_url: THUMB },
    { id: 'u-2', name: 'guide.pdf', size: 5000, content_type: 'application/pdf', url: PDF_LINK },
  ], { open: (a, trigger) => opened.push([a.id, trigger]) });
  assert.ok(list);
  assert.equal(list.getAttribute('data-testid'), 'message-files');
  const thumb = list.querySelector('[data-testid="file-image"]');
  assert.equal(thumb.tagName, 'BUTTON');
  assert.equal(thumb.getAttribute('aria-label'), 'View image shot.png');
  const img = thumb.querySelector('img');
  assert.equal(img.src, THUMB);
  assert.equal(img.alt, 'shot.png');
  thumb.click();
  assert.deepEqual(opened, [['u-1', thumb]]);
  img.dispatch('error');
  assert.equal(img.src, LINK, 'the image itself when its preview fails');

  const chip = list.querySelector('[data-testid="file-chip"]');
  assert.equal(chip.tagName, 'A');
  assert.equal(chip.href, PDF_LINK);
  assert.equal(chip.download, 'guide.pdf');
  assert.equal(chip.rel, 'noopener noreferrer');
  assert.equal(chip.querySelector('.file-badge').textContent, 'PDF');
  assert.equal(chip.querySelector('.file-badge').getAttribute('data-kind'), 'pdf');
  assert.equal(chip.querySelector('.file-name').textContent, 'guide.pdf');
  assert.equal(chip.querySelector('.file-size').textContent, '4.9 KB');
});

test('a reply not sent yet shows its files without links', (t) => {
  useDocument(t);
  const list = filesList([{ id: 'u-1', name: 'shot.png', size: 10, content_type: 'image/png' }, { id: 'u-3', name: 'x', size: 1, content_type: '', url: 'javascript:alert(1)' }]);
  assert.ok(list);
  assert.deepEqual(list.querySelectorAll('[data-testid="file-chip"]').map((c) => c.tagName), ['SPAN', 'SPAN']);
  assert.equal(list.querySelector('img'), null);
  assert.equal(list.querySelectorAll('.file-badge')[1].textContent, 'OTHER', 'no extension: the kind');
});

test('the image viewer: the image, its name, a download link; closing gives the focus back', (t) => {
  const doc = useDocument(t);
  const trigger = doc.createElement('button');
  const viewer = new Lightbox();
  viewer.open({ id: 'u-1', name: 'shot.png', size: 2048, content_type: 'image/png', url: LINK, thumbnail_url: THUMB }, /** @type {any} */ (trigger));
  const dialog = doc.body.querySelector('[data-testid="lightbox"]');
  assert.equal(dialog.open, true);
  assert.equal(dialog.querySelector('[data-testid="lightbox-image"]').src, LINK, 'the full image, not the preview');
  assert.equal(dialog.querySelector('[data-testid="lightbox-name"]').textContent, 'shot.png');
  const download = dialog.querySelector('[data-testid="lightbox-download"]');
  assert.equal(download.href, LINK);
  assert.equal(download.download, 'shot.png');
  assert.equal(doc.activeElement, dialog.querySelector('[data-testid="lightbox-close"]'));
  dialog.dispatch('cancel');
  assert.equal(dialog.open, false, 'Escape closes');
  assert.equal(doc.body.querySelector('[data-testid="lightbox"]'), null);
  assert.equal(doc.activeElement, trigger);

  viewer.open({ id: 'u-1', name: 'shot.png', size: 2048, content_type: 'image/png', url: LINK });
  const again = doc.body.querySelector('[data-testid="lightbox"]');
  again.dispatch('click', { target: again.querySelector('figure') });
  assert.equal(again.open, true, 'a click on the caption leaves it open');
  again.dispatch('click', { target: again });
  assert.equal(again.open, false, 'a click around the image closes');
  viewer.open({ id: 'u-1', name: 'shot.png', size: 2048, content_type: 'image/png', url: LINK });
  doc.body.querySelector('[data-testid="lightbox-image"]').click();
  assert.equal(doc.body.querySelector('[data-testid="lightbox"]'), null, 'so does a click on the image');
});

/** A transport the test answers. */
function fakeTransport() {
  const calls = [];
  /** @type {import('../../common/uploads.js').Transport} */
  const transport = (file, progress) => {
    const call = { file, progress, aborted: false, resolve: null, reject: null };
    const promise = new Promise((resolve, reject) => Object.assign(call, { resolve, reject }));
    calls.push(call);
    return { promise, abort: () => { call.aborted = true; call.reject({ code: 'aborted' }); } };
  };
  return { transport, calls };
}

test('the tray: chips with progress, the server’s reason and Retry, Remove, ready when all are done', async (t) => {
  const doc = useDocument(t);
  const { transport, calls } = fakeTransport();
  let changed = 0;
  let back = 0;
  const tray = new UploadTray({ transport, changed: () => changed++, focusAfterLast: () => back++ });
  assert.equal(tray.el.hidden, true);
  tray.add([new File(['%PDF'], 'guide.pdf', { type: 'application/pdf' }), new File(['x'], 'shot.png', { type: 'image/png' })]);
  assert.equal(tray.el.hidden, false);
  const chips = () => tray.el.querySelectorAll('[data-testid="upload-chip"]');
  assert.deepEqual(chips().map((c) => [c.getAttribute('data-name'), c.getAttribute('data-state')]), [['guide.pdf', 'uploading'], ['shot.png', 'uploading']]);
  const bar = chips()[0].querySelector('progress');
  calls[0].progress(2, 4);
  assert.equal(chips()[0].querySelector('progress'), bar);
  assert.equal(bar.value, 0.5);
  calls[0].resolve({ id: 'u-1', name: 'guide.pdf', size: 4, content_type: 'application/pdf' });
  calls[1].reject({ code: 'unprocessable', status: 422, message: 'this file is not a valid image/png', retryAfter: null });
  await settle();
  assert.equal(tray.state(), 'blocked');
  assert.equal(chips()[1].querySelector('[data-testid="upload-error"]').textContent, 'this file is not a valid image/png');
  chips()[1].querySelector('[data-testid="upload-retry"]').click();
  assert.equal(calls.length, 2 + 1);
  calls[2].resolve({ id: 'u-2', name: 'shot.png', size: 1, content_type: 'image/png' });
  await settle();
  assert.equal(tray.state(), 'ready');
  assert.deepEqual(tray.attachments().map((a) => a.id), ['u-1', 'u-2']);
  chips()[1].querySelector('[data-testid="upload-remove"]').click();
  assert.equal(doc.activeElement, chips()[0].querySelector('.chip-remove'), 'the focus goes to the chip before');
  chips()[0].querySelector('[data-testid="upload-remove"]').click();
  assert.equal(back, 1, 'then back to the reply box');
  assert.equal(tray.el.hidden, true);
  assert.ok(changed > 0);

  tray.add(Array.from({ length: 11 }, (_, i) => new File(['x'], `f${i}.txt`)));
  assert.equal(chips().length, 10);
  assert.equal(tray.el.querySelector('[data-testid="upload-tray-error"]').textContent, 'At most 10 files per message.');
  tray.clear();
  assert.equal(chips().length, 0);
  assert.equal(tray.el.hidden, true);
});

test("a canned response's files join the tray done, without uploading; removable; the limit said per what", (t) => {
  useDocument(t);
  const { transport, calls } = fakeTransport();
  let changed = 0;
  const tray = new UploadTray({ transport, changed: () => changed++, label: 'Files sent with this response', per: 'canned response' });
  assert.equal(tray.el.querySelector('[data-testid="upload-tray"]').getAttribute('aria-label'), 'Files sent with this response');
  const guide = { id: 'k-1', name: 'guide.pdf', size: 5000, content_type: 'application/pdf', url: PDF_LINK };
  tray.attach([guide]);
  assert.equal(calls.length, 0, 'nothing uploaded');
  assert.equal(tray.el.hidden, false);
  const chips = () => tray.el.querySelectorAll('[data-testid="upload-chip"]');
  assert.deepEqual(chips().map((c) => [c.getAttribute('data-name'), c.getAttribute('data-state')]), [['guide.pdf', 'done']]);
  assert.equal(chips()[0].querySelector('.file-size').textContent, '4.9 KB');
  assert.equal(chips()[0].querySelector('.file-badge').textContent, 'PDF');
  assert.equal(chips()[0].querySelector('progress'), null);
  assert.equal(tray.state(), 'ready');
  assert.deepEqual(tray.attachments(), [{ id: 'k-1', name: 'guide.pdf', size: 5000, content_type: 'application/pdf' }]);
  tray.attach([guide]);
  assert.equal(chips().length, 1, 'the same file once');
  assert.ok(changed > 0);

  tray.attach(Array.from({ length: 11 }, (_, i) => ({ id: `k-${i + 2}`, name: `f${i}.txt`, size: 1, content_type: 'text/plain' })));
  assert.equal(chips().length, 10);
  assert.equal(tray.el.querySelector('[data-testid="upload-tray-error"]').textContent, 'At most 10 files per canned response.');
  chips()[0].querySelector('[data-testid="upload-remove"]').click();
  assert.equal(chips().length, 9);
  assert.equal(tray.attachments()[0].id, 'k-2');
  tray.clear();
  assert.equal(tray.el.hidden, true);
});

test('why the files make a reply (or a canned response) wait, in words', () => {
  assert.equal(waitText('busy'), 'Wait until the files are uploaded.');
  assert.equal(waitText('blocked'), 'Retry or remove the files that could not be uploaded.');
  assert.equal(waitText('ready'), null);
  assert.equal(waitText('empty'), null);
});

test('why a file cannot go, in words', () => {
  const said = (problem, error) => problemText(/** @type {any} */ ({ problem, error }));
  assert.equal(said('too_large', null), 'Too large: 10 MB at most.');
  assert.equal(said('empty', null), 'This file is empty.');
  assert.equal(said(null, { code: 'rate_limited', message: 'too many uploads', retryAfter: 20 }), 'too many uploads (retry in 20 s)');
  assert.equal(said(null, { code: 'rate_limited', message: '', retryAfter: null }), 'Too many files at once. Retry in a moment.');
  assert.equal(said(null, { code: 'network', message: '' }), 'The server cannot be reached.');
  assert.equal(said(null, { code: 'error', message: '' }), 'Could not upload this file.');
  assert.equal(MAX_UPLOAD_BYTES, 10 * 1024 * 1024);
});

test('the drop zone: files dragged over show the hint and are taken when dropped; text is left alone', (t) => {
  const doc = useDocument(t);
  const zone = doc.createElement('div');
  const hint = doc.createElement('div');
  const taken = [];
  const off = dropZone(/** @type {any} */ (zone), /** @type {any} */ (hint), (files) => taken.push(files.map((f) => f.name)));
  assert.equal(hint.hidden, true);
  const files = { types: ['Files'], files: [{ name: 'a.png' }], items: [] };
  let prevented = 0;
  const ev = (dataTransfer) => ({ dataTransfer, preventDefault: () => prevented++ });
  zone.dispatch('dragenter', ev(files));
  zone.dispatch('dragenter', ev(files));
  assert.equal(hint.hidden, false);
  zone.dispatch('dragleave', ev(files));
  assert.equal(hint.hidden, false, 'still over a child');
  zone.dispatch('dragover', ev(files));
  zone.dispatch('drop', ev(files));
  assert.equal(hint.hidden, true);
  assert.deepEqual(taken, [['a.png']]);
  assert.equal(prevented, 4, 'the browser neither opens nor refuses the files');

  const text = { types: ['text/plain'], files: [], items: [] };
  zone.dispatch('dragenter', ev(text));
  zone.dispatch('drop', ev(text));
  assert.equal(hint.hidden, true);
  assert.equal(taken.length, 1);
  off();
  zone.dispatch('drop', ev(files));
  assert.equal(taken.length, 1, 'gone with the conversation');
});
