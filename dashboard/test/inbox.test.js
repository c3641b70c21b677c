import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byWaiting, emptyText, inTab, inTeam } from '../views/inbox.js';
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
