import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { enumVariants } from './helpers.js';
import { ASSIGNMENTS, MAX_NAME_CHARS, assignmentLabel, memberNames, teamDraft } from '../lib/teams.js';

test('the ways of assigning are the server\'s', () => {
  const source = fs.readFileSync(new URL('../../src/domain/model.rs', import.meta.url), 'utf8');
  const variants = enumVariants(source, 'Assignment');
  assert.deepEqual(variants, ASSIGNMENTS.map((a) => a.id));
  assert.equal(assignmentLabel('least_busy'), 'Least busy');
  assert.equal(assignmentLabel('other'), 'other');
});

test('a team as the form sends it: the name trimmed, members once each', () => {
  const hours = { time_zone: 'UTC', weekly: [], exceptions: [] };
  assert.deepEqual(teamDraft({ name: '  Billing ', agentIds: ['a-1', 'a-2', 'a-1'], assignment: 'least_busy', hours }), {
    draft: { name: 'Billing', agent_ids: ['a-1', 'a-2'], assignment: 'least_busy', hours }, error: null,
  });
  assert.deepEqual(teamDraft({ name: ' ', agentIds: [], assignment: 'manual', hours: null }).error?.field, 'name');
  assert.deepEqual(teamDraft({ name: 'x'.repeat(MAX_NAME_CHARS + 1), agentIds: [], assignment: 'manual', hours: null }).error?.field, 'name');
  assert.ok(teamDraft({ name: 'é'.repeat(MAX_NAME_CHARS), agentIds: [], assignment: 'manual', hours: null }).draft, 'characters, not bytes');
  assert.deepEqual(teamDraft({ name: 'Sales', agentIds: [], assignment: 'random', hours: null }).error?.field, 'assignment');
});

test('members by name, those not known counted', () => {
  const agents = new Map([['a-1', { name: 'Zoe' }], ['a-2', { name: 'Bob' }]]);
  assert.equal(memberNames(['a-1', 'a-2'], agents), 'Bob, Zoe');
  assert.equal(memberNames(['a-1', 'a-9', 'a-8'], agents), 'Zoe, 2 others');
  assert.equal(memberNames(['a-9'], agents), '1 other');
  assert.equal(memberNames([], agents), 'No members');
});
