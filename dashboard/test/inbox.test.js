import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byWaiting, inTab, inTeam } from '../views/inbox.js';
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
