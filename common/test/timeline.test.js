import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline, Timelines, isMessage } from '../timeline.js';
import { message } from './helpers/socket.js';

const visitor = { kind: 'visitor', id: 'v', name: null };

test('a message is kept once per (conversation_id, seq)', () => {
  const timelines = new Timelines();
  assert.equal(timelines.add(message({ seq: 1, body: 'a' })), true);
  assert.equal(timelines.add(message({ seq: 1, body: 'a' })), false);
  assert.equal(timelines.add(message({ seq: 1, conversation_id: 'c-2', body: 'other' })), true, 'same seq, other conversation');
  assert.equal(timelines.get('c-1').list().length, 1);
  assert.equal(timelines.get('c-2').list().length, 1);
});

test('messages are listed in seq order whatever the arrival order', () => {
  const timeline = new Timeline('c-1');
  for (const seq of [5, 2, 9, 1, 7, 2, 5]) timeline.add(message({ seq }));
  assert.deepEqual(timeline.list().map((m) => m.seq), [1, 2, 5, 7, 9]);
  assert.equal(timeline.oldest, 1);
  assert.equal(timeline.newest, 9);
});

test('an empty timeline has newest 0 and oldest null', () => {
  const timeline = new Timeline('c-1');
  assert.equal(timeline.newest, 0);
  assert.equal(timeline.oldest, null);
  assert.deepEqual(timeline.list(), []);
});

test('addAll returns only the new messages, in the order given', () => {
  const timeline = new Timeline('c-1');
  timeline.add(message({ seq: 2 }));
  const added = timeline.addAll([message({ seq: 3 }), message({ seq: 2 }), message({ seq: 1 })]);
  assert.deepEqual(added.map((m) => m.seq), [3, 1]);
  assert.deepEqual(timeline.list().map((m) => m.seq), [1, 2, 3]);
});

test("a timeline keeps only its own conversation's messages", () => {
  const timeline = new Timeline('c-1');
  assert.equal(timeline.add(message({ seq: 1, conversation_id: 'c-2' })), false);
  assert.equal(timeline.list().length, 0);
});

test('notes are dropped by default (a visitor never sees one) and kept when asked (agents)', () => {
  const note = message({ seq: 1, kind: 'note' });
  const forVisitor = new Timelines();
  assert.equal(forVisitor.add(note), false);
  assert.equal(forVisitor.get('c-1').list().length, 0);
  const forAgents = new Timelines({ keepNotes: true });
  assert.equal(forAgents.add(note), true);
  assert.deepEqual(forAgents.get('c-1').list(), [note]);
});

test('malformed messages are never kept', () => {
  const timelines = new Timelines({ keepNotes: true });
  for (const bad of [{ seq: 2 }, message({ seq: 0 }), message({ seq: '3' }), message({ seq: 1.5 }), message({ body: null }),
    message({ author: null }), message({ conversation_id: 7 }), null, 'text']) {
    assert.equal(isMessage(bad), false, JSON.stringify(bad));
    assert.equal(timelines.add(bad), false);
  }
  assert.equal([...timelines.values()].reduce((n, t) => n + t.list().length, 0), 0);
});

test('client_msg_ids held are known, per timeline and over all of them', () => {
  const timelines = new Timelines();
  timelines.add(message({ seq: 1, conversation_id: 'c-2', client_msg_id: 'x-1', author: visitor }));
  assert.equal(timelines.hasClientMsgId('x-1'), true);
  assert.equal(timelines.get('c-2').hasClientMsgId('x-1'), true);
  assert.equal(timelines.get('c-1').hasClientMsgId('x-1'), false);
  assert.equal(timelines.hasClientMsgId('x-2'), false);
});

test("delivery state follows the other side's read high-water mark", () => {
  const timeline = new Timeline('c-1');
  const mine = message({ seq: 4, author: visitor });
  timeline.add(mine);
  assert.equal(timeline.deliveryState(mine), 'sent');
  assert.equal(timeline.markRead(4), true);
  assert.equal(timeline.deliveryState(mine), 'read');
  assert.equal(timeline.markRead(2), false);
  assert.equal(timeline.markRead(4), false);
  assert.equal(timeline.markRead(Number.NaN), false);
  assert.equal(timeline.readMark, 4);
  assert.equal(timeline.deliveryState(mine), 'read');
});

test('countAfter counts the matching messages after a seq only', () => {
  const timeline = new Timeline('c-1');
  timeline.add(message({ seq: 1 }));
  timeline.add(message({ seq: 2, author: visitor }));
  timeline.add(message({ seq: 3, kind: 'event', author: { kind: 'system', id: null, name: null } }));
  timeline.add(message({ seq: 4 }));
  const reply = (m) => m.author.kind === 'agent' && m.kind === 'text';
  assert.equal(timeline.countAfter(0, reply), 2);
  assert.equal(timeline.countAfter(1, reply), 1);
  assert.equal(timeline.countAfter(4, reply), 0);
  assert.equal(timeline.countAfter(0, () => true), 4);
});

test('find does not create a timeline; clear forgets every one', () => {
  const timelines = new Timelines();
  assert.equal(timelines.find('c-1'), undefined);
  assert.equal(timelines.find(null), undefined);
  timelines.add(message({ seq: 1 }));
  assert.equal(timelines.find('c-1')?.newest, 1);
  timelines.clear();
  assert.equal(timelines.find('c-1'), undefined);
  assert.equal(timelines.get('c-1').newest, 0);
});
