import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DELAY_MAX, MAX_RULES, newRow, ruleId, ruleRows, rulesFromRows, serverRuleError } from '../lib/proactive.js';

const AGENT = '0192e4a4-0000-7000-8000-000000000001';

test('rules become rows and back, ids kept or made from the message, unique', () => {
  const rows = ruleRows([{ id: 'plans', message: 'Plans?', agent_id: AGENT, url: '/pricing*', delay_s: 5, returning: true }, null, 'x']);
  assert.deepEqual(rows, [{ id: 'plans', message: 'Plans?', agent_id: AGENT, url: '/pricing*', delay: '5', returning: true }]);
  const added = { ...newRow(AGENT), message: '  Questions about our plans?  ', url: '' };
  const again = { ...newRow(AGENT), message: 'Questions about our plans!' };
  const { rules } = rulesFromRows([...rows, added, again]);
  assert.deepEqual(rules, [
    { id: 'plans', message: 'Plans?', agent_id: AGENT, url: '/pricing*', delay_s: 5, returning: true },
    { id: 'questions-about-our-plans', message: 'Questions about our plans?', agent_id: AGENT, url: '*', delay_s: 0, returning: false },
    { id: 'questions-about-our-plans-2', message: 'Questions about our plans!', agent_id: AGENT, url: '*', delay_s: 0, returning: false },
  ]);
  assert.equal(ruleId('¡¡¡', new Set()), 'rule');
  assert.equal(ruleId('Ça coûte combien ?', new Set()), 'ca-coute-combien');
  assert.ok(ruleId('x'.repeat(100), new Set()).length <= 40);
});

test('the first mistake is named at its row and field', () => {
  const good = { ...newRow(AGENT), message: 'Hi' };
  assert.deepEqual(rulesFromRows([good, { ...good, message: ' ' }]).error, { index: 1, field: 'message', message: 'Message 2: write what the visitor reads.' });
  assert.equal(rulesFromRows([{ ...good, message: 'x'.repeat(501) }]).error?.field, 'message');
  assert.equal(rulesFromRows([{ ...good, agent_id: '' }]).error?.field, 'agent_id');
  assert.equal(rulesFromRows([{ ...good, url: '/'.repeat(301) }]).error?.field, 'url');
  for (const delay of ['-1', '1.5', 'soon', String(DELAY_MAX + 1)]) assert.equal(rulesFromRows([{ ...good, delay }]).error?.field, 'delay', delay);
  assert.equal(rulesFromRows([{ ...good, delay: String(DELAY_MAX) }]).error, null);
  assert.equal(rulesFromRows(Array.from({ length: MAX_RULES + 1 }, () => good)).error?.field, 'add');
});

test("the server's 422 points at its row and field", () => {
  assert.deepEqual(serverRuleError('settings.proactive[2].delay_s must be at most 600'), { index: 2, field: 'delay', message: 'settings.proactive[2].delay_s must be at most 600' });
  assert.equal(serverRuleError('settings.proactive[0].message contains a control character')?.field, 'message');
  assert.deepEqual(serverRuleError('settings.proactive: at most 10 rules'), { index: 0, field: null, message: 'settings.proactive: at most 10 rules' });
  assert.equal(serverRuleError('name must be 1 to 200 characters'), null);
});
