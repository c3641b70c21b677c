// Canned responses without the DOM (lib/canned.js): one as the API gives it, its files checked
// as a message's; what `/query` offers in the composer; what the admin form sends (files by
// id, each once); the files in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CANNED_FILES, MAX_OFFERED, cannedRequest, filesInWords, matchCanned, readCanned, readCannedList } from '../lib/canned.js';
import { MAX_FILES } from '../../common/uploads.js';

const PDF = { id: 'u-1', name: 'guide.pdf', size: 5000, content_type: 'application/pdf', url: 'https://chat.example.com/files/u-1/guide.pdf?e=9&s=a' };

test('a canned response as the API gives it: its files checked, none from an older server', () => {
  assert.deepEqual(readCanned({ id: 'k-1', shortcut: 'manual', title: 'Manual', body: 'Here it is.', attachments: [PDF, { id: 'u-2', name: 'x', size: 1, content_type: '', url: 'javascript:alert(1)' }, { name: 'no id' }] }), {
    id: 'k-1', shortcut: 'manual', title: 'Manual', body: 'Here it is.',
    attachments: [PDF, { id: 'u-2', name: 'x', size: 1, content_type: '' }],
  });
  assert.deepEqual(readCanned({ id: 'k-2', shortcut: 'hi', body: 'Hello' }), { id: 'k-2', shortcut: 'hi', title: '', body: 'Hello', attachments: [] });
  assert.equal(readCanned({ shortcut: 'x' }), null);
  assert.equal(readCanned({ id: 'k-3' }), null);
  assert.equal(readCanned(null), null);
  const page = { items: [{ id: 'k-1', shortcut: 'a', title: '', body: 'A', attachments: [] }, 'junk', { id: 'k-2', shortcut: 'b', body: 'B' }], next_cursor: null };
  assert.deepEqual(readCannedList(page).map((c) => c.id), ['k-1', 'k-2']);
  assert.deepEqual(readCannedList(page.items).map((c) => c.id), ['k-1', 'k-2']);
  assert.deepEqual(readCannedList(undefined), []);
  assert.equal(MAX_CANNED_FILES, MAX_FILES, "a message's limit");
});

test('what /query offers: shortcuts starting with it first, then shortcuts or titles containing it', () => {
  const c = (shortcut, title = '') => ({ id: shortcut, shortcut, title, body: '', attachments: [] });
  const all = [c('refund', 'Money back'), c('shipping', 'Shipping times'), c('ship-eu'), c('reship', 'Send again'), c('hello', 'Welcome, SHIPpers')];
  assert.deepEqual(matchCanned(all, 'ship').map((x) => x.shortcut), ['shipping', 'ship-eu', 'reship', 'hello']);
  assert.deepEqual(matchCanned(all, 'MONEY').map((x) => x.shortcut), ['refund']);
  assert.equal(matchCanned(all, '').length, all.length);
  const many = Array.from({ length: 20 }, (_, i) => c(`s${i}`));
  assert.equal(matchCanned(many, 's').length, MAX_OFFERED);
  assert.equal(matchCanned(many, 's', 3).length, 3);
});

test('what the admin form sends: the shortcut in lower case, the title trimmed, the files by id once each', () => {
  const files = [{ id: 'u-1', name: 'a.pdf', size: 1, content_type: 'application/pdf' }, { id: 'u-2', name: 'b.png', size: 2, content_type: 'image/png' }, { id: 'u-1', name: 'a.pdf', size: 1, content_type: 'application/pdf' }];
  assert.deepEqual(cannedRequest({ shortcut: ' Manual ', title: '  The manual ', body: ' Here it is.\n' }, files), {
    shortcut: 'manual', title: 'The manual', body: ' Here it is.\n', attachments: ['u-1', 'u-2'],
  });
  assert.deepEqual(cannedRequest({ shortcut: 'hi', title: '', body: 'Hello' }, []).attachments, [], 'none: an empty list (a PATCH then removes them all)');
});

test("a canned response's files in words", () => {
  assert.equal(filesInWords([]), '');
  assert.equal(filesInWords([PDF]), '1 file: guide.pdf (4.9 KB)');
  assert.equal(filesInWords([PDF, { id: 'u-2', name: 'shot.png', size: 10, content_type: 'image/png' }]), '2 files: guide.pdf, shot.png');
});
