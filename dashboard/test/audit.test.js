import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_FILTERS, DETAIL_MAX, actionLabel, actorLabel, auditQuery, detailText, targetLabel } from '../lib/audit.js';

test('every action the server records reads in words', () => {
  const expected = {
    'site.created': 'Site created', 'site.updated': 'Site updated', 'site.deleted': 'Site deleted', 'site.secret_rotated': 'Site identity secret rotated',
    'agent.created': 'Agent created', 'agent.updated': 'Agent updated', 'agent.deleted': 'Agent deleted',
    'team.created': 'Team created', 'team.updated': 'Team updated', 'team.deleted': 'Team deleted',
    'workspace.updated': 'Workspace updated', 'workspace.exported': 'Workspace exported',
    'webhook.created': 'Webhook created', 'webhook.updated': 'Webhook updated', 'webhook.deleted': 'Webhook deleted', 'webhook.secret_rotated': 'Webhook secret rotated',
    'api_key.created': 'API key created', 'api_key.deleted': 'API key deleted',
    'visitor.blocked': 'Visitor blocked', 'visitor.unblocked': 'Visitor unblocked', 'visitor.erased': 'Visitor erased', 'visitor.exported': 'Visitor exported',
    'retention.deleted': 'Old conversations deleted',
  };
  for (const [action, words] of Object.entries(expected)) assert.equal(actionLabel(action), words, action);
});

test('an action not known yet is still readable', () => {
  assert.equal(actionLabel('label.renamed'), 'Label renamed');
  assert.equal(actionLabel('api_key.secret_shown'), 'API key secret shown');
  assert.equal(actionLabel(''), 'Unknown action');
});

test('the filters are the prefixes the API takes', () => {
  assert.deepEqual(ACTION_FILTERS.map((f) => f.value), ['', 'site.', 'agent.', 'team.', 'workspace.', 'webhook.', 'api_key.', 'visitor.', 'retention.']);
});

test('who did it: an agent by name, an API key, a visitor, the system', () => {
  assert.equal(actorLabel({ kind: 'agent', id: 'a1', name: 'Ada' }), 'Ada');
  assert.equal(actorLabel({ kind: 'agent', id: '0123456789abcdef', name: null }), 'Agent 01234567…');
  assert.equal(actorLabel({ kind: 'api_key', id: 'k1', name: 'CRM sync' }), 'API key CRM sync');
  assert.equal(actorLabel({ kind: 'api_key', id: '0123456789abcdef', name: null }), 'API key 01234567…');
  assert.equal(actorLabel({ kind: 'visitor', id: 'v1', name: 'Bob' }), 'Visitor Bob');
  assert.equal(actorLabel({ kind: 'system', id: null, name: null }), 'System');
  assert.equal(actorLabel(null), 'System');
});

test('the target is its kind and a short id', () => {
  assert.equal(targetLabel('team', '0c1f2e3d-aaaa-bbbb-cccc-000000000000'), 'Team 0c1f2e3d…');
  assert.equal(targetLabel('api_key', 'k1'), 'API key k1');
  assert.equal(targetLabel(null, null), '—');
});

test('the detail is compact: key: value pairs, long lists counted, cut with the whole kept', () => {
  assert.deepEqual(detailText(null), { text: '', full: '' });
  assert.deepEqual(detailText({}), { text: '', full: '' });
  assert.equal(detailText({ name: 'Sales', agent_ids: ['a', 'b'] }).text, 'name: Sales, agent ids: a, b');
  assert.equal(detailText({ conversations: 12 }).text, 'conversations: 12');
  assert.equal(detailText({ changed: ['a', 'b', 'c', 'd'] }).text, 'changed: 4 items');
  assert.equal(detailText({ settings: { theme: 'dark' } }).text, 'settings: {"theme":"dark"}');
  const long = detailText({ reason: 'x'.repeat(300) });
  assert.equal(long.text.length, DETAIL_MAX);
  assert.ok(long.text.endsWith('…'));
  assert.equal(long.full, `reason: ${'x'.repeat(300)}`);
});

test("a page's query sends only what is set", () => {
  assert.deepEqual(auditQuery({}), { action: undefined, cursor: undefined, limit: undefined });
  assert.deepEqual(auditQuery({ action: 'team.', cursor: 'abc', limit: 50 }), { action: 'team.', cursor: 'abc', limit: 50 });
});
