// Focused delivery: the desk asks for `subscription: 'focused'`, tells the server with `watch`
// which conversation it shows (at every change and every welcome), follows `activity` frames in
// the inbox (preview, order, unread counts, the title's total, alerts) without taking their last
// message into a timeline, and catches a timeline left behind up with `sync` when it is shown.
// A server that does not say `focused` gets no `watch`, and its `message` frames work as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Desk } from '../lib/desk.js';
import { byActivity } from '../views/inbox.js';
import { unreadOf } from '../lib/workspace.js';
import { Limits, watchFrame } from '../../common/protocol.js';
import { FakeClock, ME, clockApi, conversation, fakeApi, fakeSockets, message, settle, useStorage, welcome } from './helpers.js';

const VISITOR = { kind: 'visitor', id: 'v-1', name: null };
const MINE = { kind: 'agent', id: ME.id, name: ME.name };
const FOCUSED = { subscription: 'focused' };

/** A desk on fake sockets, a fake clock and a fake API (as in desk.test.js). */
function setup(t, { answers = {} } = {}) {
  useStorage(t);
  const clock = new FakeClock();
  const net = fakeSockets();
  const api = fakeApi({ conversation: (id) => conversation({ id }), ...answers });
  let n = 0;
  const desk = new Desk({ api, getToken: () => 'jwt-1', origin: 'http://127.0.0.1:1', WebSocketImpl: net.WebSocket, clock: clockApi(clock), uuid: () => `m-${++n}`, random: () => 0.999999 });
  const events = [];
  for (const name of ['alert']) desk.on(name, (...args) => events.push([name, ...args]));
  const totals = [];
  desk.workspace.on('unread', (total) => totals.push(total));
  t.after(() => desk.stop());
  return { desk, net, clock, api, events, totals };
}

/** Starts the desk (or lets it reconnect) and welcomes its socket. */
async function online(s, fields = {}) {
  if (s.desk.connection.state === 'idle') s.desk.start();
  else s.clock.advance(30_000);
  s.net.current.open();
  welcome(s.net.current, fields);
  await settle();
}

/** The server answers the last `type` frame the desk sent. */
function answer(socket, type, reply) {
  const ref = socket.last(type)?.ref;
  assert.ok(ref, `a ${type} frame to answer`);
  socket.receive({ ...reply, ref });
}

/** The watched sets the desk sent on `socket`, in order. */
function watches(socket) {
  return socket.frames('watch').map((f) => f.conversation_ids);
}

/** An `activity` frame of one conversation. */
function activity(id, lastSeq, unread, fields = {}) {
  const last = message({ conversation_id: id, seq: lastSeq, author: VISITOR, body: `visitor ${lastSeq}`, created_at: `2024-05-01T11:00:${String(lastSeq).padStart(2, '0')}Z`, ...fields });
  return { type: 'activity', conversations: [{ conversation_id: id, last_seq: lastSeq, unread, last_message: last }] };
}

/** The seqs a conversation's timeline holds, in order. */
function seqs(s, id) {
  return s.desk.workspace.timeline(id).list().map((m) => m.seq);
}

/** Messages `from`..`to` of a conversation, written by the visitor. */
function visitorMessages(id, from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => message({ conversation_id: id, seq: from + i, author: VISITOR, body: `visitor ${from + i}` }));
}

test("the hello asks for focused delivery; the widget's hello builder is unchanged", async (t) => {
  const s = setup(t);
  s.desk.start();
  s.net.current.open();
  const hello = s.net.current.last('hello');
  assert.deepEqual(hello, { type: 'hello', ref: hello.ref, token: 'jwt-1', subscription: 'focused' });
  assert.deepEqual(watchFrame('1', ['c-1']), { type: 'watch', ref: '1', conversation_ids: ['c-1'] });
  assert.equal(watchFrame('2', Array.from({ length: 25 }, (_, i) => `c-${i}`)).conversation_ids.length, Limits.MAX_WATCHED, 'never more than the server takes');
});

test('watch follows the conversation on screen: at the welcome, on open, on change, on close, after a reconnect', async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-1' }), conversation({ id: 'c-2' })] });
  assert.deepEqual(watches(s.net.current), [[]], 'the welcome: nothing shown');
  answer(s.net.current, 'watch', { type: 'ok' });

  s.desk.show('c-1');
  assert.deepEqual(watches(s.net.current).at(-1), ['c-1'], 'sent at once, before the conversation is fetched');
  // Going to another conversation: the view of the first is destroyed, then the next shown.
  s.desk.show(null);
  s.desk.show('c-2');
  await settle();
  assert.deepEqual(watches(s.net.current), [[], ['c-1'], ['c-2']], 'one watch for the change, none for the moment between');

  s.desk.show(null);
  await settle();
  assert.deepEqual(watches(s.net.current).at(-1), [], 'closed: nothing watched');

  s.desk.show('c-1');
  const before = s.net.current;
  before.drop(1012);
  await settle();
  await online(s, FOCUSED);
  assert.notEqual(s.net.current, before);
  assert.deepEqual(watches(s.net.current), [['c-1']], 'the new socket is told what is on screen');
});

test('a failed watch breaks nothing and is sent again at the next change or welcome', async (t) => {
  const s = setup(t);
  await online(s, FOCUSED);
  s.desk.show('c-1');
  answer(s.net.current, 'watch', { type: 'error', code: 'unavailable', message: 'busy' });
  await settle();
  s.net.current.receive(activity('c-9', 1, 1));
  assert.equal(s.desk.connection.state, 'open');
  s.desk.show('c-2');
  assert.deepEqual(watches(s.net.current).at(-1), ['c-2']);
  answer(s.net.current, 'watch', { type: 'error', code: 'bad_request', message: 'no' });
  await settle();
  s.net.current.drop(1006);
  await settle();
  await online(s, FOCUSED);
  assert.deepEqual(watches(s.net.current), [['c-2']]);
});

test('an activity frame moves the row: last message, time, order, unread count, the total, an alert', async (t) => {
  const s = setup(t);
  await online(s, {
    ...FOCUSED,
    conversations: [
      conversation({ id: 'c-1', last_seq: 4, unread: 0, last_activity_at: '2024-05-01T10:30:00Z' }),
      conversation({ id: 'c-2', visitor_id: 'v-2', last_seq: 2, unread: 1, last_activity_at: '2024-05-01T10:10:00Z' }),
    ],
  });
  s.desk.show('c-1');
  const ws = s.desk.workspace;
  const order = () => [...ws.conversations.values()].sort(byActivity).map((c) => c.id);
  assert.deepEqual(order(), ['c-1', 'c-2']);
  assert.equal(ws.unreadTotal(), 1);

  s.net.current.receive(activity('c-2', 5, 3, { body: 'Third question' }));
  const c2 = /** @type {any} */ (ws.conversations.get('c-2'));
  assert.equal(c2.last_body, 'Third question');
  assert.equal(c2.last_author_kind, 'visitor');
  assert.equal(c2.last_seq, 5);
  assert.equal(c2.last_activity_at, '2024-05-01T11:00:05Z');
  assert.deepEqual(order(), ['c-2', 'c-1'], 'the newest activity first');
  assert.equal(unreadOf(c2), 4, 'one unread before, three more');
  assert.equal(ws.unreadTotal(), 4);
  assert.equal(s.totals.at(-1), 4, 'the title follows');
  assert.deepEqual(s.events.map(([, a]) => [a.kind, a.conversation.id, a.message.body]), [['message', 'c-2', 'Third question']]);
  assert.deepEqual(seqs(s, 'c-2'), [], 'the timeline does not take the last message');
  assert.equal(s.net.current.frames('sync').length, 0, 'nothing is fetched while it is not shown');

  // This agent's reply from another tab: the row moves, nothing unread, no alert.
  s.net.current.receive(activity('c-2', 6, 0, { author: MINE, body: 'Answered elsewhere' }));
  assert.equal(c2.last_body, 'Answered elsewhere');
  assert.equal(c2.last_author_kind, 'agent');
  assert.equal(unreadOf(c2), 4);
  assert.equal(s.events.length, 1);

  // Another agent's message counts, but only a visitor's alerts.
  s.net.current.receive(activity('c-2', 7, 1, { author: { kind: 'agent', id: 'a-2', name: 'Bob' }, body: 'FYI' }));
  assert.equal(unreadOf(c2), 5);
  assert.equal(s.events.length, 1);
  assert.equal(ws.agentName('a-2'), 'Bob');
});

test('an inbox page fetched meanwhile is not counted twice', async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-2', last_seq: 1, unread: 0 })] });
  // The API counted seq 2 already; the activity sums up 2 and 3.
  s.desk.workspace.upsertConversation(conversation({ id: 'c-2', last_seq: 2, unread: 1 }));
  s.net.current.receive(activity('c-2', 3, 2));
  assert.equal(unreadOf(/** @type {any} */ (s.desk.workspace.conversations.get('c-2'))), 2);
});

test('a conversation that got activity is synced from its last seq held when opened: complete, each message once', async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-1', last_seq: 2 })] });
  // Opened once (its newest page), then left.
  s.desk.show('c-1');
  const opening = s.desk.open('c-1');
  answer(s.net.current, 'history', { type: 'history', messages: visitorMessages('c-1', 1, 2), more: false });
  await settle();
  answer(s.net.current, 'sync', { type: 'synced', messages: [], more: false });
  await opening;
  s.desk.show(null);
  await settle();

  s.net.current.receive(activity('c-1', 5, 3));
  assert.deepEqual(seqs(s, 'c-1'), [1, 2]);
  assert.equal(unreadOf(/** @type {any} */ (s.desk.workspace.conversations.get('c-1'))), 3);

  s.desk.show('c-1');
  assert.deepEqual(watches(s.net.current).at(-1), ['c-1']);
  const reopening = s.desk.open('c-1');
  assert.equal(s.net.current.last('sync').after_seq, 2, 'from the last seq the timeline holds');
  const syncsBefore = s.net.current.frames('sync').length;
  // Watched now: a live message arrives while the sync is on its way, past the hole.
  s.net.current.receive({ type: 'message', message: message({ conversation_id: 'c-1', seq: 6, author: VISITOR, body: 'visitor 6' }) });
  assert.equal(s.net.current.frames('sync').length, syncsBefore, 'the sync under way covers it');
  answer(s.net.current, 'sync', { type: 'synced', messages: visitorMessages('c-1', 3, 4), more: true });
  await settle();
  assert.equal(s.net.current.last('sync').after_seq, 4, 'the next page after this one, not after the live message');
  answer(s.net.current, 'sync', { type: 'synced', messages: visitorMessages('c-1', 5, 6), more: false });
  await reopening;
  assert.deepEqual(seqs(s, 'c-1'), [1, 2, 3, 4, 5, 6], 'complete, in order, each once');
  s.desk.markRead('c-1');
  assert.equal(s.desk.workspace.unreadTotal(), 0);
  assert.equal(s.net.current.last('read').seq, 6);
});

test('a timeline never fetched gets its newest page then what came after, and nothing from the activity twice', async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-2', last_seq: 1 })] });
  s.net.current.receive(activity('c-2', 3, 2));
  assert.equal(s.desk.behind.has('c-2'), false, 'nothing held: nothing to complete');
  s.desk.show('c-2');
  const opening = s.desk.open('c-2');
  await settle();
  assert.equal(s.net.current.last('history').before_seq, null);
  answer(s.net.current, 'history', { type: 'history', messages: visitorMessages('c-2', 1, 3), more: false });
  await settle();
  assert.equal(s.net.current.last('sync').after_seq, 3);
  answer(s.net.current, 'sync', { type: 'synced', messages: visitorMessages('c-2', 3, 4), more: false });
  await opening;
  assert.deepEqual(seqs(s, 'c-2'), [1, 2, 3, 4]);
});

test("a reply sent to a conversation summed up does not hide the messages before it", async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-1', last_seq: 2 })] });
  s.desk.received('c-1', visitorMessages('c-1', 1, 2), {});
  s.desk.workspace.timeline('c-1').loaded = true;
  // The reply went out from the outbox while another conversation was on screen; the
  // visitor's seq 3 was summed up after it.
  s.desk.send('c-1', 'text', 'Sorry for the wait');
  const send = s.net.current.last('send');
  s.net.current.receive({ type: 'sent', ref: send.ref, message: message({ conversation_id: 'c-1', seq: 4, client_msg_id: send.client_msg_id, author: MINE, body: send.body }) });
  await settle();
  s.net.current.receive(activity('c-1', 4, 0, { author: MINE, body: send.body }));
  assert.deepEqual(seqs(s, 'c-1'), [1, 2, 4]);
  s.desk.show('c-1');
  const opening = s.desk.open('c-1');
  assert.equal(s.net.current.last('sync').after_seq, 2, 'from before the hole');
  answer(s.net.current, 'sync', { type: 'synced', messages: [...visitorMessages('c-1', 3, 3), message({ conversation_id: 'c-1', seq: 4, client_msg_id: send.client_msg_id, author: MINE, body: send.body })], more: false });
  await opening;
  assert.deepEqual(seqs(s, 'c-1'), [1, 2, 3, 4]);
  assert.equal(s.desk.behind.has('c-1'), false);
});

test('a conversation assigned meanwhile comes in full: its first full message after a hole is caught up from before the hole', async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-1', last_seq: 2 })] });
  s.desk.received('c-1', visitorMessages('c-1', 1, 2), {});
  s.desk.workspace.timeline('c-1').loaded = true;
  s.net.current.receive({ type: 'message', message: message({ conversation_id: 'c-1', seq: 5, author: VISITOR }) });
  assert.equal(s.net.current.last('sync').after_seq, 2);
  answer(s.net.current, 'sync', { type: 'synced', messages: visitorMessages('c-1', 3, 5), more: false });
  await settle();
  assert.deepEqual(seqs(s, 'c-1'), [1, 2, 3, 4, 5]);
});

test('activity about the conversation on screen (sent before the watch took effect) is fetched, not counted', async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-1', last_seq: 2 })] });
  s.desk.received('c-1', visitorMessages('c-1', 1, 2), {});
  s.desk.workspace.timeline('c-1').loaded = true;
  s.desk.show('c-1');
  const opening = s.desk.open('c-1');
  assert.equal(s.net.current.frames('sync').length, 1);
  // The catch-up's answer was made before seq 3, which comes summed up.
  s.net.current.receive(activity('c-1', 3, 1));
  answer(s.net.current, 'sync', { type: 'synced', messages: [], more: false });
  await settle();
  assert.equal(s.net.current.frames('sync').length, 2, 'caught up again once the first ends');
  assert.equal(s.net.current.last('sync').after_seq, 2);
  answer(s.net.current, 'sync', { type: 'synced', messages: visitorMessages('c-1', 3, 3), more: false });
  await opening;
  assert.deepEqual(seqs(s, 'c-1'), [1, 2, 3]);
  s.desk.markRead('c-1');
  assert.equal(s.desk.workspace.unreadTotal(), 0, 'read on screen, not left unread');

  // Later, with no catch-up under way: fetched at once.
  s.net.current.receive(activity('c-1', 4, 1));
  assert.equal(s.net.current.last('sync').after_seq, 3);
  assert.equal(unreadOf(/** @type {any} */ (s.desk.workspace.conversations.get('c-1'))), 0, 'counted when its messages come');
});

test('after a reconnect a timeline left behind is caught up from where it is complete', async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-1', last_seq: 2 })] });
  s.desk.received('c-1', visitorMessages('c-1', 1, 2), {});
  s.desk.workspace.timeline('c-1').loaded = true;
  s.net.current.receive(activity('c-1', 4, 2));
  s.net.current.drop(1012);
  await settle();
  await online(s, FOCUSED);
  assert.equal(s.net.current.last('sync').after_seq, 2);
  answer(s.net.current, 'sync', { type: 'synced', messages: visitorMessages('c-1', 3, 4), more: false });
  await settle();
  assert.deepEqual(seqs(s, 'c-1'), [1, 2, 3, 4]);
  assert.equal(unreadOf(/** @type {any} */ (s.desk.workspace.conversations.get('c-1'))), 2, 'the two summed up, not counted again');
});

test('a server that sends all (or does not say) gets no watch, and messages work as before', async (t) => {
  for (const fields of [{ subscription: 'all' }, {}]) {
    const s = setup(t);
    await online(s, { ...fields, conversations: [conversation({ id: 'c-1' }), conversation({ id: 'c-2' })] });
    assert.equal(s.net.current.last('hello').subscription, 'focused', 'asked all the same');
    s.desk.show('c-1');
    s.desk.show(null);
    s.desk.show('c-2');
    await settle();
    assert.equal(s.net.current.frames('watch').length, 0);
    s.net.current.receive({ type: 'message', message: message({ conversation_id: 'c-1', seq: 1, author: VISITOR, body: 'Hi' }) });
    assert.deepEqual(seqs(s, 'c-1'), [1], 'a message frame goes into its timeline');
    assert.equal(s.desk.workspace.conversations.get('c-1')?.last_body, 'Hi');
    assert.equal(s.events.length, 1);
    s.desk.workspace.timeline('c-1').loaded = true;
    s.net.current.receive({ type: 'message', message: message({ conversation_id: 'c-1', seq: 4, author: VISITOR }) });
    assert.equal(s.net.current.last('sync').after_seq, 4, 'a gap is caught up as before');
    assert.equal(s.desk.behind.size, 0);
  }
});

test("visitors' comings and goings summed up in an activity frame move their presence as presence frames would", async (t) => {
  const s = setup(t);
  await online(s, { ...FOCUSED, conversations: [conversation({ id: 'c-1', visitor_id: 'v-1', visitor_online: false })] });
  s.net.current.receive({ type: 'activity', visitors: [{ visitor_id: 'v-1', online: true }], conversations: [] });
  await settle();
  assert.equal(s.desk.workspace.conversations.get('c-1').visitor_online, true);
  s.net.current.receive({ type: 'activity', visitors: [{ visitor_id: 'v-1', online: false }, { visitor_id: 42 }], conversations: [] });
  await settle();
  assert.equal(s.desk.workspace.conversations.get('c-1').visitor_online, false, 'a malformed entry is skipped, the rest applies');
});
