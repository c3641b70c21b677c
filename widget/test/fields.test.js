// Checking what a visitor typed in the pre-chat and offline forms before anything is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MAX_ANSWER_CHARS, checkValue, fieldLabel, fieldNamed, isPhone, validateAnswers } from '../src/lib/fields.js';
import { isEmail, prechatFields } from '../src/lib/policy.js';

const checks = { isEmail };
const fields = prechatFields({
  prechat: {
    enabled: true,
    fields: [
      { name: 'name', kind: 'text', label: 'Name', required: true, labels: { fr: 'Nom', de: 'Name' } },
      { name: 'email', kind: 'email', label: 'Email', required: true },
      { name: 'phone', kind: 'phone', label: 'Phone', required: false },
      { name: 'topic', kind: 'select', label: 'Topic', required: true, options: ['Sales', 'Support'] },
      { name: 'terms', kind: 'checkbox', label: 'I accept the terms', required: true },
      { name: 'news', kind: 'checkbox', label: 'Send me news', required: false },
    ],
  },
});

test('a complete form gives its answers, trimmed, with every checkbox answered', () => {
  const { answers, errors } = validateAnswers(fields, {
    name: '  Ada  ', email: 'ada@example.com', phone: '', topic: 'Sales', terms: true, news: false,
  }, checks);
  assert.deepEqual(errors, []);
  assert.deepEqual(answers, { name: 'Ada', email: 'ada@example.com', topic: 'Sales', terms: true, news: false }, 'an empty optional answer is left out');
});

test('errors come in the order of the fields, so the first is where the focus goes', () => {
  const { errors } = validateAnswers(fields, { name: ' ', email: 'ada@', phone: 'call me', topic: 'Hacking', terms: false }, checks);
  assert.deepEqual(errors, [
    { name: 'name', error: 'required' },
    { name: 'email', error: 'email' },
    { name: 'phone', error: 'phone' },
    { name: 'topic', error: 'option' },
    { name: 'terms', error: 'required' },
  ]);
});

test('one value: required, lengths in code points, kinds', () => {
  const text = { kind: 'text', required: false };
  assert.equal(checkValue(text, undefined, checks), null);
  assert.equal(checkValue({ ...text, required: true }, '   ', checks), 'required');
  assert.equal(checkValue(text, '😀'.repeat(MAX_ANSWER_CHARS), checks), null, 'code points, not UTF-16 units');
  assert.equal(checkValue(text, '😀'.repeat(MAX_ANSWER_CHARS + 1), checks), 'too_long');
  assert.equal(checkValue(text, 'x'.repeat(4001), { ...checks, max: 4000 }), 'too_long', 'the message has its own limit');
  assert.equal(checkValue({ kind: 'checkbox', required: true }, 'yes', checks), 'required', 'a box is ticked by true only');
  assert.equal(checkValue({ kind: 'checkbox', required: false }, false, checks), null);
  assert.equal(checkValue({ kind: 'select', required: false, options: ['A'] }, '', checks), null);
});

test('phone numbers as the server takes them: 4 to 20 digits, spaces and + - ( ) .', () => {
  for (const ok of ['+33 1 23 45 67 89', '(555) 123-4567', '1234', '06.12.34.56.78']) assert.equal(isPhone(ok), true, ok);
  for (const bad of ['123', 'call me', '+33 1 23 45 67 89 ext 2', '1'.repeat(21), '12/34/56']) assert.equal(isPhone(bad), false, bad);
});

test("a field's label is the site's for the language, else its own", () => {
  assert.equal(fieldLabel(fields[0], 'fr'), 'Nom');
  assert.equal(fieldLabel(fields[0], 'es'), 'Name');
  assert.equal(fieldLabel(fields[1], 'fr'), 'Email');
});

test("the server's refusal is put on the field it names", () => {
  assert.equal(fieldNamed(fields, 'answers.phone must be a phone number')?.name, 'phone');
  assert.equal(fieldNamed(fields, 'answers.topic must be one of its options')?.name, 'topic');
  assert.equal(fieldNamed(fields, 'something else went wrong'), null);
  assert.equal(fieldNamed(fields, undefined), null);
});

test('the forms and their checks import nothing the first-open bundle has (they are loaded lazily)', () => {
  for (const file of ['fields.js', 'forms.js', 'rating.js']) {
    const text = readFileSync(new URL(`../src/lib/${file}`, import.meta.url), 'utf8');
    const imports = [...text.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    assert.deepEqual(imports.filter((i) => i !== './fields.js'), [], `${file} imports ${imports.join(', ')}`);
  }
});
