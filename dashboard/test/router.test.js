import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_SECTIONS, DEFAULT_TAB, PROFILE_HREF, TABS, adminHref, contactsHref, conversationHref, go, inboxHref, parseRoute } from '../lib/router.js';

test('every route parses', () => {
  assert.deepEqual(parseRoute('#/login'), { name: 'login' });
  for (const tab of ['mine', 'queue', 'unassigned', 'open', 'resolved']) assert.deepEqual(parseRoute(`#/inbox/${tab}`), { name: 'inbox', tab });
  assert.deepEqual(parseRoute('#/c/0192e4a4-0000-7000-8000-000000000001'), { name: 'conversation', id: '0192e4a4-0000-7000-8000-000000000001' });
  assert.deepEqual(parseRoute('#/admin/sites/new'), { name: 'admin', section: 'sites', id: 'new' });
  assert.deepEqual(parseRoute('#/admin/webhooks/w-1'), { name: 'admin', section: 'webhooks', id: 'w-1' });
  assert.deepEqual(parseRoute('#/admin/agents'), { name: 'admin', section: 'agents', id: null });
  assert.deepEqual(parseRoute('#/admin/api-keys'), { name: 'admin', section: 'api-keys', id: null });
  assert.deepEqual(parseRoute('#/admin/blocks'), { name: 'admin', section: 'blocks', id: null });
  assert.deepEqual(parseRoute('#/admin/teams'), { name: 'admin', section: 'teams', id: null });
  assert.deepEqual(parseRoute('#/admin/teams/new'), { name: 'admin', section: 'teams', id: 'new' });
  assert.deepEqual(parseRoute('#/profile'), { name: 'profile' });
  assert.deepEqual(parseRoute('#profile/'), { name: 'profile' });
  assert.deepEqual(parseRoute('#/contacts'), { name: 'contacts', id: null });
  assert.deepEqual(parseRoute('#/contacts/v-1'), { name: 'contacts', id: 'v-1' });
});

test('unknown routes fall back: the inbox (its default tab), or the sites page for an unknown admin section', () => {
  for (const hash of ['', '#', '#/', '#/inbox/nope', '#/elsewhere', '#/c']) assert.deepEqual(parseRoute(hash), { name: 'inbox', tab: '' }, hash);
  assert.deepEqual(parseRoute('#/admin/secrets'), { name: 'admin', section: 'sites', id: null });
  assert.ok(TABS.some((t) => t.id === DEFAULT_TAB));
});

test('hrefs round-trip through parseRoute, ids encoded', () => {
  const id = 'a/b c?#';
  assert.deepEqual(parseRoute(conversationHref(id)), { name: 'conversation', id });
  assert.deepEqual(parseRoute(adminHref('webhooks', id)), { name: 'admin', section: 'webhooks', id });
  assert.deepEqual(parseRoute(contactsHref(id)), { name: 'contacts', id });
  assert.equal(contactsHref(), '#/contacts');
  assert.equal(adminHref('sites'), '#/admin/sites');
  assert.deepEqual(parseRoute(PROFILE_HREF), { name: 'profile' });
  for (const tab of TABS) assert.deepEqual(parseRoute(inboxHref(tab.id)), { name: 'inbox', tab: tab.id });
  for (const section of ADMIN_SECTIONS) assert.equal(parseRoute(adminHref(section.id)).section, section.id);
});

test('tabs filter as the inbox needs: mine, the queue and unassigned are open conversations', () => {
  const byId = Object.fromEntries(TABS.map((t) => [t.id, t]));
  assert.deepEqual([byId.mine.status, byId.mine.assignee], ['open', 'me']);
  assert.deepEqual([byId.queue.status, byId.queue.assignee], ['open', 'none']);
  assert.deepEqual([byId.unassigned.status, byId.unassigned.assignee], ['open', 'none']);
  assert.equal(byId.resolved.status, 'resolved');
  assert.deepEqual([byId.snoozed.status, byId.snoozed.snoozed], ['open', true]);
  assert.ok(['mine', 'queue', 'unassigned', 'open'].every((tab) => byId[tab].snoozed === false), 'the open tabs leave snoozed ones out');
  assert.deepEqual(TABS.map((t) => t.id), ['mine', 'queue', 'unassigned', 'open', 'snoozed', 'resolved'], 'display order');
});

test('go changes the hash only when it differs (no duplicate history entry)', (t) => {
  const writes = [];
  const location = { get hash() { return this._hash; }, set hash(v) { writes.push(v); this._hash = v; }, _hash: '#/inbox/open' };
  const before = Object.getOwnPropertyDescriptor(globalThis, 'location');
  Object.defineProperty(globalThis, 'location', { value: location, configurable: true });
  t.after(() => (before ? Object.defineProperty(globalThis, 'location', before) : delete globalThis.location));
  go('#/inbox/open');
  go('#/c/x');
  assert.deepEqual(writes, ['#/c/x']);
});
