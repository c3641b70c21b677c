import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, validItems } from '../outbox.js';
import { FakeStorage } from './helpers/storage.js';

const KEY = 'parley:outbox';

/** Persists into a storage object the way the widget's loader does: one JSON array, changed on a fresh read. */
function storagePersist(storage) {
  const read = () => JSON.parse(storage.getItem(KEY) ?? '[]');
  return {
    put: (item) => storage.setItem(KEY, JSON.stringify([...read().filter((i) => i.client_msg_id !== item.client_msg_id), item])),
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
  const outbox = new Outbox({ persist: storagePersist(storage) });
  const item = outbox.add({ body: 'Hello' }, env);
  assert.match(item.client_msg_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(item, { client_msg_id: item.client_msg_id, body: 'Hello', created_at: '2024-05-01T10:00:00.000Z' });
  assert.deepEqual(JSON.parse(storage.getItem(KEY)), [item]);
});

test('items carry what else a client gives them', () => {
  const outbox = new Outbox();
  const item = outbox.add({ body: 'Note', conversation_id: 'c-1', kind: 'note', state: 'pending' }, env);
  assert.equal(item.conversation_id, 'c-1');
  assert.equal(item.kind, 'note');
  assert.equal(item.state, 'pending');
  assert.deepEqual(outbox.get(item.client_msg_id), item);
});

test('removing on sent removes from storage too; unknown ids change nothing', () => {
  const storage = new FakeStorage();
  const outbox = new Outbox({ persist: storagePersist(storage) });
  const a = outbox.add({ body: 'a' }, env);
  const b = outbox.add({ body: 'b' }, env);
  assert.equal(outbox.remove(a.client_msg_id), true);
  const writes = storage.writes;
  assert.equal(outbox.remove('not-there'), false);
  assert.equal(storage.writes, writes);
  assert.deepEqual(outbox.items(), [b]);
  assert.deepEqual(JSON.parse(storage.getItem(KEY)), [b]);
});

test('persist.remove is told the item removed, so a store can find where it was kept', () => {
  const removed = [];
  const outbox = new Outbox({ persist: { put() {}, remove: (id, item) => removed.push([id, item.conversation_id]) } });
  const item = outbox.add({ body: 'x', conversation_id: 'c-9' }, env);
  outbox.remove(item.client_msg_id);
  assert.deepEqual(removed, [[item.client_msg_id, 'c-9']]);
});

test('update changes an item in place, keeps its id and order, and persists it', () => {
  const storage = new FakeStorage();
  const outbox = new Outbox({ persist: storagePersist(storage) });
  const a = outbox.add({ body: 'a', state: 'pending' }, env);
  const b = outbox.add({ body: 'b', state: 'pending' }, env);
  const changed = outbox.update(a.client_msg_id, { state: 'failed', client_msg_id: 'forged' });
  assert.equal(changed?.client_msg_id, a.client_msg_id, 'the id cannot change');
  assert.deepEqual(outbox.items().map((i) => [i.body, i.state]), [['a', 'failed'], ['b', 'pending']]);
  assert.deepEqual(JSON.parse(storage.getItem(KEY)).find((i) => i.client_msg_id === a.client_msg_id).state, 'failed');
  assert.equal(outbox.update('not-there', { state: 'failed' }), null);
  assert.equal(outbox.has(b.client_msg_id), true);
});

test('items() filters, in typing order', () => {
  const outbox = new Outbox();
  outbox.add({ body: '1', conversation_id: 'a' }, env);
  outbox.add({ body: '2', conversation_id: 'b' }, env);
  outbox.add({ body: '3', conversation_id: 'a' }, env);
  assert.deepEqual(outbox.items((i) => i.conversation_id === 'a').map((i) => i.body), ['1', '3']);
  assert.equal(outbox.size, 3);
});

test('the outbox survives a reload with the same ids, in typing order', () => {
  const storage = new FakeStorage();
  const before = new Outbox({ persist: storagePersist(storage) });
  const typed = ['one', 'two', 'three'].map((body) => before.add({ body }, env));
  before.remove(typed[1].client_msg_id);

  const after = new Outbox({ persist: storagePersist(storage), restored: JSON.parse(storage.getItem(KEY)) });
  assert.deepEqual(after.items(), [typed[0], typed[2]]);
  assert.equal(after.has(typed[0].client_msg_id), true);
});

test('restore adds only what is not held yet, and persists nothing', () => {
  const storage = new FakeStorage();
  const outbox = new Outbox({ persist: storagePersist(storage) });
  const mine = outbox.add({ body: 'mine' }, env);
  const writes = storage.writes;
  const other = { client_msg_id: 'other-tab', body: 'theirs', created_at: '2024-05-01T10:00:01Z' };
  assert.equal(outbox.restore([{ ...mine, body: 'changed elsewhere' }, other]), 1);
  assert.deepEqual(outbox.items().map((i) => i.body), ['mine', 'theirs']);
  assert.equal(storage.writes, writes);
});

test('garbage in storage is dropped, not trusted', () => {
  const good = { client_msg_id: 'x', body: 'b', created_at: '2024-05-01T10:00:00Z' };
  assert.deepEqual(validItems([good, null, 1, { body: 'no id' }, { client_msg_id: '', body: '', created_at: '' },
    { client_msg_id: 'y', body: 2, created_at: '' }, { client_msg_id: 'z', body: '', created_at: null }]), [good]);
  assert.deepEqual(validItems('not an array'), []);
  assert.equal(new Outbox({ restored: { length: 2 } }).size, 0);
});

test("a client's own check drops restored items that lack its fields", () => {
  const good = { client_msg_id: 'x', body: 'b', created_at: '2024-05-01T10:00:00Z', conversation_id: 'c-1' };
  const outbox = new Outbox({ restored: [good, { ...good, client_msg_id: 'y', conversation_id: null }], valid: (i) => typeof i.conversation_id === 'string' });
  assert.deepEqual(outbox.items(), [good]);
});

test('clear forgets everything without persisting', () => {
  const storage = new FakeStorage();
  const outbox = new Outbox({ persist: storagePersist(storage) });
  outbox.add({ body: 'a' }, env);
  const writes = storage.writes;
  outbox.clear();
  assert.equal(outbox.size, 0);
  assert.equal(storage.writes, writes);
});
