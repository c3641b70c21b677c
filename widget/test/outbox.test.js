import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, validItems } from '../src/lib/outbox.js';
import { FakeStorage } from './helpers/dom.js';

const KEY = 'parley:outbox';

/** Persists into a storage object the way the loader does: one JSON array under parley:outbox. */
function storagePersist(storage) {
  const read = () => JSON.parse(storage.getItem(KEY) ?? '[]');
  return {
    put: (item) => storage.setItem(KEY, JSON.stringify([...read(), item])),
    remove: (id) => storage.setItem(KEY, JSON.stringify(read().filter((i) => i.client_msg_id !== id))),
  };
}

let n = 0;
const env = {
  uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  now: () => new Date('2024-05-01T10:00:00Z'),
};

test('a message gets its client_msg_id at once and is persisted before anything is sent', () => {
  const storage = new FakeStorage();
  const outbox = new Outbox(storagePersist(storage));
  const item = outbox.add('Hello', env);
  assert.match(item.client_msg_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(JSON.parse(storage.getItem(KEY)), [item]);
});

test('removing on sent removes from storage too; unknown ids change nothing', () => {
  const storage = new FakeStorage();
  const outbox = new Outbox(storagePersist(storage));
  const a = outbox.add('a', env);
  const b = outbox.add('b', env);
  assert.equal(outbox.remove(a.client_msg_id), true);
  const writes = storage.writes;
  assert.equal(outbox.remove('not-there'), false);
  assert.equal(storage.writes, writes);
  assert.deepEqual(outbox.items(), [b]);
  assert.deepEqual(JSON.parse(storage.getItem(KEY)), [b]);
});

test('the outbox survives a reload with the same ids, in typing order', () => {
  const storage = new FakeStorage();
  const before = new Outbox(storagePersist(storage));
  const typed = ['one', 'two', 'three'].map((body) => before.add(body, env));
  before.remove(typed[1].client_msg_id);

  const after = new Outbox(storagePersist(storage), JSON.parse(storage.getItem(KEY)));
  assert.deepEqual(after.items(), [typed[0], typed[2]]);
  assert.equal(after.has(typed[0].client_msg_id), true);
});

test('garbage in storage is dropped, not trusted', () => {
  const good = { client_msg_id: 'x', body: 'b', created_at: '2024-05-01T10:00:00Z' };
  assert.deepEqual(validItems([good, null, 1, { body: 'no id' }, { client_msg_id: '', body: '', created_at: '' }]), [good]);
  assert.deepEqual(validItems('not an array'), []);
  assert.equal(new Outbox(undefined, { length: 2 }).size, 0);
});
