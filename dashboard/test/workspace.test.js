import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGES_KEPT, RecentPages, Workspace, isSnoozed, ratingOf, signedAttributes, unreadOf, unsignedGiven, visitorLabel } from '../lib/workspace.js';
import { ME, conversation, message } from './helpers.js';

const VISITOR = { kind: 'visitor', id: 'v-1', name: null };
const OTHER_AGENT = { kind: 'agent', id: 'a-2', name: 'Bob' };
const MINE = { kind: 'agent', id: ME.id, name: ME.name };

function workspace(now = () => 1_700_000_000_000) {
  const ws = new Workspace({ now });
  ws.setMe({ ...ME });
  const events = [];
  for (const name of ['conversation', 'messages', 'typing', 'visitor', 'agents', 'read', 'unread']) ws.on(name, (...args) => events.push([name, ...args]));
  return { ws, events };
}

test('a conversation is merged from every source; status and assignee only from a version as new', () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ status: 'open', updated_at: '2024-05-01T10:05:00Z', assignee_id: 'a-2', assignee_name: 'Bob' }));
  ws.upsertConversation(conversation({ status: 'resolved', updated_at: '2024-05-01T10:01:00Z', assignee_id: null }));
  let c = ws.conversations.get('c-1');
  assert.equal(c?.status, 'open', 'a slow HTTP answer does not undo a live change');
  assert.equal(c?.assignee_name, 'Bob');
  ws.upsertConversation({ ...conversation({ status: 'resolved', updated_at: '2024-05-01T10:06:00Z', assignee_id: 'a-2' }), assignee: { id: 'a-2', name: 'Bob' } });
  c = ws.conversations.get('c-1');
  assert.equal(c?.status, 'resolved');
  assert.equal(c?.assignee_name, 'Bob', 'a frame names the assignee in `assignee`');
  assert.equal(ws.agentName('a-2'), 'Bob', 'the team learns names from assignments');
});

test("the visitor's rating comes with the conversation, from a version as new; a slow answer does not undo it", () => {
  const { ws, events } = workspace();
  ws.upsertConversation(conversation({ status: 'resolved', updated_at: '2024-05-01T10:05:00Z', rating: null }));
  assert.equal(ws.conversations.get('c-1')?.rating, null);
  const rated = { score: 4, comment: 'Quick and kind', created_at: '2024-05-01T10:06:00Z' };
  events.length = 0;
  ws.upsertConversation({ ...conversation({ status: 'resolved', updated_at: '2024-05-01T10:06:00Z', rating: rated }), assignee: null });
  assert.deepEqual(ws.conversations.get('c-1')?.rating, rated, 'a live conversation frame');
  assert.deepEqual(events.map(([n]) => n), ['conversation'], 'views hear of it');

  ws.upsertConversation(conversation({ status: 'resolved', updated_at: '2024-05-01T10:05:00Z', rating: null }));
  assert.deepEqual(ws.conversations.get('c-1')?.rating, rated, 'an HTTP answer older than the rating');
  const { rating: _, ...withoutRating } = conversation({ status: 'resolved', updated_at: '2024-05-01T10:07:00Z' });
  ws.upsertConversation(withoutRating);
  assert.deepEqual(ws.conversations.get('c-1')?.rating, rated, 'a source that does not carry ratings leaves it');
  const again = { score: 2, comment: null, created_at: '2024-05-01T10:08:00Z' };
  ws.upsertConversation(conversation({ status: 'resolved', updated_at: '2024-05-01T10:08:00Z', rating: again }));
  assert.deepEqual(ws.conversations.get('c-1')?.rating, again, 'rating again replaces it');
});

test('a rating is a score from 1 to 5 and a comment or null; anything else is no rating', () => {
  assert.deepEqual(ratingOf({ score: 5, comment: 'Great', created_at: 't' }), { score: 5, comment: 'Great', created_at: 't' });
  assert.deepEqual(ratingOf({ score: 1, comment: '', created_at: 't' }), { score: 1, comment: null, created_at: 't' });
  for (const bad of [null, undefined, {}, { score: 0 }, { score: 6 }, { score: '4' }, { score: 3.5 }]) assert.equal(ratingOf(bad), null, JSON.stringify(bad));
});

test('last activity and the preview only move forward', () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ last_seq: 5, last_activity_at: '2024-05-01T11:00:00Z', last_body: 'newer', last_author_kind: 'visitor', last_kind: 'text' }));
  ws.upsertConversation(conversation({ last_seq: 3, last_activity_at: '2024-05-01T10:30:00Z', last_body: 'older', last_author_kind: 'agent', last_kind: 'text' }));
  const c = ws.conversations.get('c-1');
  assert.equal(c?.last_activity_at, '2024-05-01T11:00:00Z');
  assert.equal(c?.last_body, 'newer');
  assert.equal(c?.last_seq, 5);
});

test('messages are kept once each, in seq order, notes included (agents see them)', () => {
  const { ws, events } = workspace();
  ws.upsertConversation(conversation());
  const added = ws.addMessages('c-1', [message({ seq: 2, author: VISITOR }), message({ seq: 1, author: VISITOR }), message({ seq: 3, kind: 'note', author: OTHER_AGENT })]);
  assert.deepEqual(added.map((m) => m.seq), [2, 1, 3]);
  assert.deepEqual(ws.addMessages('c-1', [message({ seq: 2, author: VISITOR })]), [], 'a second copy');
  assert.deepEqual(ws.timeline('c-1').list().map((m) => [m.seq, m.kind]), [[1, 'text'], [2, 'text'], [3, 'note']]);
  assert.equal(events.filter(([n]) => n === 'messages').length, 1, 'nothing is emitted for nothing new');
  const c = ws.conversations.get('c-1');
  assert.equal(c?.last_seq, 3);
  assert.equal(c?.last_kind, 'note');
});

test("unread is the API's count plus live messages after it that this agent did not write", () => {
  const { ws, events } = workspace();
  ws.upsertConversation(conversation({ last_seq: 4, unread: 2 }));
  const c = /** @type {any} */ (ws.conversations.get('c-1'));
  assert.equal(unreadOf(c), 2);
  ws.addMessages('c-1', [message({ seq: 4, author: VISITOR })], { live: true });
  assert.equal(unreadOf(c), 2, 'seq 4 was counted by the API already');
  ws.addMessages('c-1', [message({ seq: 5, author: VISITOR }), message({ seq: 6, author: MINE }), message({ seq: 7, author: OTHER_AGENT })], { live: true });
  assert.equal(unreadOf(c), 4, 'mine does not count');
  ws.addMessages('c-1', [message({ seq: 8, author: VISITOR })]);
  assert.equal(unreadOf(c), 4, 'history is not unread');
  assert.equal(ws.unreadTotal(), 4);
  ws.markRead('c-1', 7);
  assert.equal(unreadOf(c), 0);
  assert.deepEqual(events.filter(([n]) => n === 'unread').map(([, total]) => total), [2, 4, 0], 'each change of the total, once');
});

test('a fresher API count replaces the live ones it covers; a staler one is ignored', () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ last_seq: 1, unread: 0 }));
  ws.addMessages('c-1', [message({ seq: 2, author: VISITOR }), message({ seq: 3, author: VISITOR })], { live: true });
  const c = /** @type {any} */ (ws.conversations.get('c-1'));
  assert.equal(unreadOf(c), 2);
  ws.upsertConversation(conversation({ last_seq: 2, unread: 1 }));
  assert.equal(unreadOf(c), 2, 'live seq 3 is kept on top of the API count up to seq 2');
  ws.upsertConversation(conversation({ last_seq: 1, unread: 0 }));
  assert.equal(unreadOf(c), 2, 'an older count changes nothing');
});

test('resolved conversations do not count in the total', () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ id: 'c-1', unread: 2 }));
  ws.upsertConversation(conversation({ id: 'c-2', unread: 5, status: 'resolved' }));
  assert.equal(ws.unreadTotal(), 2);
});

test("the visitor's read mark moves only forward and is announced", () => {
  const { ws, events } = workspace();
  ws.visitorRead('c-1', 4);
  ws.visitorRead('c-1', 2);
  assert.equal(ws.timeline('c-1').readMark, 4);
  assert.deepEqual(events.filter(([n]) => n === 'read').map(([, id]) => id), ['c-1', 'c-1']);
});

test('who is typing: on, off, forgotten after 8 s without news, and cleared by their message', () => {
  let now = 1_000_000;
  const { ws } = workspace(() => now);
  ws.upsertConversation(conversation());
  ws.setTyping('c-1', VISITOR, 'on', 'Where is my or');
  assert.deepEqual(ws.typists('c-1').map((x) => [x.author.kind, x.preview]), [['visitor', 'Where is my or']]);
  now += 7_999;
  assert.equal(ws.typists('c-1').length, 1);
  now += 1;
  assert.equal(ws.typists('c-1').length, 0, 'a lost `off` does not leave it for ever');
  ws.setTyping('c-1', OTHER_AGENT, 'on', null);
  ws.setTyping('c-1', VISITOR, 'on', null);
  ws.setTyping('c-1', OTHER_AGENT, 'off', null);
  assert.deepEqual(ws.typists('c-1').map((x) => x.author.kind), ['visitor']);
  ws.addMessages('c-1', [message({ seq: 1, author: VISITOR })], { live: true });
  assert.equal(ws.typists('c-1').length, 0);
});

test('visitor frames update the visitor, the pages seen and their conversations', () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ id: 'c-1', visitor_id: 'v-1' }));
  ws.visitorChanged({ id: 'v-1', name: 'Ada', email: 'ada@example.com', online: true, page: { url: 'https://shop.example/a', title: 'A' } });
  ws.visitorChanged({ id: 'v-1', online: true, page: { url: 'https://shop.example/a', title: 'A again' } });
  ws.visitorChanged({ id: 'v-1', online: true, page: { url: 'https://shop.example/b', title: 'B' } });
  const seen = ws.pagesSeen('v-1');
  assert.deepEqual(seen.map((p) => p.url), ['https://shop.example/b', 'https://shop.example/a']);
  assert.equal(seen[0].seen_at, new Date(1_700_000_000_000).toISOString());
  assert.deepEqual(ws.pagesSeen('v-1', 1).map((p) => p.url), ['https://shop.example/b']);
  assert.deepEqual(ws.pagesSeen('v-unknown'), []);
  const c = /** @type {any} */ (ws.conversations.get('c-1'));
  assert.equal(c.visitor_name, 'Ada');
  assert.equal(visitorLabel(c), 'Ada');
  assert.equal(c.visitor_online, true);
});

test('a visitor keeps its latest 50 pages, newest first, without a copy per page', () => {
  let now = 1_700_000_000_000;
  const { ws } = workspace(() => now);
  ws.visitorPresence('v-1', true);
  const pages = ws.visitors.get('v-1')?.pages;
  for (let i = 1; i <= 260; i++) {
    now += 1000;
    ws.visitorChanged({ id: 'v-1', online: true, page: { url: `https://shop.example/${i}`, title: `P${i}` } });
    assert.equal(ws.visitors.get('v-1')?.pages, pages, 'the same list, appended to');
    assert.ok(/** @type {RecentPages} */ (pages).items.length < 2 * PAGES_KEPT, `bounded after page ${i}`);
  }
  assert.equal(PAGES_KEPT, 50, "what the profile API returns");
  const seen = ws.pagesSeen('v-1');
  assert.equal(seen.length, 50);
  assert.equal(seen[0].url, 'https://shop.example/260');
  assert.equal(seen[49].url, 'https://shop.example/211');
  assert.deepEqual(ws.pagesSeen('v-1', 3).map((p) => p.title), ['P260', 'P259', 'P258']);
  assert.equal(ws.pagesSeen('v-1', 500).length, 50, 'never more than kept');
});

test('recent pages: trimmed back to the limit once twice as many, always the newest', () => {
  const pages = new RecentPages(3);
  assert.equal(pages.newest, null);
  assert.deepEqual(pages.latest(), []);
  for (let i = 1; i <= 5; i++) pages.add({ url: `u${i}`, title: '', seen_at: '' });
  assert.equal(pages.items.length, 5);
  assert.equal(pages.size, 3);
  assert.deepEqual(pages.latest().map((p) => p.url), ['u5', 'u4', 'u3']);
  assert.equal(pages.latest(10).length, 3, 'never more than the limit');
  pages.add({ url: 'u6', title: '', seen_at: '' });
  assert.deepEqual(pages.items.map((p) => p.url), ['u4', 'u5', 'u6']);
  assert.equal(pages.newest?.url, 'u6');
});

test('the live visitor keeps which identity attributes the business signed', () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ id: 'c-1', visitor_id: 'v-1' }));
  ws.visitorChanged({ id: 'v-1', name: 'Ada', email: 'ada@example.com', online: true, identity: { status: 'verified', id: 'u-42', signed: ['id', 'name'] } });
  assert.deepEqual(ws.visitors.get('v-1')?.identity, { status: 'verified', id: 'u-42', signed: ['id', 'name'] });
  ws.visitorPresence('v-1', false);
  assert.deepEqual(ws.visitors.get('v-1')?.identity?.signed, ['id', 'name'], 'presence keeps it');
  ws.visitorChanged({ id: 'v-1', name: 'Ada', email: 'ada@example.com', online: true, identity: { status: 'verified', id: 'u-42', signed: ['id'] } });
  assert.deepEqual(ws.visitors.get('v-1')?.identity?.signed, ['id'], 'a newer frame replaces it (an HMAC hello)');
  ws.visitorChanged({ id: 'v-1', name: 'Ada', online: true, identity: { status: 'verified', id: 'u-42' } });
  assert.deepEqual(ws.visitors.get('v-1')?.identity?.signed, ['id'], 'absent (older server): the id alone');
  ws.visitorChanged({ id: 'v-2', name: 'Bo', online: true, identity: { status: 'unverified', id: null } });
  assert.deepEqual(ws.visitors.get('v-2')?.identity, { status: 'unverified', id: null, signed: [] });
  ws.visitorChanged({ id: 'v-3', online: true, identity: null });
  assert.equal(ws.visitors.get('v-3')?.identity, null);
  assert.equal(ws.conversations.get('c-1')?.visitor_verified, true);
});

test('a name or email not signed is the visitor\'s own, even beside a verified id', () => {
  assert.deepEqual(signedAttributes('verified', ['id']), ['id'], 'HMAC');
  assert.deepEqual(signedAttributes('verified', ['id', 'name', 'email']), ['id', 'name', 'email'], 'JWT');
  assert.deepEqual(signedAttributes('verified', undefined), ['id'], 'absent: the safe reading');
  assert.deepEqual(signedAttributes('verified', 'name'), ['id'], 'not a list');
  assert.deepEqual(signedAttributes('verified', ['email', 'bogus']), ['id', 'email']);
  assert.deepEqual(signedAttributes('unverified', ['id', 'name']), [], 'only a verified identity signs anything');
  assert.deepEqual(signedAttributes(null, undefined), []);
  const both = { name: 'Ada', email: 'ada@example.com' };
  assert.deepEqual(unsignedGiven(both, ['id']), ['name', 'email']);
  assert.deepEqual(unsignedGiven(both, ['id', 'name']), ['email']);
  assert.deepEqual(unsignedGiven(both, ['id', 'name', 'email']), []);
  assert.deepEqual(unsignedGiven({ name: null, email: 'ada@example.com' }, ['id']), ['email'], 'nothing given, nothing to mark');
  assert.deepEqual(unsignedGiven({ name: null, email: null }, ['id']), []);
});

test('visitor presence wins over an inbox page that says otherwise', () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ visitor_online: true }));
  ws.visitorPresence('v-1', false);
  ws.upsertConversation(conversation({ visitor_online: true, updated_at: '2024-05-02T00:00:00Z' }));
  assert.equal(ws.conversations.get('c-1')?.visitor_online, false);
});

test('a visitor without a name is labelled by email, else by the end of its id', () => {
  const base = /** @type {any} */ ({ visitor_name: null, visitor_email: null, visitor_id: '0192e4a4-0000-7000-8000-00000000abcd' });
  assert.equal(visitorLabel(base), 'Visitor abcd');
  assert.equal(visitorLabel({ ...base, visitor_email: 'v@example.com' }), 'v@example.com');
});

test("the team: the welcome's statuses (others offline), live changes, names learned", () => {
  const { ws } = workspace();
  ws.setTeam([{ id: 'a-2', name: 'Bob', email: 'bob@example.com', role: 'agent', active: true }, { id: 'a-3', name: 'Cy', email: 'cy@example.com', role: 'agent', active: true }]);
  ws.setPresence([{ id: ME.id, status: 'online' }, { id: 'a-2', status: 'away' }]);
  assert.deepEqual([...ws.team.values()].map((m) => [m.id, m.status]).sort(), [[ME.id, 'online'], ['a-2', 'away'], ['a-3', 'offline']]);
  ws.agentPresence('a-3', 'online');
  ws.setPresence([{ id: ME.id, status: 'online' }]);
  assert.equal(ws.team.get('a-2')?.status, 'offline', 'not listed in a newer welcome: offline');
  ws.addMessages('c-9', [message({ conversation_id: 'c-9', seq: 1, author: { kind: 'agent', id: 'a-4', name: 'Dee' } })]);
  assert.equal(ws.agentName('a-4'), 'Dee');
  assert.equal(ws.isAdmin, true);
  // An agent who cannot list the team learns the names of those online from the welcome.
  ws.setPresence([{ id: 'a-5', name: 'Eve', status: 'online' }, { id: 'a-2', name: 'Robert', status: 'online' }]);
  assert.equal(ws.agentName('a-5'), 'Eve');
  assert.equal(ws.agentName('a-2'), 'Bob', 'a name already known is kept');
});

test('clear forgets everything (logout) and says the total is 0', () => {
  const { ws, events } = workspace();
  ws.upsertConversation(conversation({ unread: 3 }));
  ws.clear();
  assert.equal(ws.me, null);
  assert.equal(ws.conversations.size, 0);
  assert.equal(ws.timeline('c-1').list().length, 0);
  assert.equal(events.filter(([n]) => n === 'unread').at(-1)?.[1], 0);
});

test("this agent's load: open conversations assigned to them, live, against their capacity", () => {
  const { ws } = workspace();
  const changes = [];
  ws.on('me', () => changes.push('me'));
  assert.deepEqual(ws.ownLoad(), { assigned: 0, capacity: null }, 'a server that does not say');
  ws.setMe({ ...ME, capacity: 5 });
  ws.upsertConversation(conversation({ id: 'c-1', assignee_id: ME.id }));
  ws.upsertConversation(conversation({ id: 'c-2', assignee_id: ME.id }));
  ws.upsertConversation(conversation({ id: 'c-3', assignee_id: 'a-2' }));
  ws.upsertConversation(conversation({ id: 'c-4', assignee_id: ME.id, status: 'resolved' }));
  assert.deepEqual(ws.ownLoad(), { assigned: 2, capacity: 5 });
  // A `conversation` frame: assigned to me automatically; another resolved.
  ws.upsertConversation(conversation({ id: 'c-3', assignee_id: ME.id, assignee: { id: ME.id, name: ME.name }, updated_at: '2024-05-01T10:01:00Z' }));
  ws.upsertConversation(conversation({ id: 'c-1', assignee_id: ME.id, status: 'resolved', updated_at: '2024-05-01T10:02:00Z' }));
  assert.deepEqual(ws.ownLoad(), { assigned: 2, capacity: 5 });
  ws.upsertConversation(conversation({ id: 'c-2', assignee_id: null, updated_at: '2024-05-01T10:03:00Z' }));
  assert.deepEqual(ws.ownLoad(), { assigned: 1, capacity: 5 });
  // An admin changes this agent's capacity (the Agents page), or another agent's.
  ws.setTeam([{ id: ME.id, name: ME.name, email: ME.email, role: 'admin', active: true, capacity: 3 }, { id: 'a-2', name: 'Bob', email: 'b@example.com', role: 'agent', active: true, capacity: 9 }]);
  assert.deepEqual(ws.ownLoad(), { assigned: 1, capacity: 3 });
  assert.equal(ws.team.get('a-2')?.capacity, 9);
  ws.setMyCapacity(3);
  assert.equal(changes.filter((c) => c === 'me').length, 2, 'setMe, then the capacity once');
});

test("a conversation's team comes from a version as new; teams are named from the welcome", () => {
  const { ws } = workspace();
  const changes = [];
  ws.on('teams', () => changes.push('teams'));
  ws.setTeams([{ id: 't-1', name: 'Billing' }, { id: 't-2', name: 'Sales' }, { name: 'no id' }]);
  assert.deepEqual([...ws.teams.keys()], ['t-1', 't-2']);
  assert.equal(ws.teamName('t-2'), 'Sales');
  assert.equal(ws.teamName(null), null);
  ws.upsertConversation(conversation({ team_id: 't-1', updated_at: '2024-05-01T10:05:00Z' }));
  assert.equal(ws.conversations.get('c-1')?.team_id, 't-1');
  ws.upsertConversation(conversation({ team_id: 't-2', updated_at: '2024-05-01T10:04:00Z' }));
  assert.equal(ws.conversations.get('c-1')?.team_id, 't-1', 'a staler version does not move it');
  ws.upsertConversation(conversation({ team_id: null, updated_at: '2024-05-01T10:06:00Z' }));
  assert.equal(ws.conversations.get('c-1')?.team_id, null, 'transferred to the whole workspace');
  ws.setTeams(undefined);
  assert.equal(ws.teams.size, 0);
  assert.deepEqual(changes, ['teams', 'teams']);
});

test('other agents viewing a conversation: named, expired after 45 s, gone when offline; never this agent', () => {
  let now = 1_700_000_000_000;
  const { ws } = workspace(() => now);
  const changed = [];
  ws.on('viewers', (id) => changed.push(id));
  ws.learnAgent('a-2', 'Bob');
  ws.setViewing('c-1', 'a-2', 'on');
  ws.setViewing('c-1', 'a-3', 'on');
  ws.setViewing('c-1', ME.id, 'on');
  assert.deepEqual(ws.viewersOf('c-1'), [{ id: 'a-2', name: 'Bob' }, { id: 'a-3', name: null }]);
  ws.setViewing('c-1', 'a-2', 'on');
  assert.deepEqual(changed, ['c-1', 'c-1'], 'a renewal is no change');
  now += 45_000;
  assert.deepEqual(ws.viewersOf('c-1'), []);
  ws.setViewing('c-2', 'a-2', 'on');
  ws.agentPresence('a-2', 'offline');
  assert.deepEqual(ws.viewersOf('c-2'), []);
  ws.setViewing('c-2', 'a-3', 'on');
  ws.setPresence([{ id: ME.id, status: 'online' }]);
  assert.deepEqual(ws.viewersOf('c-2'), [], 'not online in a new welcome: views nothing');
  assert.deepEqual(changed.slice(2), ['c-2', 'c-2', 'c-2', 'c-2'], 'on, offline, on, the welcome');
});

test("other agents' typing is shown; this agent's own (from another tab) is not", () => {
  const { ws } = workspace();
  ws.setTyping('c-1', OTHER_AGENT, 'on', null);
  ws.setTyping('c-1', MINE, 'on', null);
  assert.deepEqual(ws.typists('c-1').map((t) => t.author.name), ['Bob']);
});

test('labels, priority and snooze come with the conversation, from a version as new; the labels known by name', () => {
  const { ws } = workspace();
  let changed = 0;
  ws.on('labels', () => { changed += 1; });
  ws.setLabels([{ id: 'l-2', name: 'Bug', color: '#dc2626' }, { id: 'l-1', name: 'Billing', color: '#16a34a' }, { name: 'no id' }]);
  assert.equal(changed, 1);
  assert.equal(ws.labels.size, 2);
  ws.upsertConversation(conversation({ updated_at: '2024-05-01T10:05:00Z', labels: ['l-2', 'l-1', 'l-gone'], priority: 'high', snoozed_until: '2024-05-02T09:00:00Z' }));
  const c = /** @type {any} */ (ws.conversations.get('c-1'));
  assert.deepEqual([c.labels, c.priority, c.snoozed_until], [['l-2', 'l-1', 'l-gone'], 'high', '2024-05-02T09:00:00Z']);
  assert.deepEqual(ws.labelsOf(c).map((l) => l.name), ['Billing', 'Bug'], 'known ones, by name');
  ws.upsertConversation(conversation({ updated_at: '2024-05-01T10:01:00Z', labels: [], priority: 'none', snoozed_until: null }));
  assert.deepEqual([c.labels.length, c.priority, c.snoozed_until], [3, 'high', '2024-05-02T09:00:00Z'], 'a slow answer does not undo them');
  ws.upsertConversation(conversation({ updated_at: '2024-05-01T10:06:00Z', labels: ['l-1'], priority: 'bogus', snoozed_until: null }));
  assert.deepEqual([c.labels, c.priority, c.snoozed_until], [['l-1'], 'none', null]);
  assert.equal(isSnoozed({ snoozed_until: '2024-05-01T10:00:01Z' }, Date.parse('2024-05-01T10:00:00Z')), true);
  assert.equal(isSnoozed({ snoozed_until: '2024-05-01T10:00:00Z' }, Date.parse('2024-05-01T10:00:00Z')), false);
});

test("a visitor's live message brings a snoozed conversation back; an older one caught up does not", () => {
  const { ws } = workspace();
  ws.upsertConversation(conversation({ updated_at: '2024-05-01T10:05:00Z', last_seq: 1, snoozed_until: '2024-05-02T09:00:00Z' }));
  const c = /** @type {any} */ (ws.conversations.get('c-1'));
  ws.addMessages('c-1', [message({ seq: 2, author: VISITOR, created_at: '2024-05-01T10:04:00Z' })], { live: true });
  assert.equal(c.snoozed_until, '2024-05-02T09:00:00Z', 'written before the snooze');
  ws.addMessages('c-1', [message({ seq: 3, author: OTHER_AGENT, created_at: '2024-05-01T10:06:00Z' })], { live: true });
  assert.equal(c.snoozed_until, '2024-05-02T09:00:00Z', 'an agent writing does not wake it');
  ws.addMessages('c-1', [message({ seq: 4, author: VISITOR, created_at: '2024-05-01T10:07:00Z' })], { live: true });
  assert.equal(c.snoozed_until, null);
});
