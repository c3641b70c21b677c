import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_PASSWORD_HELP, addedAgentStatus } from '../views/admin/agents.js';

const carol = { email: 'carol@example.com', name: 'Carol' };

test('an initial password: the agent changes it on their Profile page', () => {
  assert.match(INITIAL_PASSWORD_HELP, /Profile page/);
  assert.match(addedAgentStatus(carol, false, {}), /^Carol can now sign in with carol@example\.com and the password you chose, then change it from their Profile page\.$/);
});

test('an invitation: queued, or added without the server saying it sent one', () => {
  assert.match(addedAgentStatus(carol, true, { invited: true }), /^An invitation to carol@example\.com was queued/);
  assert.match(addedAgentStatus(carol, true, {}), /did not say that it sent an invitation/);
});
