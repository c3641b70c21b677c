import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keys, PREFIX, keysStartingWith, load, remove, save } from '../lib/storage.js';
import { FakeStorage, failingStorage, useStorage } from './helpers.js';

test('values are JSON under the parley-dashboard: prefix', (t) => {
  const storage = useStorage(t);
  save(Keys.AGENT, { id: 'a-1', email: 'alice@example.com' });
  assert.equal(storage.getItem(`${PREFIX}agent`), '{"id":"a-1","email":"alice@example.com"}');
  assert.deepEqual(load(Keys.AGENT, null), { id: 'a-1', email: 'alice@example.com' });
  assert.equal(PREFIX, 'parley-dashboard:');
});

test('missing or unreadable values give the fallback', (t) => {
  const storage = useStorage(t);
  assert.equal(load('nothing', 'fallback'), 'fallback');
  storage.setItem(`${PREFIX}broken`, '{not json');
  assert.deepEqual(load('broken', []), []);
});

test('saving null or undefined removes the key', (t) => {
  const storage = useStorage(t);
  save(Keys.MUTED, true);
  save(Keys.MUTED, null);
  assert.equal(storage.getItem(`${PREFIX}muted`), null);
  save(Keys.STATUS, 'away');
  save(Keys.STATUS, undefined);
  assert.equal(load(Keys.STATUS, 'online'), 'online');
});

test('when storage throws, values live in memory for the page', (t) => {
  useStorage(t, failingStorage());
  save(Keys.draft('c-1'), { body: 'kept', note: false });
  assert.deepEqual(load(Keys.draft('c-1'), null), { body: 'kept', note: false });
  assert.deepEqual(keysStartingWith('draft:'), ['draft:c-1']);
  remove(Keys.draft('c-1'));
  assert.equal(load(Keys.draft('c-1'), null), null);
});

test('when there is no localStorage at all, values live in memory too', (t) => {
  useStorage(t, null);
  save(Keys.draft('c-2'), { body: 'still here', note: true });
  assert.deepEqual(load(Keys.draft('c-2'), null), { body: 'still here', note: true });
  remove(Keys.draft('c-2'));
});

test('a write that fails after earlier ones succeeded is not hidden by the older stored value', (t) => {
  const storage = useStorage(t);
  save(Keys.draft('c-3'), { body: 'old' });
  storage.setItem = () => {
    throw new Error('QuotaExceededError');
  };
  save(Keys.draft('c-3'), { body: 'new' });
  assert.deepEqual(load(Keys.draft('c-3'), null), { body: 'new' });
  remove(Keys.draft('c-3'));
  assert.equal(load(Keys.draft('c-3'), null), null, 'removed from memory and from storage');
});

test('keysStartingWith lists stored keys without the prefix, and ignores other prefixes', (t) => {
  const storage = useStorage(t, new FakeStorage({ 'parley:outbox': '[]', 'other:outbox:x': '[]' }));
  save(Keys.outbox('c-1'), [1]);
  save(Keys.outbox('c-2'), [2]);
  save(Keys.draft('c-1'), { body: '' });
  assert.deepEqual(keysStartingWith(Keys.OUTBOX_PREFIX).sort(), ['outbox:c-1', 'outbox:c-2']);
  assert.equal(storage.length, 5);
});
