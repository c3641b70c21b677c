import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline } from '../src/lib/timeline.js';
import { message } from './helpers/socket.js';

test('a message is kept once per (conversation_id, seq)', () => {
  const timeline = new Timeline();
  assert.equal(timeline.add(message({ seq: 1, body: 'a' })), true);
  assert.equal(timeline.add(message({ seq: 1, body: 'a' })), false);
  assert.equal(timeline.add(message({ seq: 1, conversation_id: 'c-2', body: 'other' })), true, 'same seq, other conversation');
  assert.equal(timeline.messages('c-1').length, 1);
  assert.equal(timeline.messages('c-2').length, 1);
});

test('messages are listed in seq order whatever the arrival order', () => {
  const timeline = new Timeline();
  for (const seq of [5, 2, 9, 1, 7, 2, 5]) timeline.add(message({ seq }));
  assert.deepEqual(timeline.messages('c-1').map((m) => m.seq), [1, 2, 5, 7, 9]);
  assert.equal(timeline.minSeq('c-1'), 1);
  assert.equal(timeline.maxSeq('c-1'), 9);
});

test('notes and malformed frames are never kept', () => {
  const timeline = new Timeline();
  assert.equal(timeline.add(message({ seq: 1, kind: 'note' })), false);
  assert.equal(timeline.add({ seq: 2 }), false);
  assert.equal(timeline.add(message({ seq: 0 })), false);
  assert.equal(timeline.add(message({ seq: '3' })), false);
  assert.equal(timeline.add(null), false);
  assert.equal(timeline.messages('c-1').length, 0);
});

test("delivery state follows the agents' read high-water mark", () => {
  const timeline = new Timeline();
  const mine = message({ seq: 4, author: { kind: 'visitor', id: 'v', name: null } });
  timeline.add(mine);
  assert.equal(timeline.deliveryState(mine), 'sent');
  assert.equal(timeline.markAgentRead('c-1', 4), true);
  assert.equal(timeline.deliveryState(mine), 'read');
  assert.equal(timeline.markAgentRead('c-1', 2), false);
  assert.equal(timeline.deliveryState(mine), 'read');
});

test('unread counts agent text after the seen seq only', () => {
  const timeline = new Timeline();
  timeline.add(message({ seq: 1 }));
  timeline.add(message({ seq: 2, author: { kind: 'visitor', id: 'v', name: null } }));
  timeline.add(message({ seq: 3, kind: 'event', author: { kind: 'system', id: null, name: null } }));
  timeline.add(message({ seq: 4 }));
  assert.equal(timeline.unread('c-1', 0), 2);
  assert.equal(timeline.unread('c-1', 1), 1);
  assert.equal(timeline.unread('c-1', 4), 0);
  assert.equal(timeline.unread(null, 0), 0);
});
