import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeFilter, attributeList, contactName, contactQuery } from '../lib/contacts.js';

test('an attribute filter is name:value, spaces trimmed; anything else is said before asking', () => {
  assert.deepEqual(attributeFilter(''), { value: null, error: null });
  assert.deepEqual(attributeFilter('  plan : gold '), { value: 'plan:gold', error: null });
  assert.deepEqual(attributeFilter('note:a:b'), { value: 'note:a:b', error: null });
  assert.deepEqual(attributeFilter('vip:'), { value: 'vip:', error: null });
  assert.match(attributeFilter('gold').error ?? '', /name:value/);
  assert.match(attributeFilter('bad name:x').error ?? '', /letters, digits/);
  assert.match(attributeFilter(`${'a'.repeat(65)}:x`).error ?? '', /1 to 64/);
});

test("a page's query sends only what is set", () => {
  assert.deepEqual(contactQuery({ q: '  ', attribute: null, identified: false }), { q: undefined, attribute: undefined, identified: undefined, cursor: undefined });
  assert.deepEqual(contactQuery({ q: ' ada ', attribute: 'plan:gold', identified: true, cursor: '50' }), { q: 'ada', attribute: 'plan:gold', identified: true, cursor: '50' });
});

test('a contact is named by its name, else its email, else Anonymous; its attributes sorted as text', () => {
  assert.equal(contactName({ name: 'Ada', email: 'a@x' }), 'Ada');
  assert.equal(contactName({ name: ' ', email: 'a@x' }), 'a@x');
  assert.equal(contactName({ name: null, email: null }), 'Anonymous');
  assert.deepEqual(attributeList({ seats: 12, plan: 'gold', vip: true, empty: '' }), [['plan', 'gold'], ['seats', '12'], ['vip', 'Yes']]);
  assert.deepEqual(attributeList(null), []);
});
