import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  ATTACHMENT_KINDS, DEFAULT_SETTINGS, FIELD_KINDS, MAX_FIELDS, OFFLINE_POLICIES, answers, attachmentsFromForm, attachmentsRows,
  changedSettings, fieldLabel, nameFromLabel, prechatFromRows, prechatRows,
} from '../lib/settings.js';
import { enumVariants } from './helpers.js';
import { enumVariants as rustEnums, rustSources, snakeCase } from '../../common/test/helpers/rust.js';

const row = (fields = {}) => ({ name: '', kind: 'text', label: 'Question', required: false, options: '', ...fields });

test('the defaults, policies and kinds are the server\'s', () => {
  const source = fs.readFileSync(new URL('../../src/domain/settings.rs', import.meta.url), 'utf8');
  assert.equal(Number(/pub const MAX_FIELDS: usize = (\d+);/.exec(source)?.[1]), MAX_FIELDS);
  const variants = (name) => enumVariants(source, name);
  assert.deepEqual(variants('OfflinePolicy'), OFFLINE_POLICIES.map((p) => p.id));
  assert.deepEqual(variants('FieldKind'), FIELD_KINDS.map((k) => k.id));
  assert.equal(DEFAULT_SETTINGS.offline, 'message');
  assert.equal(DEFAULT_SETTINGS.offline_email_required, false);
  assert.deepEqual(DEFAULT_SETTINGS.prechat, { enabled: false, fields: [] });
  for (const p of OFFLINE_POLICIES) assert.ok(p.help.endsWith('.'), `a sentence for ${p.id}`);
});

test('a pre-chat form round-trips through the editor; translations are kept as they came', () => {
  const prechat = {
    enabled: true,
    fields: [
      { name: 'name', kind: 'text', label: 'Your name', required: true },
      { name: 'topic', kind: 'select', label: 'Topic', required: false, options: ['Billing', 'Shipping'], labels: { fr: 'Sujet' } },
      { name: 'newsletter', kind: 'checkbox', label: 'Newsletter?', required: false },
    ],
  };
  const { enabled, rows } = prechatRows(prechat);
  assert.equal(enabled, true);
  assert.equal(rows[1].options, 'Billing\nShipping');
  assert.deepEqual(prechatFromRows(enabled, rows), { prechat, error: null });
  assert.deepEqual(prechatRows(undefined), { enabled: false, rows: [] });
});

test('an empty name is made from the label; options are trimmed, deduplicated, and only for a select', () => {
  assert.equal(nameFromLabel('Order number'), 'order_number');
  assert.equal(nameFromLabel('  Téléphone (mobile) '), 'telephone_mobile');
  assert.equal(nameFromLabel('x'.repeat(40)).length, 32);
  const { prechat } = prechatFromRows(true, [
    row({ label: 'Order number' }),
    row({ name: 'plan', kind: 'select', label: 'Plan', options: ' Free \n\nPro\nPro\n' }),
    row({ name: 'phone', kind: 'phone', label: 'Phone', options: 'left over from a select' }),
  ]);
  assert.deepEqual(prechat?.fields.map((f) => [f.name, f.options]), [['order_number', undefined], ['plan', ['Free', 'Pro']], ['phone', undefined]]);
});

test('the first mistake is named at its field, before asking', () => {
  const cases = [
    [[row({ label: ' ' })], { index: 0, field: 'label' }],
    [[row({ name: 'Order Number' })], { index: 0, field: 'name' }],
    [[row({ name: 'x'.repeat(33) })], { index: 0, field: 'name' }],
    [[row({ name: 'topic' }), row({ name: 'topic' })], { index: 1, field: 'name' }],
    [[row({ label: 'Topic' }), row({ name: 'topic' })], { index: 1, field: 'name' }],
    [[row({ kind: 'date' })], { index: 0, field: 'kind' }],
    [[row({ kind: 'select', options: ' \n ' })], { index: 0, field: 'options' }],
    [Array.from({ length: MAX_FIELDS + 1 }, (_, i) => row({ name: `q${i}` })), { index: MAX_FIELDS, field: 'add' }],
  ];
  for (const [rows, where] of cases) {
    const { prechat, error } = prechatFromRows(false, rows);
    assert.equal(prechat, null);
    assert.deepEqual({ index: error?.index, field: error?.field }, where, JSON.stringify(rows));
  }
  assert.equal(prechatFromRows(true, []).error?.field, 'add', 'on, with no field');
  assert.deepEqual(prechatFromRows(false, []), { prechat: { enabled: false, fields: [] }, error: null });
});

test('a save sends only the settings that changed', () => {
  const before = { ...DEFAULT_SETTINGS, title: 'Hi' };
  assert.deepEqual(changedSettings(before, { ...before }), {});
  assert.deepEqual(changedSettings(before, { ...before, title: 'Hello', offline: 'form' }), { title: 'Hello', offline: 'form' });
  const prechat = { enabled: true, fields: [{ name: 'name', kind: 'text', label: 'Name', required: true }] };
  assert.deepEqual(changedSettings(before, { ...before, prechat }), { prechat });
  assert.deepEqual(changedSettings({ ...before, prechat }, { ...before, prechat: structuredClone(prechat) }), {}, 'compared by value');
  // A server that does not know a newer setting: its default is nothing to send.
  const older = { title: 'Hi' };
  assert.deepEqual(changedSettings({ ...DEFAULT_SETTINGS, ...older }, { ...DEFAULT_SETTINGS, ...older }), {});
});

test('a visitor\'s answers as agents read them', () => {
  assert.deepEqual(answers({ order_number: 'A-12', newsletter: true, terms: false, empty: '', gone: null }), [
    ['order_number', 'A-12'], ['newsletter', 'Yes'], ['terms', 'No'],
  ]);
  assert.deepEqual(answers(null), []);
  assert.deepEqual(answers(['a']), []);
  assert.equal(fieldLabel('order_number'), 'Order number');
  assert.equal(fieldLabel('plan'), 'Plan');
});

test("the kinds of file a site may accept and its default policy are the server's", () => {
  const source = fs.readFileSync(new URL('../../src/domain/attachments.rs', import.meta.url), 'utf8');
  const found = rustEnums(rustSources(), 'Category');
  assert.ok(found.length, 'no `enum Category` under src/');
  for (const { file, variants } of found) assert.deepEqual(ATTACHMENT_KINDS.map((k) => k.id), variants.map(snakeCase), `Category in src/${file}`);
  const defaults = /DEFAULT_ACCEPTED: \[Category; \d+\] = \[([^\]]*)\]/.exec(source)?.[1] ?? '';
  assert.deepEqual([...DEFAULT_SETTINGS.attachments.accept], defaults.split(',').map((v) => v.trim().replace('Category::', '').toLowerCase()).filter(Boolean));
  assert.equal(DEFAULT_SETTINGS.attachments.enabled, true);
  for (const k of ATTACHMENT_KINDS) assert.ok(k.label && k.help.endsWith('.'), `words for ${k.id}`);
});

test("the files policy: what the form shows, what a save sends, and only when it changed", () => {
  assert.deepEqual(attachmentsRows(undefined), { enabled: true, accept: ['image', 'pdf', 'text', 'office', 'archive'] });
  assert.deepEqual(attachmentsRows({ enabled: false, accept: ['pdf', 'nonsense'] }), { enabled: false, accept: ['pdf'] });
  assert.deepEqual(attachmentsFromForm(true, ['pdf', 'image']), { attachments: { enabled: true, accept: ['image', 'pdf'] }, error: null }, "the server's order");
  assert.deepEqual(attachmentsFromForm(false, []), { attachments: { enabled: false, accept: [] }, error: null }, 'files off need no kind');
  assert.equal(attachmentsFromForm(true, []).error, 'Choose at least one kind of file, or turn files off.');
  const before = { ...DEFAULT_SETTINGS };
  assert.deepEqual(changedSettings(before, { ...before, attachments: attachmentsFromForm(true, ['archive', 'office', 'text', 'pdf', 'image']).attachments }), {},
    'the defaults ticked again change nothing');
  assert.deepEqual(changedSettings(before, { ...before, attachments: { enabled: false, accept: ['image'] } }), { attachments: { enabled: false, accept: ['image'] } });
});
