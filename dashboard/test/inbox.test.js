import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byWaiting, emptyText, hasLabel, inTab, inTeam, priorityText } from '../views/inbox.js';
import { TABS } from '../lib/router.js';
import { conversation } from './helpers.js';

test('the queue: open and unassigned, the longest waiting first', () => {
  const waiting = [
    conversation({ id: 'c-3', updated_at: '2024-05-01T10:03:00Z' }),
    conversation({ id: 'c-1', updated_at: '2024-05-01T10:01:00Z' }),
    conversation({ id: 'c-2', updated_at: '2024-05-01T10:01:00Z' }),
    conversation({ id: 'c-4', updated_at: '2024-05-01T10:00:00Z', assignee_id: 'a-1' }),
    conversation({ id: 'c-5', updated_at: '2024-05-01T09:00:00Z', status: 'resolved' }),
  ];
  const queue = waiting.filter((c) => inTab(/** @type {any} */ (c), 'queue', 'a-1')).sort(/** @type {any} */ (byWaiting));
  assert.deepEqual(queue.map((c) => c.id), ['c-1', 'c-2', 'c-3']);
});

test('the team filter: every team, no team, or one', () => {
  const billing = /** @type {any} */ (conversation({ team_id: 't-1' }));
  const none = /** @type {any} */ (conversation({ team_id: null }));
  assert.ok(inTeam(billing, '') && inTeam(none, ''));
  assert.deepEqual([inTeam(billing, 'none'), inTeam(none, 'none')], [false, true]);
  assert.deepEqual([inTeam(billing, 't-1'), inTeam(none, 't-1'), inTeam(billing, 't-2')], [true, false, false]);
});

test('each tab says what it holds when it is empty; a search says nothing matches', () => {
  assert.match(emptyText('resolved'), /No resolved conversations yet/);
  assert.doesNotMatch(emptyText('resolved'), /as they start/);
  assert.match(emptyText('mine'), /assigned to you/);
  assert.match(emptyText('queue'), /waiting/);
  const texts = TABS.map((t) => emptyText(t.id));
  assert.ok(texts.every((text) => text && text !== 'Nothing here.'), 'every tab has its own text');
  assert.equal(new Set(texts).size, texts.length, 'no two tabs say the same');
  assert.equal(emptyText('resolved', 'refund'), 'No conversation matches.');
});

test('a snoozed conversation is in the Snoozed tab only, until its time passes', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const snoozed = /** @type {any} */ (conversation({ snoozed_until: '2024-05-01T12:00:05Z' }));
  const tabs = (/** @type {any} */ c, /** @type {number} */ at) => ['mine', 'queue', 'unassigned', 'open', 'snoozed', 'resolved'].filter((tab) => inTab(c, tab, 'a-1', at));
  assert.deepEqual(tabs(snoozed, now), ['snoozed']);
  assert.deepEqual(tabs(snoozed, now + 5000), ['queue', 'unassigned', 'open'], 'back when its time comes');
  assert.deepEqual(tabs(conversation({ snoozed_until: null }), now), ['queue', 'unassigned', 'open']);
  assert.deepEqual(tabs(conversation({ snoozed_until: '2024-05-01T13:00:00Z', status: 'resolved' }), now), ['resolved']);
  assert.deepEqual(tabs(conversation({ snoozed_until: '2024-05-01T13:00:00Z', assignee_id: 'a-1' }), now), ['snoozed']);
});

test('the label filter and the priority words', () => {
  const billing = /** @type {any} */ (conversation({ labels: ['l-1', 'l-2'] }));
  const none = /** @type {any} */ (conversation({ labels: [] }));
  assert.deepEqual([hasLabel(billing, ''), hasLabel(none, '')], [true, true]);
  assert.deepEqual([hasLabel(billing, 'l-2'), hasLabel(none, 'l-2'), hasLabel(billing, 'l-3')], [true, false, false]);
  assert.equal(priorityText('none'), null);
  assert.equal(priorityText('urgent'), 'Urgent');
  assert.equal(priorityText('bogus'), null);
});
