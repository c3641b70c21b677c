// The chat session against a fake WebSocket whose server side the test plays, with a clock
// the test advances: handshake, outbox and resend, catch-up, dedupe, close codes, heartbeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chat } from '../src/lib/chat.js';
import { Timing } from '../../common/protocol.js';
import { FakeClock, settle } from '../../common/test/helpers/clock.js';
import { fakeSockets, message } from '../../common/test/helpers/socket.js';

/** A chat wired to fakes; `kept` plays the host page's storage as the loader keeps it. */
function setup({ restored = {}, kept = new Map() } = {}) {
  const clock = new FakeClock();
  const net = fakeSockets();
  let n = 0;
  const log = { unread: [], live: [], settings: [] };
  const outboxKey = 'outbox';
  const readOutbox = () => JSON.parse(kept.get(outboxKey) ?? '[]');
  const chat = new Chat(
    {
      url: 'wss://chat.example.com/ws/visitor?site_key=pk_test',
      WebSocket: net.WebSocket,
      clock: clock.api,
      random: () => 0.5,
      uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      date: () => new Date(clock.now()),
    },
    {
      persist: (key, value) => (value === null ? kept.delete(key) : kept.set(key, value)),
      outbox: {
        put: (item) => kept.set(outboxKey, JSON.stringify([...readOutbox(), item])),
        remove: (id) => kept.set(outboxKey, JSON.stringify(readOutbox().filter((i) => i.client_msg_id !== id))),
      },
      changed: () => {},
      live: (m) => log.live.push(m),
      unread: (count) => log.unread.push(count),
      settings: (s) => log.settings.push(s),
    },
    restored,
  );
  return { chat, clock, net, kept, log, readOutbox };
}

/** Starts the chat and completes the handshake on the first socket. */
async function connected(options, welcome = {}) {
  const env = setup(options);
  env.chat.start({ page: { url: 'https://shop.example/', title: 'Shop', referrer: '' } });
  env.net.current.open();
  env.net.current.welcome(welcome);
  await settle();
  return env;
}

const conversation = (fields = {}) => ({ id: 'c-1', status: 'open', assignee: null, last_seq: 0, ...fields });

test('the first frame is hello with the stored token, the page and the identity', () => {
  const { chat, net } = setup({ restored: { token: 'stored-token' } });
  chat.start({ page: { url: 'https://shop.example/cart', title: 'Cart', referrer: '' }, identity: { jwt: 'j' } });
  assert.equal(net.current.url, 'wss://chat.example.com/ws/visitor?site_key=pk_test');
  net.current.open();
  assert.equal(net.current.sent.length, 1);
  const [hello] = net.current.sent;
  assert.deepEqual(hello, {
    type: 'hello',
    ref: hello.ref,
    token: 'stored-token',
    page: { url: 'https://shop.example/cart', title: 'Cart' },
    identity: { jwt: 'j' },
  });
});

test('welcome: the token is kept, settings and agents are taken', async () => {
  const { chat, kept, log } = await connected({}, { token: 'fresh', agents_online: 0, settings: { draft_preview: true } });
  assert.equal(kept.get('token'), 'fresh');
  assert.equal(chat.status, 'online');
  assert.equal(chat.agentsOnline, 0);
  assert.deepEqual(log.settings, [{ draft_preview: true }]);
});

test('a typed message is in the persisted outbox at once and leaves it on sent', async () => {
  const { chat, net, readOutbox } = await connected();
  assert.equal(chat.send('  Hello there  '), 'queued');
  const [item] = readOutbox();
  assert.equal(item.body, 'Hello there');
  assert.match(item.client_msg_id, /^[0-9a-f-]{36}$/);
  assert.equal(chat.entries()[0].state, 'sending');

  const send = net.current.last('send');
  assert.deepEqual(send, { type: 'send', ref: send.ref, client_msg_id: item.client_msg_id, kind: 'text', body: 'Hello there' });
  assert.equal('conversation_id' in send, false, 'the first send opens the conversation');

  net.current.receive({
    type: 'sent',
    ref: send.ref,
    message: message({ seq: 1, client_msg_id: item.client_msg_id, author: { kind: 'visitor', id: 'v-1', name: null }, body: 'Hello there' }),
  });
  await settle();
  assert.deepEqual(readOutbox(), []);
  assert.equal(chat.conversation?.id, 'c-1', 'the conversation id comes from sent.message');
  const entries = chat.entries();
  assert.equal(entries.length, 1);
  assert.equal(entries[0].state, 'sent');
  assert.equal(entries[0].message?.seq, 1);
});

test('empty and overlong messages are refused before the outbox', async () => {
  const { chat, readOutbox } = await connected();
  assert.equal(chat.send('   \n '), 'empty');
  assert.equal(chat.send('😀'.repeat(4001)), 'too_long');
  assert.equal(chat.send('😀'.repeat(4000)), 'queued', 'the limit counts code points, not UTF-16 units');
  assert.equal(readOutbox().length, 1);
});

test('a message whose sent was lost is resent with the same id after reconnecting', async () => {
  const { chat, net, clock } = await connected({}, { conversation: conversation({ last_seq: 3 }) });
  chat.send('Are you there?');
  const first = net.current.last('send');
  net.current.drop(1006);
  assert.equal(chat.status, 'reconnecting');

  clock.advance(1000);
  assert.equal(net.sockets.length, 2);
  net.current.open();
  assert.equal(net.current.frames('send').length, 0, 'nothing is sent before welcome');
  net.current.welcome({ conversation: conversation({ last_seq: 3 }) });
  await settle();
  const again = net.current.last('send');
  assert.equal(again.client_msg_id, first.client_msg_id);
  assert.equal(again.body, 'Are you there?');
  assert.equal(again.conversation_id, 'c-1');
});

test('messages typed while offline survive a reload and are sent with their ids', async () => {
  const kept = new Map();
  const before = setup({ kept });
  before.chat.start();
  before.chat.send('typed in a tunnel');
  const [item] = before.readOutbox();
  before.chat.stop();

  // the page reloads: the loader hands the kept outbox to a new panel
  const after = setup({ kept, restored: { outbox: JSON.parse(kept.get('outbox')) } });
  assert.equal(after.chat.entries()[0].state, 'sending', 'shown as sending at once');
  after.chat.start();
  after.net.current.open();
  after.net.current.welcome();
  await settle();
  assert.equal(after.net.current.last('send').client_msg_id, item.client_msg_id);
});

test('a sync that shows the server has a pending message settles it', async () => {
  const { chat, net, clock, readOutbox } = await connected({}, { conversation: conversation() });
  chat.send('one');
  const id = net.current.last('send').client_msg_id;
  net.current.drop(1012);
  clock.advance(1000);
  net.current.open();
  net.current.welcome({ conversation: conversation({ last_seq: 1 }) });
  await settle();
  const mine = message({ seq: 1, client_msg_id: id, author: { kind: 'visitor', id: 'v-1', name: null }, body: 'one' });
  const sync = net.current.last('sync');
  assert.equal(sync.after_seq, 0);
  net.current.receive({ type: 'synced', ref: sync.ref, messages: [mine], more: false });
  await settle();
  assert.deepEqual(readOutbox(), []);
  assert.equal(chat.entries().length, 1);
});

test('after a reconnect, sync asks from the last seq held and repeats while more', async () => {
  const { chat, net, clock } = await connected({}, { conversation: conversation({ last_seq: 2 }) });
  const history = net.current.last('history');
  assert.deepEqual(history, { type: 'history', ref: history.ref, conversation_id: 'c-1', before_seq: null, limit: 50 });
  net.current.receive({ type: 'history', ref: history.ref, messages: [message({ seq: 1 }), message({ seq: 2 })], more: false });
  await settle();
  net.current.receive({ type: 'synced', ref: net.current.last('sync').ref, messages: [], more: false });
  await settle();

  net.current.drop(1006);
  clock.advance(Timing.BACKOFF_CAP_MS);
  net.current.open();
  net.current.welcome({ conversation: conversation({ last_seq: 5 }) });
  await settle();
  const first = net.current.last('sync');
  assert.deepEqual(first, { type: 'sync', ref: first.ref, conversation_id: 'c-1', after_seq: 2 });
  net.current.receive({ type: 'synced', ref: first.ref, messages: [message({ seq: 3 }), message({ seq: 4 })], more: true });
  await settle();
  const second = net.current.last('sync');
  assert.equal(second.after_seq, 4);
  net.current.receive({ type: 'synced', ref: second.ref, messages: [message({ seq: 5 })], more: false });
  await settle();
  assert.equal(net.current.frames('sync').length, 2);
  assert.deepEqual(chat.entries().map((e) => e.message?.seq), [1, 2, 3, 4, 5]);
});

test('duplicates are dropped and messages are shown in seq order', async () => {
  const { chat, net } = await connected({}, { conversation: conversation({ last_seq: 0 }) });
  net.current.receive({ type: 'message', message: message({ seq: 3, body: 'c' }) });
  net.current.receive({ type: 'message', message: message({ seq: 1, body: 'a' }) });
  net.current.receive({ type: 'message', message: message({ seq: 3, body: 'c' }) });
  const sync = net.current.last('sync');
  net.current.receive({ type: 'synced', ref: sync.ref, messages: [message({ seq: 1, body: 'a' }), message({ seq: 2, body: 'b' }), message({ seq: 3, body: 'c' })], more: false });
  await settle();
  assert.deepEqual(chat.entries().map((e) => e.message?.body), ['a', 'b', 'c']);
});

test('4003 is not retried', async () => {
  const { chat, net, clock } = await connected();
  net.current.drop(4003);
  clock.advance(10 * Timing.BACKOFF_CAP_MS);
  assert.equal(net.sockets.length, 1);
  assert.equal(chat.status, 'stopped');
  assert.equal(chat.stopReason, 'forbidden');
});

test('4001 drops the token and retries once as a new visitor', async () => {
  const { chat, net, clock, kept } = setup({ restored: { token: 'stale' } });
  chat.start();
  net.current.open();
  net.current.drop(4001);
  assert.equal(kept.has('token'), false);
  clock.advance(1000);
  assert.equal(net.sockets.length, 2);
  net.current.open();
  assert.equal(net.current.last('hello').token, null);
  net.current.drop(4001);
  clock.advance(10 * Timing.BACKOFF_CAP_MS);
  assert.equal(net.sockets.length, 2, 'only once');
  assert.equal(chat.status, 'stopped');
});

test('a token asked for before the first welcome comes with it; none in time, or a stop, answers null', async () => {
  const { chat, net } = setup();
  chat.start();
  const waiting = chat.signedIn(5_000);
  net.current.open();
  net.current.welcome({ token: 'fresh' });
  assert.equal(await waiting, 'fresh');
  assert.equal(await chat.signedIn(5_000), 'fresh', 'at once once there');

  const late = setup();
  late.chat.start();
  const tooLate = late.chat.signedIn(5_000);
  late.clock.advance(5_000);
  assert.equal(await tooLate, null);
  assert.equal(late.chat.tokenWaiters.size, 0, 'nobody left waiting');

  const refused = setup();
  refused.chat.start();
  const stopped = refused.chat.signedIn(60_000);
  refused.net.current.open();
  refused.net.current.drop(4003);
  assert.equal(await stopped, null);
  assert.equal(await refused.chat.signedIn(60_000), null, 'a stopped session answers at once');
});

test('1012 and other closes reconnect with growing, capped delays', async () => {
  const { net, clock } = await connected();
  const delays = [];
  for (let i = 0; i < 8; i++) {
    const count = net.sockets.length;
    net.current.drop(i === 0 ? 1012 : 1006);
    const started = clock.now();
    while (net.sockets.length === count) clock.advance(10);
    delays.push(clock.now() - started);
    net.current.open();
  }
  // random() is 0.5: half of min(cap, 500 * 2^attempt)
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 15000, 15000]);
});

test('a welcome resets the backoff', async () => {
  const { net, clock } = await connected();
  net.current.drop(1006);
  clock.advance(250);
  net.current.drop(1006);
  clock.advance(500);
  net.current.open();
  net.current.welcome();
  await settle();
  const count = net.sockets.length;
  net.current.drop(1006);
  clock.advance(250);
  assert.equal(net.sockets.length, count + 1);
});

test('the heartbeat drops a socket that stays silent after a ping', async () => {
  const { chat, net, clock } = await connected();
  clock.advance(Timing.PING_INTERVAL_MS);
  assert.equal(net.current.frames('ping').length, 1);
  net.current.receive({ type: 'pong' });
  clock.advance(Timing.PONG_TIMEOUT_MS);
  assert.equal(net.sockets.length, 1, 'a pong keeps it');

  clock.advance(Timing.PING_INTERVAL_MS - Timing.PONG_TIMEOUT_MS);
  assert.equal(net.current.frames('ping').length, 2);
  clock.advance(Timing.PONG_TIMEOUT_MS);
  assert.equal(net.sockets[0].closedByClient, true);
  assert.equal(chat.status, 'reconnecting');
  clock.advance(1000);
  assert.equal(net.sockets.length, 2);
});

test('a socket that never gets its welcome is abandoned', () => {
  const { chat, net, clock } = setup();
  chat.start();
  net.current.open();
  clock.advance(Timing.CONNECT_TIMEOUT_MS - 1);
  assert.equal(net.sockets[0].closedByClient, false);
  clock.advance(1);
  assert.equal(net.sockets[0].closedByClient, true);
  clock.advance(1000);
  assert.equal(net.sockets.length, 2);
});

test('unavailable is retried with the same client_msg_id; bad_request is not', async () => {
  const { chat, net, clock, readOutbox } = await connected();
  chat.send('first');
  const first = net.current.last('send');
  net.current.receive({ type: 'error', ref: first.ref, code: 'unavailable', message: 'storage down' });
  await settle();
  assert.equal(net.current.frames('send').length, 1);
  clock.advance(Timing.BACKOFF_CAP_MS);
  const retry = net.current.last('send');
  assert.notEqual(retry.ref, first.ref);
  assert.equal(retry.client_msg_id, first.client_msg_id);

  chat.send('second');
  const second = net.current.last('send');
  net.current.receive({ type: 'error', ref: second.ref, code: 'bad_request', message: 'no' });
  await settle();
  clock.advance(Timing.BACKOFF_CAP_MS);
  assert.equal(net.current.frames('send').filter((f) => f.client_msg_id === second.client_msg_id).length, 1);
  assert.deepEqual(readOutbox().map((i) => i.body), ['first']);
  assert.equal(chat.entries().find((e) => e.item?.body === 'second')?.state, 'failed');
});

test("own messages turn read when an agent's read reaches their seq", async () => {
  const { chat, net } = await connected({}, { conversation: conversation() });
  const mine = (seq) => message({ seq, client_msg_id: `id-${seq}`, author: { kind: 'visitor', id: 'v-1', name: null } });
  net.current.receive({ type: 'message', message: mine(1) });
  net.current.receive({ type: 'message', message: mine(2) });
  net.current.receive({ type: 'read', conversation_id: 'c-1', reader: { kind: 'agent', id: 'a-1', name: 'Alice' }, seq: 1 });
  assert.deepEqual(chat.entries().map((e) => e.state), ['read', 'sent']);
  net.current.receive({ type: 'read', conversation_id: 'c-1', reader: { kind: 'agent', id: 'a-1', name: 'Alice' }, seq: 0 });
  assert.deepEqual(chat.entries().map((e) => e.state), ['read', 'sent'], 'a read mark never goes down');
});

test('replies are unread until the panel is visible, then read is sent', async () => {
  const { chat, net, log, kept } = await connected({}, { conversation: conversation() });
  net.current.receive({ type: 'message', message: message({ seq: 1 }) });
  net.current.receive({ type: 'message', message: message({ seq: 2, kind: 'event', author: { kind: 'system', id: null, name: null } }) });
  net.current.receive({ type: 'message', message: message({ seq: 3 }) });
  assert.deepEqual(log.unread, [1, 2]);
  assert.equal(net.current.frames('read').length, 0);
  chat.setVisible(true);
  assert.deepEqual(log.unread, [1, 2, 0]);
  assert.deepEqual(net.current.last('read'), { type: 'read', conversation_id: 'c-1', seq: 3 });
  assert.equal(kept.get('seen'), '3');
});

test("only agents' text replies count as unread: not events, even an agent's, nor the visitor's own", async () => {
  const { net, log } = await connected({}, { conversation: conversation() });
  net.current.receive({ type: 'message', message: message({ seq: 1, kind: 'event', body: 'Alice joined' }) });
  net.current.receive({ type: 'message', message: message({ seq: 2, author: { kind: 'visitor', id: 'v-1', name: null } }) });
  assert.deepEqual(log.unread, []);
  net.current.receive({ type: 'message', message: message({ seq: 3 }) });
  assert.deepEqual(log.unread, [1]);
});

test('agent typing is shown, and forgotten when it is not renewed', async () => {
  const { chat, net, clock } = await connected({}, { conversation: conversation() });
  net.current.receive({ type: 'typing', conversation_id: 'c-1', author: { kind: 'agent', id: 'a', name: 'Alice' }, state: 'on' });
  assert.equal(chat.agentTyping, 'Alice');
  clock.advance(Timing.TYPING_TTL_MS);
  assert.equal(chat.agentTyping, null);
});

test('agents frames switch between online and offline', async () => {
  const { chat, net } = await connected({}, { agents_online: 2 });
  net.current.receive({ type: 'agents', online: 0 });
  assert.equal(chat.agentsOnline, 0);
});

test('typing frames carry a preview only when the site enables draft preview', async () => {
  const plainSite = await connected({}, { conversation: conversation(), settings: { draft_preview: false } });
  plainSite.chat.typing('hello');
  assert.deepEqual(plainSite.net.current.last('typing'), { type: 'typing', conversation_id: 'c-1', state: 'on' });

  const previewSite = await connected({}, { conversation: conversation(), settings: { draft_preview: true } });
  previewSite.chat.typing('hello');
  assert.deepEqual(previewSite.net.current.last('typing'), { type: 'typing', conversation_id: 'c-1', state: 'on', preview: 'hello' });
});

test('leaving an email sends profile; ending sends end with the conversation', async () => {
  const { chat, net, kept } = await connected({}, { conversation: conversation(), agents_online: 0 });
  const leaving = chat.leaveEmail('ada@example.com', 'Ada');
  const profile = net.current.last('profile');
  assert.deepEqual(profile, { type: 'profile', ref: profile.ref, email: 'ada@example.com', name: 'Ada' });
  net.current.receive({ type: 'ok', ref: profile.ref });
  await leaving;
  assert.equal(chat.emailGiven, true);
  assert.equal(kept.get('email'), '1');

  const ending = chat.end();
  const end = net.current.last('end');
  assert.deepEqual(end, { type: 'end', ref: end.ref, conversation_id: 'c-1' });
  net.current.receive({ type: 'ok', ref: end.ref });
  await ending;
  assert.equal(chat.conversation?.status, 'resolved');
});

test('page changes are sent once connected', async () => {
  const { chat, net } = await connected();
  chat.setPage({ url: 'https://shop.example/shoes', title: 'Shoes' });
  assert.deepEqual(net.current.last('page'), { type: 'page', url: 'https://shop.example/shoes', title: 'Shoes' });
});

test('identify reconnects with the identity; reset reconnects as a new visitor', async () => {
  const { chat, net } = await connected({ restored: { token: 'old' } }, { conversation: conversation() });
  chat.identify({ id: 'u-1', hash: 'h' });
  assert.equal(net.sockets.length, 2);
  net.current.open();
  assert.deepEqual(net.current.last('hello').identity, { id: 'u-1', hash: 'h' });
  assert.equal(net.current.last('hello').token, 'token-1');

  chat.reset();
  assert.equal(net.sockets.length, 3);
  net.current.open();
  const hello = net.current.last('hello');
  assert.equal(hello.token, null);
  assert.equal('identity' in hello, false);
  assert.equal(chat.conversation, null);
});

test('a long conversation loads its newest page, then earlier pages on demand', async () => {
  const { chat, net } = await connected({}, { conversation: conversation({ last_seq: 120 }) });
  const page = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => message({ seq: from + i }));
  const newest = net.current.last('history');
  net.current.receive({ type: 'history', ref: newest.ref, messages: page(71, 120), more: true });
  await settle();
  net.current.receive({ type: 'synced', ref: net.current.last('sync').ref, messages: [], more: false });
  await settle();
  assert.equal(chat.more, true);

  const loading = chat.loadEarlier();
  const earlier = net.current.last('history');
  assert.deepEqual(earlier, { type: 'history', ref: earlier.ref, conversation_id: 'c-1', before_seq: 71, limit: 50 });
  net.current.receive({ type: 'history', ref: earlier.ref, messages: page(21, 70), more: true });
  await loading;
  const seqs = chat.entries().map((e) => e.message?.seq);
  assert.equal(seqs.length, 100);
  assert.equal(seqs[0], 21);
  assert.equal(seqs[99], 120);
});

test("agents' read mark in the welcome, when the server sends one, marks own messages read", async () => {
  const { chat, net } = await connected({}, { conversation: conversation({ last_seq: 1, agent_read_seq: 1 }) });
  const mine = message({ seq: 1, client_msg_id: 'id-1', author: { kind: 'visitor', id: 'v-1', name: null } });
  net.current.receive({ type: 'history', ref: net.current.last('history').ref, messages: [mine], more: false });
  await settle();
  assert.equal(chat.entries()[0].state, 'read');
});

test('a long outbox goes out in typing order, at most 10 sends awaiting sent at once', async () => {
  const { chat, net, readOutbox } = await connected({}, { conversation: conversation() });
  for (let i = 1; i <= 25; i++) chat.send(`m${i}`);
  assert.deepEqual(net.current.frames('send').map((f) => f.body), Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
  let seq = 0;
  while (readOutbox().length) {
    const waiting = net.current.frames('send').filter((f) => readOutbox().some((i) => i.client_msg_id === f.client_msg_id));
    assert.ok(waiting.length <= 10);
    const next = waiting[0];
    net.current.receive({ type: 'sent', ref: next.ref, message: message({ seq: ++seq, client_msg_id: next.client_msg_id, body: next.body, author: { kind: 'visitor', id: 'v-1', name: null } }) });
    await settle();
  }
  assert.deepEqual(net.current.frames('send').map((f) => f.body), Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
  assert.deepEqual(chat.entries().map((e) => e.message?.body), Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
});

// ---- rating a resolved conversation -------------------------------------------------------

test('a conversation that becomes resolved asks for a rating; ok keeps it rated and says thanks', async () => {
  const { chat, net, kept } = await connected({}, { conversation: conversation() });
  assert.equal(chat.rating(), null, 'nothing to rate while open');
  net.current.receive({ type: 'conversation', conversation: conversation({ status: 'resolved' }) });
  assert.equal(chat.rating(), 'ask');

  const rating = chat.rate(4, '  Quick and kind  ');
  const rate = net.current.last('rate');
  assert.deepEqual(rate, { type: 'rate', ref: rate.ref, conversation_id: 'c-1', score: 4, comment: 'Quick and kind' });
  assert.equal(chat.rating(), 'ask', 'asked until the server says ok');
  net.current.receive({ type: 'ok', ref: rate.ref });
  await rating;
  assert.equal(kept.get('rated'), 'c-1', 'the host page keeps which conversation was rated');
  assert.equal(chat.rating(), 'thanks');
});

test('a refused rating leaves the prompt up to try again; bad scores and long comments are never sent', async () => {
  const { chat, net, kept } = await connected({}, { conversation: conversation({ status: 'resolved' }) });
  const rating = chat.rate(5);
  const rate = net.current.last('rate');
  assert.equal('comment' in rate, false, 'no comment: none is sent');
  net.current.receive({ type: 'error', ref: rate.ref, code: 'conflict', message: 'a conversation is rated once it is resolved' });
  await assert.rejects(rating, { code: 'conflict' });
  assert.equal(chat.rating(), 'ask');
  assert.equal(kept.has('rated'), false);

  await assert.rejects(chat.rate(0), { code: 'bad_request' });
  await assert.rejects(chat.rate(4.5), { code: 'bad_request' });
  await assert.rejects(chat.rate(3, '😀'.repeat(1001)), { code: 'too_large' }, 'the limit counts code points');
  assert.equal(net.current.frames('rate').length, 1);
  const again = chat.rate(3, '😀'.repeat(1000));
  net.current.receive({ type: 'ok', ref: net.current.last('rate').ref });
  await again;
  assert.equal(chat.rating(), 'thanks');
});

test('a rating without a connection fails at once, and the prompt stays', async () => {
  const { chat, net } = await connected({}, { conversation: conversation({ status: 'resolved' }) });
  net.current.drop(1006);
  await assert.rejects(chat.rate(4), { code: 'disconnected' });
  assert.equal(chat.rating(), 'ask');
});

test('after a reload, a conversation rated in this browser is not asked again; another one is', async () => {
  const rated = await connected({ restored: { rated: 'c-1' } }, { conversation: conversation({ status: 'resolved' }) });
  assert.equal(rated.chat.rating(), null, 'no prompt, and no thanks either: that was another page');

  const notYet = await connected({ restored: { rated: 'c-0' } }, { conversation: conversation({ status: 'resolved' }) });
  assert.equal(notYet.chat.rating(), 'ask');
});

test('writing again hides the prompt at once, and the thanks; an agent reopening hides them too', async () => {
  const { chat, net } = await connected({}, { conversation: conversation({ status: 'resolved', last_seq: 2 }) });
  assert.equal(chat.rating(), 'ask');
  chat.send('One more thing');
  assert.equal(chat.rating(), null, 'hidden as soon as the message is typed');
  const send = net.current.last('send');
  net.current.receive({ type: 'sent', ref: send.ref, message: message({ seq: 3, client_msg_id: send.client_msg_id, author: { kind: 'visitor', id: 'v-1', name: null } }) });
  await settle();
  assert.equal(chat.conversation?.status, 'open');
  assert.equal(chat.rating(), null);

  net.current.receive({ type: 'conversation', conversation: conversation({ status: 'resolved', last_seq: 3 }) });
  const rating = chat.rate(2);
  net.current.receive({ type: 'ok', ref: net.current.last('rate').ref });
  await rating;
  assert.equal(chat.rating(), 'thanks');
  net.current.receive({ type: 'conversation', conversation: conversation({ status: 'open', last_seq: 3 }) });
  assert.equal(chat.rating(), null, 'reopened by an agent');
  net.current.receive({ type: 'conversation', conversation: conversation({ status: 'resolved', last_seq: 3 }) });
  assert.equal(chat.rating(), null, 'rated once: neither asked nor thanked again');
});

/** Ends the chat's conversation as the visitor does, the server saying ok. */
async function endChat({ chat, net }) {
  const ending = chat.end();
  net.current.receive({ type: 'ok', ref: net.current.last('end').ref });
  await ending;
}

test('a conversation the visitor ends is asked for a rating unless rated here; reset forgets what was rated', async () => {
  const fresh = await connected({}, { conversation: conversation() });
  await endChat(fresh);
  assert.equal(fresh.chat.rating(), 'ask');

  const { chat, net } = await connected({ restored: { rated: 'c-1' } }, { conversation: conversation() });
  await endChat({ chat, net });
  assert.equal(chat.rating(), null, 'c-1 was rated in this browser');

  chat.reset();
  assert.equal(chat.rated, null);
  net.current.open();
  net.current.welcome({ conversation: conversation({ status: 'resolved' }) });
  await settle();
  assert.equal(chat.rating(), 'ask', 'a new visitor is asked');
});

// ---- routing: availability, offline policies, the pre-chat form, the queue ------------------

const PRECHAT = {
  enabled: true,
  fields: [
    { name: 'name', kind: 'text', label: 'Name', required: true },
    { name: 'company', kind: 'text', label: 'Company', required: false },
  ],
};

/** The server's ok for the last frame of `type`. */
function ok(net, type) {
  net.current.receive({ type: 'ok', ref: net.current.last(type).ref });
  return settle();
}

/** The server's sent for the last send, as the first message of conversation c-1. */
function sent(net, seq = 1) {
  const send = net.current.last('send');
  net.current.receive({ type: 'sent', ref: send.ref, message: message({ seq, client_msg_id: send.client_msg_id, body: send.body, author: { kind: 'visitor', id: 'v-1', name: null } }) });
  return settle();
}

test('welcome: availability, what the visitor gave, the queue and the expected reply time', async () => {
  const { chat } = await connected({}, {
    agents_online: 2, available: false, queue_position: 3, expected_reply_s: 240,
    profile: { name: 'Ada', email: null, attributes: { plan: 'pro' } },
    conversation: conversation(),
  });
  assert.equal(chat.available, false, 'agents online, but the team is outside its hours');
  assert.deepEqual(chat.profile, { name: 'Ada', email: null, attributes: { plan: 'pro' } });
  assert.equal(chat.queuePosition, 3);
  assert.equal(chat.expectedReplyS, 240);
  assert.equal(chat.emailKnown(), false);

  const older = await connected({}, { agents_online: 1 });
  assert.equal(older.chat.available, true, 'a welcome without `available` counts agents online');
});

test('agents frames: nobody online is unavailable; back online is available unless the welcome said hours were closed', async () => {
  const closedHours = await connected({}, { agents_online: 2, available: false });
  closedHours.net.current.receive({ type: 'agents', online: 0 });
  closedHours.net.current.receive({ type: 'agents', online: 1 });
  assert.equal(closedHours.chat.available, false);

  const nobody = await connected({}, { agents_online: 0, available: false });
  nobody.net.current.receive({ type: 'agents', online: 1 });
  assert.equal(nobody.chat.available, true);
  nobody.net.current.receive({ type: 'agents', online: 0 });
  assert.equal(nobody.chat.available, false);
});

test('queue frames move the place in line; null (an agent took it) and another conversation are handled', async () => {
  const { chat, net } = await connected({}, { conversation: conversation(), queue_position: 2, expected_reply_s: 60 });
  net.current.receive({ type: 'queue', conversation_id: 'c-1', position: 1, expected_reply_s: 30 });
  assert.equal(chat.queuePosition, 1);
  assert.equal(chat.expectedReplyS, 30);
  net.current.receive({ type: 'queue', conversation_id: 'c-other', position: 7, expected_reply_s: null });
  assert.equal(chat.queuePosition, 1, "another conversation's place is not ours");
  net.current.receive({ type: 'queue', conversation_id: 'c-1', position: null, expected_reply_s: 30 });
  assert.equal(chat.queuePosition, null);

  net.current.receive({ type: 'queue', conversation_id: 'c-1', position: 4 });
  net.current.receive({ type: 'conversation', conversation: conversation({ assignee: { name: 'Alice' } }) });
  assert.equal(chat.queuePosition, null, 'an assignee ends the wait');
});

test('the first message of a new visitor learns its place from a queue frame that comes before its sent', async () => {
  const { chat, net } = await connected();
  chat.send('Hello?');
  net.current.receive({ type: 'queue', conversation_id: 'c-1', position: 2, expected_reply_s: null });
  assert.equal(chat.queuePosition, 2);
  await sent(net);
  assert.equal(chat.queuePosition, 2, 'the same conversation: still waiting');
});

test('message policy with a required email: the message waits for the email, then goes after profile', async () => {
  const { chat, net, readOutbox } = await connected({}, { agents_online: 0, available: false, settings: { offline_email_required: true } });
  assert.equal(chat.step(), 'email');
  assert.equal(chat.send('Is the blue one in stock?'), 'queued');
  assert.equal(net.current.frames('send').length, 0, 'not sent before the email');
  assert.equal(readOutbox().length, 1, 'kept in the host page meanwhile');
  assert.deepEqual(chat.entries().map((e) => e.state), ['waiting']);

  const leaving = chat.leaveEmail('ada@example.com');
  assert.equal(net.current.frames('send').length, 0, 'nor before profile is acknowledged');
  await ok(net, 'profile');
  await leaving;
  assert.equal(chat.step(), null);
  const types = net.current.sent.map((f) => f.type).filter((type) => type === 'profile' || type === 'send');
  assert.deepEqual(types, ['profile', 'send']);
  assert.equal(net.current.last('send').body, 'Is the blue one in stock?');
  assert.deepEqual(chat.entries().map((e) => e.state), ['sending']);
});

test('a visitor who only leaves an email sends profile alone: a lead', async () => {
  const { chat, net } = await connected({}, { agents_online: 0, available: false, settings: { offline_email_required: true } });
  const leaving = chat.leaveEmail('lead@example.com', 'Lee');
  assert.deepEqual(net.current.last('profile'), { type: 'profile', ref: net.current.last('profile').ref, email: 'lead@example.com', name: 'Lee' });
  await ok(net, 'profile');
  await leaving;
  assert.equal(net.current.frames('send').length, 0);
  assert.deepEqual(chat.profile.email, 'lead@example.com');
});

test('a pre-chat form: its fields before the first message, then prechat, then the message', async () => {
  const { chat, net } = await connected({}, { settings: { prechat: PRECHAT } });
  assert.equal(chat.step(), 'prechat');
  assert.deepEqual(chat.form(), { step: 'prechat', fields: chat.form()?.fields, email: false, messageRequired: true });
  assert.deepEqual(chat.form()?.fields.map((f) => f.name), ['name', 'company']);

  const submitting = chat.submitForm({ answers: { name: 'Ada', company: 'ACME' }, body: 'Do you ship to Lyon?' });
  assert.equal(net.current.frames('send').length, 0, 'the message waits for the answers');
  assert.deepEqual(net.current.last('prechat'), { type: 'prechat', ref: net.current.last('prechat').ref, answers: { name: 'Ada', company: 'ACME' } });
  await ok(net, 'prechat');
  await submitting;
  assert.deepEqual(net.current.sent.map((f) => f.type).filter((type) => type === 'prechat' || type === 'send'), ['prechat', 'send']);
  assert.deepEqual(chat.profile, { name: 'Ada', email: null, attributes: { company: 'ACME' } });
  await sent(net);
  assert.equal(chat.step(), null, 'an open conversation is not asked again');
});

test('the pre-chat form skips what the visitor already gave, and is not shown in an open conversation', async () => {
  const known = await connected({}, { settings: { prechat: PRECHAT }, profile: { name: 'Ada', email: null, attributes: {} } });
  assert.equal(known.chat.step(), null, 'only an optional field is left');
  const open = await connected({}, { settings: { prechat: PRECHAT }, conversation: conversation() });
  assert.equal(open.chat.step(), null);
  open.chat.send('more');
  assert.equal(open.net.current.frames('send').length, 1);
});

test('answers the server refuses keep the message waiting, and the form up', async () => {
  const { chat, net, readOutbox } = await connected({}, { settings: { prechat: PRECHAT } });
  const submitting = chat.submitForm({ answers: { name: 'Ada' }, body: 'Hello' });
  net.current.receive({ type: 'error', ref: net.current.last('prechat').ref, code: 'bad_request', message: 'answers.name must be at most 1000 characters' });
  await assert.rejects(submitting, { code: 'bad_request' });
  assert.equal(chat.step(), 'prechat');
  assert.equal(readOutbox().length, 1);
  assert.equal(chat.form()?.messageRequired, false, 'the message is already waiting: not typed again');
  const again = chat.submitForm({ answers: { name: 'Ada' } });
  await ok(net, 'prechat');
  await again;
  assert.equal(net.current.last('send').body, 'Hello');
});

test('offline form: prechat, profile, then the message, in that order', async () => {
  const { chat, net } = await connected({}, { agents_online: 0, available: false, settings: { offline: 'form', prechat: PRECHAT } });
  assert.equal(chat.step(), 'offline');
  assert.equal(chat.form()?.email, true);
  assert.equal(chat.form()?.messageRequired, false, 'an email alone is a lead');
  const submitting = chat.submitForm({ answers: { name: 'Ada' }, email: 'ada@example.com', body: 'Call me back' });
  await ok(net, 'prechat');
  assert.equal(net.current.frames('send').length, 0, 'the email is still missing');
  await ok(net, 'profile');
  await submitting;
  assert.deepEqual(net.current.sent.map((f) => f.type).filter((type) => ['prechat', 'profile', 'send'].includes(type)), ['prechat', 'profile', 'send']);
  assert.equal(net.current.last('send').body, 'Call me back');
});

test('a conflict on send leads to the missing step, and the message goes once it is done, with the same id', async () => {
  const { chat, net, clock, readOutbox } = await connected({}, { agents_online: 1, available: true });
  chat.send('Hello?');
  const first = net.current.last('send');
  // Between the welcome and the send, the last agent left and the site requires an email.
  net.current.receive({ type: 'error', ref: first.ref, code: 'conflict', message: 'an email is required while nobody is available' });
  await settle();
  assert.equal(chat.step(), 'email');
  assert.equal(chat.available, false);
  assert.deepEqual(chat.entries().map((e) => e.state), ['waiting'], 'not failed, not lost');
  clock.advance(20_000); // a retry after a conflict would come within a few seconds
  assert.equal(net.current.frames('send').length, 1, 'not retried before the step');
  assert.equal(readOutbox().length, 1);

  const leaving = chat.leaveEmail('ada@example.com');
  await ok(net, 'profile');
  await leaving;
  assert.equal(net.current.frames('send').length, 2);
  assert.equal(net.current.last('send').client_msg_id, first.client_msg_id);
});

test('a conflict on send for a site with a pre-chat form shows the form, even when the profile seemed complete', async () => {
  const { chat, net } = await connected({}, { settings: { prechat: PRECHAT }, profile: { name: 'Ada', email: null, attributes: { company: 'ACME' } } });
  chat.send('Hello?');
  net.current.receive({ type: 'error', ref: net.current.last('send').ref, code: 'conflict', message: 'answers.name is required' });
  await settle();
  assert.equal(chat.step(), 'prechat');
  assert.deepEqual(chat.form()?.fields.map((f) => f.name), ['name', 'company']);
});

test('a conflict with nothing left to ask is retried later, as before', async () => {
  const { chat, net, clock } = await connected({}, { profile: { name: null, email: 'ada@example.com', attributes: {} } });
  chat.send('Hello?');
  net.current.receive({ type: 'error', ref: net.current.last('send').ref, code: 'conflict', message: 'busy' });
  await settle();
  assert.equal(chat.step(), null);
  clock.advance(30_000);
  assert.equal(net.current.frames('send').length, 2);
});

test('messages kept from an earlier page wait for the step too after a reload', async () => {
  const kept = new Map([['outbox', JSON.stringify([{ client_msg_id: '00000000-0000-4000-8000-0000000000aa', body: 'typed before', created_at: '2024-05-01T10:00:00.000Z' }])]]);
  const { chat, net } = await connected({ kept, restored: { outbox: JSON.parse(kept.get('outbox')) } }, { settings: { prechat: PRECHAT } });
  assert.equal(net.current.frames('send').length, 0);
  assert.equal(chat.form()?.messageRequired, false);
  const submitting = chat.submitForm({ answers: { name: 'Ada' } });
  await ok(net, 'prechat');
  await submitting;
  assert.equal(net.current.last('send').body, 'typed before');
});

test('system lines are kept and shown, and never counted as unread', async () => {
  const { chat, net, log } = await connected({}, { conversation: conversation() });
  net.current.receive({ type: 'message', message: message({ seq: 1, kind: 'event', author: { kind: 'system', id: null, name: null }, body: 'Alice joined the conversation' }) });
  assert.deepEqual(chat.entries().map((e) => [e.message?.kind, e.mine, e.state]), [['event', false, null]]);
  assert.deepEqual(log.unread, []);
  assert.equal(chat.unreadCount, 0);
});

test('a form sent without a connection keeps its message for later and says so', async () => {
  const { chat, net, clock, readOutbox } = await connected({}, { settings: { prechat: PRECHAT } });
  net.current.drop(1006);
  await assert.rejects(chat.submitForm({ answers: { name: 'Ada' }, body: 'Typed in a tunnel' }), { code: 'disconnected' });
  assert.deepEqual(readOutbox().map((i) => i.body), ['Typed in a tunnel']);
  clock.advance(1000);
  net.current.open();
  net.current.welcome({ settings: { prechat: PRECHAT } });
  await settle();
  assert.equal(net.current.frames('send').length, 0, 'still waiting for the answers');
  const again = chat.submitForm({ answers: { name: 'Ada' } });
  await ok(net, 'prechat');
  await again;
  assert.equal(net.current.last('send').body, 'Typed in a tunnel');
});

test('a transcript is offered only when the server sends email and there is a conversation', async () => {
  const none = await connected({}, { email_enabled: true });
  assert.equal(none.chat.canEmailTranscript(), false, 'no conversation yet');
  const off = await connected({}, { conversation: conversation(), email_enabled: false });
  assert.equal(off.chat.canEmailTranscript(), false, 'the server sends no email');
  const old = await connected({}, { conversation: conversation() });
  assert.equal(old.chat.canEmailTranscript(), false, 'a server that does not say');
  const on = await connected({}, { conversation: conversation(), email_enabled: true });
  assert.equal(on.chat.canEmailTranscript(), true);
});

test('a transcript with a known email sends transcript alone and resolves with the address', async () => {
  const { chat, net } = await connected({}, { conversation: conversation(), email_enabled: true, profile: { email: 'ada@example.com' } });
  const asking = chat.emailTranscript();
  const frame = net.current.last('transcript');
  assert.deepEqual(frame, { type: 'transcript', ref: frame.ref, conversation_id: 'c-1' });
  assert.equal(net.current.last('profile'), undefined);
  net.current.receive({ type: 'ok', ref: frame.ref });
  assert.equal(await asking, 'ada@example.com');
});

test('a transcript with an email typed sends profile, then transcript, in that order', async () => {
  const { chat, net, kept } = await connected({}, { conversation: conversation(), email_enabled: true, agents_online: 1 });
  const asking = chat.emailTranscript('bo@example.com');
  const profile = net.current.last('profile');
  assert.deepEqual(profile, { type: 'profile', ref: profile.ref, email: 'bo@example.com' });
  assert.equal(net.current.last('transcript'), undefined, 'transcript waits for the profile');
  net.current.receive({ type: 'ok', ref: profile.ref });
  await settle();
  const frame = net.current.last('transcript');
  assert.deepEqual(frame, { type: 'transcript', ref: frame.ref, conversation_id: 'c-1' });
  net.current.receive({ type: 'ok', ref: frame.ref });
  assert.equal(await asking, 'bo@example.com');
  assert.equal(chat.profile.email, 'bo@example.com', 'known for the next transcript');
  assert.equal(kept.get('email'), '1');
});

test('a transcript refused with conflict rejects with it; without a connection it fails at once', async () => {
  const { chat, net } = await connected({}, { conversation: conversation(), email_enabled: true });
  const asking = chat.emailTranscript();
  const frame = net.current.last('transcript');
  net.current.receive({ type: 'error', ref: frame.ref, code: 'conflict', message: 'no email' });
  await assert.rejects(asking, (err) => /** @type {any} */ (err).code === 'conflict');

  const offline = setup();
  await assert.rejects(offline.chat.emailTranscript('x@example.com'), (err) => /** @type {any} */ (err).code === 'disconnected');
});

// ---- files ------------------------------------------------------------------------------------

const shot = { id: 'u-1', name: 'screenshot.png', size: 2048, content_type: 'image/png' };
const invoice = { id: 'u-2', name: 'invoice.pdf', size: 9000, content_type: 'application/pdf' };

test('a message with files: their ids in the send, kept in the outbox, the text may be empty', async () => {
  const { chat, net, readOutbox } = await connected({}, { conversation: conversation({ last_seq: 2 }) });
  assert.equal(chat.send('  ', [shot, invoice]), 'queued');
  const [item] = readOutbox();
  assert.equal(item.body, '');
  assert.deepEqual(item.attachments, [shot, invoice], 'what the panel shows while it is sent, and after a reload');
  const send = net.current.last('send');
  assert.deepEqual(send, {
    type: 'send', ref: send.ref, conversation_id: 'c-1', client_msg_id: item.client_msg_id, kind: 'text', body: '', attachments: ['u-1', 'u-2'],
  });
  const [entry] = chat.entries();
  assert.equal(entry.state, 'sending');
  assert.deepEqual(entry.item?.attachments, [shot, invoice]);

  const withLinks = [{ ...shot, url: 'https://chat.example.com/files/u-1/screenshot.png?e=1&s=a' }, { ...invoice, url: 'https://chat.example.com/files/u-2/invoice.pdf?e=1&s=b' }];
  net.current.receive({ type: 'sent', ref: send.ref, message: message({ seq: 3, client_msg_id: item.client_msg_id, author: { kind: 'visitor', id: 'v-1', name: null }, body: '', attachments: withLinks }) });
  await settle();
  assert.deepEqual(readOutbox(), []);
  assert.deepEqual(/** @type {any} */ (chat.entries()[0].message).attachments, withLinks, 'the sent message, with its links');

  chat.send('Text only');
  assert.equal('attachments' in net.current.last('send'), false, 'no attachments field without files');
  assert.equal('attachments' in readOutbox()[0], false);
});

test('files: nothing and no text is empty; malformed files are dropped; ten at most', async () => {
  const { chat, net, readOutbox } = await connected();
  assert.equal(chat.send('', []), 'empty');
  assert.equal(chat.send('', /** @type {any} */ ([{ name: 'no id' }, null])), 'empty');
  const many = Array.from({ length: 12 }, (_, i) => ({ ...shot, id: `u-${i}` }));
  assert.equal(chat.send('Twelve?', many), 'queued');
  assert.equal(readOutbox()[0].attachments.length, 10);
  assert.equal(net.current.last('send').attachments.length, 10);
  assert.equal(chat.send('😀'.repeat(4001), [shot]), 'too_long', 'files do not lift the text limit');
});

test('a message with files kept by an earlier page is sent with them after a reload', async () => {
  const kept = new Map([['outbox', JSON.stringify([{ client_msg_id: 'k-1', body: '', created_at: '2024-01-01T00:00:00Z', attachments: [shot] }])]]);
  const { net } = await connected({ restored: { outbox: JSON.parse(kept.get('outbox') ?? '[]') }, kept });
  const send = net.current.last('send');
  assert.equal(send.client_msg_id, 'k-1');
  assert.deepEqual(send.attachments, ['u-1']);
  assert.equal(send.body, '');
});

test('not_found: a send naming a gone conversation goes again without it; one naming none (a file gone) fails', async () => {
  const { chat, net, readOutbox } = await connected({}, { conversation: conversation({ last_seq: 2 }) });
  chat.send('', [shot]);
  const first = net.current.last('send');
  assert.equal(first.conversation_id, 'c-1');
  net.current.receive({ type: 'error', ref: first.ref, code: 'not_found', message: 'conversation not found' });
  await settle();
  const second = net.current.last('send');
  assert.notEqual(second.ref, first.ref);
  assert.equal('conversation_id' in second, false, 'the server picks or opens one');
  assert.equal(second.client_msg_id, first.client_msg_id);
  net.current.receive({ type: 'error', ref: second.ref, code: 'not_found', message: 'upload not found' });
  await settle();
  assert.equal(net.current.frames('send').length, 2, 'not sent a third time');
  assert.deepEqual(readOutbox(), []);
  const [entry] = chat.entries();
  assert.equal(entry.state, 'failed');
  assert.deepEqual(entry.item?.attachments, [shot], 'the failed message still shows its files');
});

test('the assignee is kept with its picture, a path of the /avatars/ route only', async () => {
  const { chat, net } = await connected({}, { conversation: conversation({ assignee: { name: 'Alice', avatar_url: '/avatars/abcDEF123' } }) });
  assert.deepEqual(chat.conversation?.assignee, { name: 'Alice', avatar_url: '/avatars/abcDEF123' });
  net.current.receive({ type: 'conversation', conversation: conversation({ assignee: { name: 'Alice Martin', avatar_url: 'https://evil.example/x.png' } }) });
  assert.deepEqual(chat.conversation?.assignee, { name: 'Alice Martin', avatar_url: null }, 'a picture elsewhere is not shown');
  net.current.receive({ type: 'conversation', conversation: conversation({ assignee: { name: 'Bob' } }) });
  assert.deepEqual(chat.conversation?.assignee, { name: 'Bob', avatar_url: null });
});

test('a proactive message is answered by the first send, which names its rule; later sends do not', async () => {
  const { chat, net } = await connected();
  chat.setProactive({ id: 'plans', message: 'Questions about plans?', agent: { name: 'Alice', avatar_url: null } });
  assert.deepEqual(chat.proactive, { id: 'plans', message: 'Questions about plans?', agent: { name: 'Alice', avatar_url: null } });
  chat.send('Yes');
  const first = net.current.last('send');
  assert.equal(first.proactive, 'plans');
  net.current.receive({ type: 'sent', ref: first.ref, message: message({ seq: 2, client_msg_id: first.client_msg_id, author: { kind: 'visitor', id: 'v-1', name: null }, body: 'Yes' }) });
  await settle();
  assert.equal(chat.proactive, null, 'the server stored the greeting');
  chat.send('And SSO?');
  assert.equal('proactive' in net.current.last('send'), false);
});

test('a proactive message is ignored in a conversation going on, and a bad one never', async () => {
  const { chat } = await connected({}, { conversation: conversation() });
  chat.setProactive({ id: 'plans', message: 'Questions about plans?', agent: null });
  assert.equal(chat.proactive, null);
  const { chat: fresh } = await connected();
  fresh.setProactive({ id: 'plans', message: '   ' });
  fresh.setProactive({ message: 'no id' });
  assert.equal(fresh.proactive, null);
});
