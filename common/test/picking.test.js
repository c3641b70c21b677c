// Choosing files (common/picking.js, in the widget's first-open code and used by the
// dashboard): the attach button per the site's policy, what the picker offers, the files of a
// paste or a drop. That the widget's first-open code stays out of its attachments chunk and the
// other way round is checked by widget/test/attachments.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PICKER, draggingFiles, filesEnabled, filesFrom, pickerAccept } from '../picking.js';
import { CATEGORIES } from '../uploads.js';

test('the attach button shows unless the site turned files off or accepts no kind', () => {
  assert.equal(filesEnabled({}), true, "the server's default");
  assert.equal(filesEnabled({ attachments: { enabled: true, accept: ['image'] } }), true);
  assert.equal(filesEnabled({ attachments: { enabled: false, accept: ['image'] } }), false);
  assert.equal(filesEnabled({ attachments: { enabled: true, accept: [] } }), false);
  assert.equal(filesEnabled(/** @type {any} */ (null)), true);
});

test('the picker offers the kinds the site accepts, anything when it accepts other', () => {
  assert.deepEqual([...Object.keys(PICKER), 'other'], [...CATEGORIES], 'every kind but other has its filter');
  assert.equal(pickerAccept({}), '');
  assert.equal(pickerAccept({ attachments: { enabled: true, accept: ['image', 'pdf'] } }), `${PICKER.image},${PICKER.pdf}`);
  assert.equal(pickerAccept({ attachments: { enabled: true, accept: ['image', 'other'] } }), '');
  assert.equal(pickerAccept({ attachments: { enabled: true, accept: ['image', 'bogus', '__proto__'] } }), PICKER.image);
});

/** A DataTransfer as a paste or a drop gives it. */
function transfer({ types = [], files = [], items = [] } = {}) {
  return /** @type {any} */ ({ types, files, items });
}
const png = { name: 'image.png', size: 3, type: 'image/png' };

test('a paste of a screenshot gives the file; a paste with text in it pastes the text', () => {
  assert.deepEqual(filesFrom(transfer({ types: ['Files'], files: [png] }), { textWins: true }), [png]);
  assert.deepEqual(filesFrom(transfer({ types: ['text/plain', 'text/html', 'Files'], files: [png] }), { textWins: true }), [],
    'cells copied from a spreadsheet come with a picture of them: the text wins');
  assert.deepEqual(filesFrom(transfer({ types: ['text/html', 'Files'], files: [png] }), { textWins: true }), [png], 'an image copied from a page');
  assert.deepEqual(filesFrom(transfer({ types: ['text/plain', 'Files'], files: [png] })), [png], 'a drop takes the files');
  const items = [{ kind: 'string', getAsFile: () => null }, { kind: 'file', getAsFile: () => png }, { kind: 'file', getAsFile: () => null }];
  assert.deepEqual(filesFrom(transfer({ types: ['Files'], items })), [png], 'from the items when `files` is empty');
  assert.deepEqual(filesFrom(null), []);
});

test('only a drag carrying files shows the drop hint', () => {
  assert.equal(draggingFiles(transfer({ types: ['Files'] })), true);
  assert.equal(draggingFiles(transfer({ types: ['text/plain', 'text/uri-list'] })), false);
  assert.equal(draggingFiles(null), false);
});

