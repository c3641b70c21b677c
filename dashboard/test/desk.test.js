import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Desk } from '../lib/desk.js';
import { Keys, PREFIX } from '../lib/storage.js';
import { Limits } from '../../common/protocol.js';
import { FakeClock, ME, clockApi, conversation, fakeApi, fakeSockets, message, settle, useStorage, welcome } from './helpers.js';

const VISITOR = { kind: 'visitor', id: 'v-1', name: null };
const MINE = { kind: 'agent', id: ME.id, name: ME.name };

/**
 * A desk on fake sockets, a fake clock, a fake API and the test's storage. Its client_msg_ids
 * are `m-1`, `m-2`…
 */
function setup(t, { answers = {}, storage, getToken = () => 'jwt-1' } = {}) {
  const store = useStorage(t, storage);
  const clock = new FakeClock();
  const net = fakeSockets();
  const api = fakeApi({ conversation: (id) => conversation({ id }), ...answers });
  let n = 0;
  const desk = new Desk({ api, getToken, origin: 'http://127.0.0.1:1', WebSocketImpl: net.WebSocket, clock: clockApi(clock), uuid: () => `m-${++n}`, random: () => 0.999999 });
  const events = [];
  for (const name of ['connection', 'welcome', 'outbox', 'alert', 'unauthorized']) desk.on(name, (...args) => events.push([name, ...args]));
  t.after(() => desk.stop());
  return { desk, net, clock, api, events, storage: store };
}

/** Starts the desk and welcomes its socket. */
async function online(s, fields = {}) {
  if (s.desk.connection.state === 'idle') s.desk.start();
  s.net.current.open();
  welcome(s.net.current, fields);
  await settle();
}

/** The server answers the last `type` frame the desk sent (or the one with `ref`). */
function answer(socket, type, reply, ref = socket.last(type)?.ref) {
  assert.ok(ref, `a ${type} frame to answer`);
  socket.receive({ ...reply, ref });
}

/** The server acknowledges a send with the stored message. */
function ackSend(socket, frame, seq) {
  socket.receive({ type: 'sent', ref: frame.ref, message: message({ conversation_id: frame.conversation_id, seq, client_msg_id: frame.client_msg_id, author: MINE, kind: frame.kind, body: frame.body }) });
}

/** What the conversation's outbox key holds. */
function stored(storage, id = 'c-1') {
  return JSON.parse(storage.getItem(PREFIX + Keys.outbox(id)) ?? '[]');
}

test('the welcome brings the agent, the team and the open conversations', async (t) => {
  const s = setup(t);
  await online(s, { conversations: [conversation({ id: 'c-1', visitor_online: true })], agents: [{ id: ME.id, status: 'online' }, { id: 'a-2', status: 'away' }] });
  assert.equal(s.desk.me?.id, ME.id);
  assert.equal(s.desk.workspace.conversations.get('c-1')?.visitor_online, true);
  assert.equal(s.desk.workspace.team.get('a-2')?.status, 'away');
  assert.deepEqual(s.events.filter(([n]) => n === 'welcome').map(([, info]) => info), [{ reconnect: false }]);
});

test('a reply is kept in storage before it is sent, and leaves when its `sent` arrives', async (t) => {
  const s = setup(t);
  await online(s);
  const item = s.desk.send('c-1', 'text', 'On its way.');
  assert.equal(typeof item, 'object');
  const frame = s.net.current.last('send');
  assert.deepEqual({ ...frame, ref: undefined }, { type: 'send', ref: undefined, conversation_id: 'c-1', client_msg_id: 'm-1', kind: 'text', body: 'On its way.' });
  assert.deepEqual(stored(s.storage).map((i) => [i.client_msg_id, i.agent_id, i.state]), [['m-1', ME.id, 'pending']]);
  assert.deepEqual(s.desk.outbox('c-1').map((i) => i.body), ['On its way.']);
  ackSend(s.net.current, frame, 7);
  await settle();
  assert.deepEqual(stored(s.storage), []);
  assert.equal(s.storage.getItem(PREFIX + Keys.outbox('c-1')), null, 'an empty outbox leaves no key');
  assert.deepEqual(s.desk.outbox('c-1'), []);
  assert.deepEqual(s.desk.workspace.timeline('c-1').list().map((m) => m.seq), [7]);
});

test('empty, too long, or signed out: nothing enters the outbox', async (t) => {
  const s = setup(t);
  assert.equal(s.desk.send('c-1', 'text', 'Hi'), 'Not signed in.');
  await online(s);
  assert.equal(s.desk.send('c-1', 'text', '   '), 'Write something first.');
  assert.match(String(s.desk.send('c-1', 'text', '😀'.repeat(Limits.MAX_BODY_CHARS + 1))), /Too long/);
  assert.equal(s.desk.send('c-1', 'text', '😀'.repeat(Limits.MAX_BODY_CHARS)).constructor, Object, 'the limit counts code points');
  assert.equal(stored(s.storage).length, 1);
});

test('a note is sent as a note and does not turn typing off', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.send('c-1', 'note', 'Internal: VIP');
  assert.equal(s.net.current.last('send').kind, 'note');
  assert.equal(s.net.current.frames('typing').length, 0);
  s.desk.send('c-1', 'text', 'Hello');
  assert.deepEqual(s.net.current.last('typing'), { type: 'typing', conversation_id: 'c-1', state: 'off' });
});

test('a reply typed offline waits, then goes out after the welcome, with its id', async (t) => {
  const s = setup(t);
  await online(s);
  s.net.current.drop(1012);
  s.desk.send('c-1', 'text', 'typed while down');
  assert.equal(s.net.current.frames('send').length, 0);
  s.clock.advance(499);
  await online(s);
  assert.deepEqual(s.net.current.frames('send').map((f) => [f.client_msg_id, f.body]), [['m-1', 'typed while down']]);
});

test('a send lost with its connection is sent again with the same client_msg_id', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.send('c-1', 'text', 'once');
  const first = s.net.current.last('send');
  s.net.current.drop(1006);
  await settle();
  s.clock.advance(499);
  await online(s);
  const again = s.net.current.last('send');
  assert.equal(again.client_msg_id, first.client_msg_id);
  assert.equal(s.net.sockets.length, 2);
});

test('at most SEND_WINDOW sends await their answer; the next goes when one is answered', async (t) => {
  const s = setup(t);
  s.desk.start();
  s.net.current.open();
  welcome(s.net.current);
  s.net.current.drop(1006);
  await settle();
  // (the welcome above set `me`; these wait in the outbox while the socket is down)
  for (let i = 1; i <= Limits.SEND_WINDOW + 2; i++) s.desk.send('c-1', 'text', `reply ${i}`);
  s.clock.advance(499);
  await online(s);
  const sends = s.net.current.frames('send');
  assert.deepEqual(sends.map((f) => f.body), Array.from({ length: Limits.SEND_WINDOW }, (_, i) => `reply ${i + 1}`), 'in typing order');
  ackSend(s.net.current, sends[0], 1);
  await settle();
  assert.deepEqual(s.net.current.frames('send').map((f) => f.body).slice(Limits.SEND_WINDOW), [`reply ${Limits.SEND_WINDOW + 1}`]);
});

test('a busy server (rate_limited, unavailable, conflict) means the same send again 2 s later', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.send('c-1', 'text', 'retry me');
  answer(s.net.current, 'send', { type: 'error', code: 'rate_limited', message: 'slow down' });
  await settle();
  assert.equal(s.net.current.frames('send').length, 1);
  assert.equal(stored(s.storage)[0].state, 'pending');
  s.clock.advance(1_999);
  await settle();
  assert.equal(s.net.current.frames('send').length, 1);
  s.clock.advance(1);
  await settle();
  const sends = s.net.current.frames('send');
  assert.equal(sends.length, 2);
  assert.equal(sends[1].client_msg_id, sends[0].client_msg_id);
});

test('a refused reply is marked failed, kept for Retry or Discard, and not sent again by itself', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.send('c-1', 'text', 'x');
  answer(s.net.current, 'send', { type: 'error', code: 'too_large', message: 'too large' });
  await settle();
  assert.deepEqual(stored(s.storage).map((i) => [i.state, i.error]), [['failed', 'Too long to send.']]);
  s.clock.advance(10_000);
  await settle();
  assert.equal(s.net.current.frames('send').length, 1);

  s.desk.retry('c-1', 'm-1');
  assert.equal(s.net.current.frames('send').length, 2);
  assert.equal(s.net.current.last('send').client_msg_id, 'm-1');
  assert.deepEqual(stored(s.storage).map((i) => [i.state, 'error' in i]), [['pending', false]]);
  answer(s.net.current, 'send', { type: 'error', code: 'forbidden', message: 'no' });
  await settle();
  assert.equal(stored(s.storage)[0].error, 'Not allowed.');
  s.desk.discard('c-1', 'm-1');
  assert.deepEqual(stored(s.storage), []);
  assert.deepEqual(s.desk.outbox('c-1'), []);
});

test('when a sync shows the server has the reply (its `sent` was lost), it leaves the outbox', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.send('c-1', 'text', 'stored, answer lost');
  s.desk.workspace.timeline('c-1').loaded = true;
  s.net.current.drop(1006);
  await settle();
  s.clock.advance(499);
  s.net.current.open();
  welcome(s.net.current);
  await settle();
  answer(s.net.current, 'sync', { type: 'synced', messages: [message({ seq: 1, client_msg_id: 'm-1', author: MINE, body: 'stored, answer lost' })], more: false });
  await settle();
  await settle();
  assert.deepEqual(stored(s.storage), []);
  assert.equal(s.net.current.frames('send').length, 0, 'not sent again');
});

test("another agent's waiting replies (same browser, other login) are neither shown nor sent", async (t) => {
  const s = setup(t);
  s.storage.setItem(PREFIX + Keys.outbox('c-1'), JSON.stringify([
    { client_msg_id: 'b-1', conversation_id: 'c-1', agent_id: 'a-2', kind: 'text', body: "Bob's", created_at: '2024-05-01T10:00:00Z', state: 'pending' },
  ]));
  await online(s);
  assert.deepEqual(s.desk.outbox('c-1'), []);
  assert.equal(s.net.current.frames('send').length, 0);
  assert.equal(stored(s.storage).length, 1, "Bob's reply stays for Bob");
});

test('after a reload, what waited in storage is sent once welcomed; garbage is ignored', async (t) => {
  const s = setup(t);
  s.storage.setItem(PREFIX + Keys.outbox('c-2'), JSON.stringify([
    { client_msg_id: 'old-1', conversation_id: 'c-2', agent_id: ME.id, kind: 'text', body: 'from before', created_at: '2024-05-01T10:00:00Z', state: 'pending' },
    { client_msg_id: 'bad', body: 'no conversation' },
    null,
  ]));
  await online(s);
  assert.deepEqual(s.net.current.frames('send').map((f) => [f.client_msg_id, f.conversation_id]), [['old-1', 'c-2']]);
});

test('replies another tab kept meanwhile are sent after the next welcome', async (t) => {
  const s = setup(t);
  await online(s);
  s.net.current.drop(1006);
  await settle();
  s.storage.setItem(PREFIX + Keys.outbox('c-3'), JSON.stringify([
    { client_msg_id: 'tab-2', conversation_id: 'c-3', agent_id: ME.id, kind: 'text', body: 'other tab', created_at: '2024-05-01T10:00:00Z', state: 'pending' },
  ]));
  s.clock.advance(499);
  await online(s);
  assert.deepEqual(s.net.current.frames('send').map((f) => f.client_msg_id), ['tab-2']);
});

test('after a reconnect every conversation held is caught up with sync, page after page', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.received('c-1', [message({ seq: 1, author: VISITOR }), message({ seq: 2, author: VISITOR })], {});
  s.desk.workspace.timeline('c-1').loaded = true;
  s.net.current.drop(1012);
  await settle();
  s.clock.advance(499);
  await online(s);
  assert.deepEqual(s.net.current.last('sync'), { type: 'sync', ref: s.net.current.last('sync').ref, conversation_id: 'c-1', after_seq: 2 });
  answer(s.net.current, 'sync', { type: 'synced', messages: [message({ seq: 3, author: VISITOR })], more: true });
  await settle();
  assert.equal(s.net.current.last('sync').after_seq, 3);
  answer(s.net.current, 'sync', { type: 'synced', messages: [message({ seq: 4, author: VISITOR })], more: false });
  await settle();
  assert.equal(s.net.current.frames('sync').length, 2);
  assert.deepEqual(s.desk.workspace.timeline('c-1').list().map((m) => m.seq), [1, 2, 3, 4]);
});

test('a live message after a gap fetches what is missing', async (t) => {
  const s = setup(t);
  await online(s, { conversations: [conversation()] });
  s.desk.received('c-1', [message({ seq: 1, author: VISITOR })], {});
  s.desk.workspace.timeline('c-1').loaded = true;
  s.net.current.receive({ type: 'message', message: message({ seq: 2, author: VISITOR }) });
  assert.equal(s.net.current.frames('sync').length, 0, 'no gap');
  s.net.current.receive({ type: 'message', message: message({ seq: 5, author: VISITOR }) });
  assert.equal(s.net.current.last('sync').after_seq, 5, 'asks from the newest held');
});

test('a new visitor message alerts; a new open conversation alerts and is fetched', async (t) => {
  const s = setup(t);
  await online(s, { conversations: [conversation()] });
  s.net.current.receive({ type: 'message', message: message({ seq: 1, author: VISITOR }) });
  s.net.current.receive({ type: 'message', message: message({ seq: 1, author: VISITOR }) });
  s.net.current.receive({ type: 'message', message: message({ seq: 2, author: MINE }) });
  s.net.current.receive({ type: 'conversation', conversation: conversation({ id: 'c-9' }) });
  await settle();
  assert.deepEqual(s.events.filter(([n]) => n === 'alert').map(([, a]) => [a.kind, a.conversation.id]), [['message', 'c-1'], ['conversation', 'c-9']]);
  assert.deepEqual(s.api.calls.filter(([name]) => name === 'conversation').map(([, id]) => id), ['c-9']);
});

test("a visitor's rating reaches the conversation held live, from its conversation frame", async (t) => {
  const s = setup(t);
  await online(s, { conversations: [conversation({ status: 'resolved', rating: null })] });
  const rating = { score: 4, comment: 'Quick and kind', created_at: '2024-05-01T10:10:00Z' };
  s.net.current.receive({ type: 'conversation', conversation: conversation({ status: 'resolved', updated_at: '2024-05-01T10:10:00Z', rating }) });
  await settle();
  assert.deepEqual(s.desk.workspace.conversations.get('c-1')?.rating, rating);
  assert.equal(s.events.filter(([n]) => n === 'alert').length, 0, 'a rating is no alert');
});

test('the read mark is sent once per new seq, and clears the unread count', async (t) => {
  const s = setup(t);
  await online(s, { conversations: [conversation({ unread: 2, last_seq: 2 })] });
  s.desk.received('c-1', [message({ seq: 1, author: VISITOR }), message({ seq: 2, author: VISITOR })], {});
  s.desk.markRead('c-1');
  s.desk.markRead('c-1');
  assert.deepEqual(s.net.current.frames('read').map((f) => [f.conversation_id, f.seq]), [['c-1', 2]]);
  assert.equal(s.desk.workspace.unreadTotal(), 0);
  answer(s.net.current, 'read', { type: 'ok' });
  s.net.current.receive({ type: 'message', message: message({ seq: 3, author: VISITOR }) });
  s.desk.markRead('c-1');
  assert.deepEqual(s.net.current.frames('read').map((f) => f.seq), [2, 3]);
});

test('a read mark that fails is sent again next time', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.received('c-1', [message({ seq: 1, author: VISITOR })], {});
  s.desk.markRead('c-1');
  answer(s.net.current, 'read', { type: 'error', code: 'unavailable', message: 'busy' });
  await settle();
  s.desk.markRead('c-1');
  assert.equal(s.net.current.frames('read').length, 2);
});

test('opening a conversation fetches its newest page over the socket, or over HTTP when it is down', async (t) => {
  const s = setup(t, { answers: { messages: () => ({ items: [message({ conversation_id: 'c-2', seq: 9, author: VISITOR })], more: true }) } });
  await online(s, { conversations: [conversation(), conversation({ id: 'c-2' })] });
  const opening = s.desk.open('c-1');
  await settle();
  assert.deepEqual({ ...s.net.current.last('history'), ref: 0 }, { type: 'history', ref: 0, conversation_id: 'c-1', before_seq: null, limit: Limits.HISTORY_DEFAULT });
  answer(s.net.current, 'history', { type: 'history', messages: [message({ seq: 4 }), message({ seq: 5 })], more: false });
  await settle();
  answer(s.net.current, 'sync', { type: 'synced', messages: [], more: false });
  await opening;
  const timeline = s.desk.workspace.timeline('c-1');
  assert.equal(timeline.loaded, true);
  assert.equal(timeline.hasOlder, false);
  assert.deepEqual(timeline.list().map((m) => m.seq), [4, 5]);

  s.desk.connection.stop();
  await s.desk.open('c-2');
  assert.deepEqual(s.api.calls.find(([name]) => name === 'messages'), ['messages', 'c-2', { before_seq: null, limit: Limits.HISTORY_DEFAULT }]);
  assert.equal(s.desk.workspace.timeline('c-2').hasOlder, true);
});

test('conversations the welcome no longer lists as open are fetched again after a reconnect', async (t) => {
  const s = setup(t);
  await online(s, { conversations: [conversation({ id: 'c-1' }), conversation({ id: 'c-2' })] });
  s.net.current.drop(1012);
  await settle();
  s.clock.advance(499);
  await online(s, { conversations: [conversation({ id: 'c-1' })] });
  assert.deepEqual(s.api.calls.filter(([name]) => name === 'conversation').map(([, id]) => id), ['c-2']);
});

test('the status is the server\'s: set here, followed from other tabs, taken from each welcome', async (t) => {
  const s = setup(t);
  await online(s);
  const heard = [];
  s.desk.on('status', (status) => heard.push(status));
  const setting = s.desk.setStatus('away');
  answer(s.net.current, 'status', { type: 'ok' });
  await setting;
  assert.equal(s.desk.workspace.team.get(ME.id)?.status, 'away');
  // Another tab of the same agent goes back online: this one follows.
  s.net.current.receive({ type: 'presence', agent_id: ME.id, status: 'online' });
  assert.equal(s.desk.status, 'online');
  assert.deepEqual(heard, ['online']);
  // After a reconnect the welcome says what it is now; nothing stale is sent again.
  s.net.current.drop(1012);
  await settle();
  s.clock.advance(499);
  await online(s, { agent: { ...ME, status: 'away' } });
  assert.equal(s.desk.status, 'away');
  assert.equal(s.desk.workspace.team.get(ME.id)?.status, 'away');
  assert.deepEqual(s.net.current.frames('status'), [], 'no status re-sent');
  // A colleague's presence does not change this agent's status.
  s.net.current.receive({ type: 'presence', agent_id: 'a-2', status: 'online' });
  assert.equal(s.desk.status, 'away');
});

test('typing is fired without waiting for an answer, and dropped while offline', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.typing('c-1', 'on');
  assert.deepEqual(s.net.current.last('typing'), { type: 'typing', conversation_id: 'c-1', state: 'on' });
  s.net.current.drop(1006);
  s.desk.typing('c-1', 'off');
  assert.equal(s.net.current.frames('typing').length, 1);
});

test('a refused token ends the session', async (t) => {
  const s = setup(t);
  await online(s);
  s.net.current.drop(4001);
  assert.equal(s.events.filter(([n]) => n === 'unauthorized').length, 1);
});

test('after a password change the desk reconnects with the new token, and the old socket\'s 4001 ends nothing', async (t) => {
  let token = 'jwt-1';
  const s = setup(t, { getToken: () => token });
  await online(s, { conversations: [conversation({ id: 'c-1' })] });
  const old = s.net.current;
  assert.equal(old.last('hello').token, 'jwt-1');
  token = 'jwt-2';
  s.desk.reconnect();
  const renewed = s.net.current;
  assert.notEqual(renewed, old, 'a new socket');
  assert.equal(old.closedByClient, true, 'the old one given up');
  renewed.open();
  assert.equal(renewed.last('hello').token, 'jwt-2');
  old.drop(4001);
  welcome(renewed);
  await settle();
  assert.equal(s.events.filter(([n]) => n === 'unauthorized').length, 0, 'the old socket closing is not this session ending');
  assert.equal(s.desk.connection.state, 'open');
  assert.ok(s.desk.workspace.conversations.has('c-1'), 'what the page held is kept');

  // The server's 4001 came first (the page was still signing in again): the same.
  s.net.current.drop(4001);
  assert.equal(s.desk.connection.state, 'stopped');
  token = 'jwt-3';
  s.desk.reconnect();
  s.net.current.open();
  assert.equal(s.net.current.last('hello').token, 'jwt-3');
  welcome(s.net.current);
  await settle();
  assert.equal(s.desk.connection.state, 'open');
});

test('the welcome brings the teams, the auto-away delay and this agent\'s capacity', async (t) => {
  const s = setup(t);
  await online(s, { agent: { ...ME, capacity: 4 }, teams: [{ id: 't-1', name: 'Billing' }], auto_away_s: 300 });
  assert.deepEqual([...s.desk.workspace.teams.values()], [{ id: 't-1', name: 'Billing' }]);
  assert.equal(s.desk.autoAwayS, 300);
  assert.deepEqual(s.desk.workspace.ownLoad(), { assigned: 0, capacity: 4 });
  // A server that says nothing of them: off, and the teams as they were.
  s.net.current.drop(1012);
  await settle();
  s.clock.advance(499);
  await online(s);
  assert.equal(s.desk.autoAwayS, 0);
  assert.equal(s.desk.workspace.teams.size, 1);
});

test('a welcome that does not list every open conversation: those assigned to this agent are fetched, page after page', async (t) => {
  const pages = {
    '': { items: [conversation({ id: 'c-7', assignee_id: ME.id })], next_cursor: 'p2' },
    p2: { items: [conversation({ id: 'c-8', assignee_id: ME.id })], next_cursor: null },
  };
  const s = setup(t, { answers: { conversations: (params) => pages[params.cursor ?? ''] } });
  await online(s, { agent: { ...ME, capacity: 5 }, conversations: [conversation({ id: 'c-1', assignee_id: ME.id })], more: true });
  await settle();
  assert.deepEqual(s.api.calls.filter(([n]) => n === 'conversations').map(([, p]) => p), [
    { status: 'open', assignee: 'me', cursor: null },
    { status: 'open', assignee: 'me', cursor: 'p2' },
  ]);
  assert.deepEqual(s.desk.workspace.ownLoad(), { assigned: 3, capacity: 5 });
});

test('the conversation shown is told to the other agents: on, again every 20 s, off when it leaves, on again after a reconnect', async (t) => {
  const s = setup(t);
  await online(s);
  const viewing = () => s.net.current.frames('viewing').map((f) => `${f.conversation_id} ${f.state}`);
  s.desk.show('c-1');
  assert.deepEqual(viewing(), ['c-1 on']);
  assert.ok(s.net.current.last('viewing').ref, 'with a ref: the server answers ok');
  s.net.current.receive({ type: 'ok', ref: s.net.current.last('viewing').ref });
  s.desk.show('c-1');
  s.clock.advance(19_999);
  assert.deepEqual(viewing(), ['c-1 on'], 'shown again: nothing new');
  s.clock.advance(1);
  assert.deepEqual(viewing(), ['c-1 on', 'c-1 on']);
  s.desk.show('c-2');
  assert.deepEqual(viewing(), ['c-1 on', 'c-1 on', 'c-1 off', 'c-2 on']);
  s.clock.advance(5_000);
  s.net.current.receive({ type: 'pong' }); // the heartbeat's ping, answered
  s.clock.advance(15_000);
  assert.deepEqual(viewing().slice(4), ['c-2 on'], 'only the one shown is renewed');
  // A refusal (an older server) is nobody's concern.
  s.net.current.receive({ type: 'error', ref: s.net.current.last('viewing').ref, code: 'bad_request', message: 'unknown frame' });
  await settle();
  s.net.current.drop(1012);
  await settle();
  s.clock.advance(499);
  await online(s);
  assert.deepEqual(viewing(), ['c-2 on'], 'the new socket is told at once');
  s.desk.show(null);
  assert.deepEqual(viewing(), ['c-2 on', 'c-2 off']);
  const socket = s.net.current;
  s.clock.advance(20_000);
  assert.equal(socket.frames('viewing').length, 2, 'nothing shown, nothing renewed');
});

test('other agents viewing and typing arrive as frames; this agent\'s own are not shown', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.workspace.learnAgent('a-2', 'Bob');
  s.net.current.receive({ type: 'viewing', conversation_id: 'c-1', agent_id: 'a-2', state: 'on' });
  s.net.current.receive({ type: 'viewing', conversation_id: 'c-1', agent_id: ME.id, state: 'on' });
  s.net.current.receive({ type: 'viewing', conversation_id: 'c-1', state: 'on' });
  assert.deepEqual(s.desk.workspace.viewersOf('c-1'), [{ id: 'a-2', name: 'Bob' }]);
  s.net.current.receive({ type: 'typing', conversation_id: 'c-1', author: { kind: 'agent', id: 'a-2', name: 'Bob' }, state: 'on' });
  assert.deepEqual(s.desk.workspace.typists('c-1').map((t) => t.author.name), ['Bob']);
  s.clock.advance(45_000);
  assert.deepEqual(s.desk.workspace.viewersOf('c-1'), [], 'not renewed within 45 s');
  s.net.current.receive({ type: 'viewing', conversation_id: 'c-1', agent_id: 'a-2', state: 'on' });
  s.net.current.receive({ type: 'viewing', conversation_id: 'c-1', agent_id: 'a-2', state: 'off' });
  assert.deepEqual(s.desk.workspace.viewersOf('c-1'), []);
});

test('a transfer goes to a team or an agent, with the note when there is one', async (t) => {
  const s = setup(t, { answers: { updateConversation: (id, change) => conversation({ id, updated_at: '2024-05-01T10:09:00Z', team_id: change.team_id ?? null, assignee_id: change.assignee_id ?? null }) } });
  await online(s);
  await s.desk.transfer('c-1', { team_id: 't-1' }, '  VIP, be nice  ');
  await s.desk.transfer('c-1', { team_id: null }, '   ');
  await s.desk.transfer('c-1', { assignee_id: 'a-2' });
  assert.deepEqual(s.api.calls.filter(([n]) => n === 'updateConversation').map(([, id, change]) => [id, change]), [
    ['c-1', { team_id: 't-1', note: 'VIP, be nice' }],
    ['c-1', { team_id: null }],
    ['c-1', { assignee_id: 'a-2' }],
  ]);
  assert.equal(s.desk.workspace.conversations.get('c-1')?.assignee_id, 'a-2', 'the answer is merged');
});

test("the welcome's email setup is kept, and read anew from every welcome", async (t) => {
  const s = setup(t);
  assert.deepEqual(s.desk.email, { configured: null, inbound: false }, 'before any welcome: nothing claimed');
  await online(s, { email: { configured: false, inbound: false } });
  assert.deepEqual(s.desk.email, { configured: false, inbound: false });
  s.net.current.drop(1012);
  await settle();
  s.clock.advance(499);
  await online(s, { email: { configured: true, inbound: true } });
  assert.deepEqual(s.desk.email, { configured: true, inbound: true });
});

// ---- files ------------------------------------------------------------------------------------

const PDF = { id: 'u-1', name: 'guide.pdf', size: 5000, content_type: 'application/pdf' };
const PNG = { id: 'u-2', name: 'shot.png', size: 300, content_type: 'image/png' };

test('a reply with files: their ids in the send, kept with the reply in storage, the text may be empty', async (t) => {
  const s = setup(t);
  await online(s, { conversations: [conversation({ id: 'c-1' })] });
  const item = s.desk.send('c-1', 'text', '', [PDF, { ...PNG, url: 'https://x/leaked-link' }]);
  assert.equal(typeof item, 'object');
  const frame = s.net.current.last('send');
  assert.deepEqual({ ...frame, ref: undefined }, { type: 'send', ref: undefined, conversation_id: 'c-1', client_msg_id: 'm-1', kind: 'text', body: '', attachments: ['u-1', 'u-2'] });
  assert.deepEqual(stored(s.storage)[0].attachments, [PDF, PNG], 'kept without links, for a resend after a reload');
  assert.deepEqual(s.desk.outbox('c-1')[0].attachments, [PDF, PNG]);
  const withLinks = [{ ...PDF, url: 'https://chat.example.com/files/u-1/guide.pdf?e=1&s=x' }];
  s.net.current.receive({ type: 'sent', ref: frame.ref, message: message({ conversation_id: 'c-1', seq: 4, client_msg_id: 'm-1', author: MINE, kind: 'text', body: '', attachments: withLinks }) });
  await settle();
  assert.deepEqual(stored(s.storage), []);
  assert.deepEqual(/** @type {any} */ (s.desk.workspace.timeline('c-1').list()[0]).attachments, withLinks);
  assert.equal(s.desk.workspace.conversations.get('c-1')?.last_body, 'File: guide.pdf', 'the inbox says what a reply without text carried');

  s.desk.send('c-1', 'note', 'Just text');
  assert.equal('attachments' in s.net.current.last('send'), false);
  assert.equal(s.desk.send('c-1', 'text', ' ', []), 'Write something first.');
  assert.equal(s.desk.send('c-1', 'text', '', /** @type {any} */ ([{ name: 'no id' }])), 'Write something first.');
});

test('a reply with files kept by an earlier page is sent with them; a malformed list is ignored', async (t) => {
  const s = setup(t);
  s.storage.setItem(PREFIX + Keys.outbox('c-2'), JSON.stringify([
    { client_msg_id: 'old-1', conversation_id: 'c-2', agent_id: ME.id, kind: 'text', body: '', created_at: '2024-05-01T10:00:00Z', state: 'pending', attachments: [PDF] },
    { client_msg_id: 'bad', conversation_id: 'c-2', agent_id: ME.id, kind: 'text', body: 'x', created_at: '2024-05-01T10:00:01Z', state: 'pending', attachments: 'u-1' },
  ]));
  await online(s);
  assert.deepEqual(s.net.current.frames('send').map((f) => [f.client_msg_id, f.attachments]), [['old-1', ['u-1']]]);
});

test('a reply whose file is gone is marked failed, saying so', async (t) => {
  const s = setup(t);
  await online(s);
  s.desk.send('c-1', 'text', 'See attached', [PDF]);
  answer(s.net.current, 'send', { type: 'error', code: 'not_found', message: 'upload not found' });
  await settle();
  const [item] = s.desk.outbox('c-1');
  assert.equal(item.state, 'failed');
  assert.equal(item.error, 'This conversation, or a file of this reply, no longer exists.');
  assert.deepEqual(item.attachments, [PDF], 'kept for Retry or Discard');
});
