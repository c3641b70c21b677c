import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutbox, isDashboardItem, outboxPersist, storedItems } from '../lib/outbox.js';
import { Keys, PREFIX } from '../lib/storage.js';
import { useStorage } from './helpers.js';

/** A dashboard outbox item. */
const item = (fields = {}) => ({
  client_msg_id: 'm-1', conversation_id: 'c-1', agent_id: 'a-1', kind: 'text', body: 'Hi',
  created_at: '2024-05-01T10:00:00.000Z', state: 'pending', ...fields,
});

const key = (id) => PREFIX + Keys.outbox(id);
const read = (storage, id) => JSON.parse(storage.getItem(key(id)) ?? 'null');

test('items are kept per conversation, each change applied to a fresh read of its key', (t) => {
  const storage = useStorage(t);
  const outbox = createOutbox();
  const a = outbox.add({ conversation_id: 'c-1', agent_id: 'a-1', kind: 'text', body: 'one', state: 'pending' }, { uuid: () => 'm-a', now: () => new Date(0) });
  // Another tab writes to the same key meanwhile.
  storage.setItem(key('c-1'), JSON.stringify([...read(storage, 'c-1'), item({ client_msg_id: 'm-other' })]));
  outbox.add({ conversation_id: 'c-2', agent_id: 'a-1', kind: 'note', body: 'two', state: 'pending' }, { uuid: () => 'm-b', now: () => new Date(0) });
  outbox.update(a.client_msg_id, { state: 'failed', error: 'Not allowed.' });
  assert.deepEqual(read(storage, 'c-1').map((i) => [i.client_msg_id, i.state]), [['m-other', 'pending'], ['m-a', 'failed']], "the other tab's item stays");
  assert.deepEqual(read(storage, 'c-2').map((i) => i.client_msg_id), ['m-b']);
  outbox.remove(a.client_msg_id);
  assert.deepEqual(read(storage, 'c-1').map((i) => i.client_msg_id), ['m-other']);
});

test('the last item removed takes its key with it; removing an unknown id writes nothing', (t) => {
  const storage = useStorage(t);
  outboxPersist.put(item());
  const writes = storage.writes;
  outboxPersist.remove('not-there', item({ client_msg_id: 'not-there' }));
  assert.equal(storage.writes, writes);
  outboxPersist.remove('m-1', item());
  assert.equal(storage.getItem(key('c-1')), null);
});

test('what a page restores: every conversation, oldest first, only well-formed items', (t) => {
  const storage = useStorage(t);
  storage.setItem(key('c-2'), JSON.stringify([item({ client_msg_id: 'b', conversation_id: 'c-2', created_at: '2024-05-01T10:00:02.000Z' })]));
  storage.setItem(key('c-1'), JSON.stringify([
    item({ client_msg_id: 'a', created_at: '2024-05-01T10:00:01.000Z' }),
    item({ client_msg_id: 'c', created_at: '2024-05-01T10:00:03.000Z', state: 'failed' }),
    item({ client_msg_id: 'no-agent', agent_id: undefined }),
    item({ client_msg_id: 'bad-kind', kind: 'event' }),
    'garbage',
  ]));
  storage.setItem(key('c-3'), '{"not":"a list"}');
  assert.deepEqual(storedItems().map((i) => /** @type {any} */ (i).client_msg_id).filter((id) => ['a', 'b', 'c'].includes(id)), ['a', 'b', 'c']);
  assert.deepEqual(createOutbox().items().map((i) => i.client_msg_id), ['a', 'b', 'c']);
});

test('a dashboard item needs its conversation, its agent, a text or note kind and a state', () => {
  assert.equal(isDashboardItem(item()), true);
  assert.equal(isDashboardItem(item({ kind: 'note', state: 'failed' })), true);
  for (const bad of [{ conversation_id: 1 }, { agent_id: null }, { kind: 'event' }, { state: 'sent' }]) assert.equal(isDashboardItem(item(bad)), false, JSON.stringify(bad));
});
