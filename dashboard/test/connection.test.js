import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentConnection, FrameError } from '../lib/connection.js';
import { Timing } from '../../common/protocol.js';
import { FakeClock, clockApi, fakeSockets, settle, welcome } from './helpers.js';

/** A connection on fake sockets and a fake clock; `random` 0.999999 makes every backoff its ceiling. */
function setup({ token = 'jwt-1', random = () => 0.999999 } = {}) {
  const clock = new FakeClock();
  const net = fakeSockets();
  let currentToken = token;
  const conn = new AgentConnection({ url: 'ws://127.0.0.1:1/ws/agent', getToken: () => currentToken, WebSocketImpl: net.WebSocket, random, clock: clockApi(clock) });
  const events = [];
  for (const name of ['state', 'welcome', 'frame', 'unauthorized', 'retry']) conn.on(name, (...args) => events.push([name, ...args]));
  const setToken = (t) => {
    currentToken = t;
  };
  return { clock, net, conn, events, setToken };
}

/** Opens the first socket and welcomes it. */
function connect(s) {
  s.conn.start();
  s.net.current.open();
  welcome(s.net.current);
}

test('hello with the token is the first frame; a welcome opens the connection', () => {
  const s = setup();
  s.conn.start();
  assert.equal(s.conn.state, 'connecting');
  assert.equal(s.net.current.url, 'ws://127.0.0.1:1/ws/agent');
  s.net.current.open();
  assert.deepEqual(s.net.current.sent.map((f) => f.type), ['hello']);
  assert.equal(s.net.current.sent[0].token, 'jwt-1');
  welcome(s.net.current);
  assert.equal(s.conn.state, 'open');
  assert.equal(s.conn.isOpen, true);
  const welcomes = s.events.filter(([name]) => name === 'welcome');
  assert.equal(welcomes.length, 1);
  assert.deepEqual(welcomes[0][2], { reconnect: false });
});

test('replies are matched to requests by ref; errors reject with their code', async () => {
  const s = setup();
  connect(s);
  const a = s.conn.request({ type: 'sync', conversation_id: 'c-1', after_seq: 0 });
  const b = s.conn.request({ type: 'read', conversation_id: 'c-1', seq: 3 });
  const [syncFrame, readFrame] = s.net.current.sent.slice(1);
  assert.notEqual(syncFrame.ref, readFrame.ref);
  s.net.current.receive({ type: 'error', ref: readFrame.ref, code: 'forbidden', message: 'not yours' });
  s.net.current.receive({ type: 'synced', ref: syncFrame.ref, messages: [], more: false });
  assert.deepEqual(await a, { type: 'synced', ref: syncFrame.ref, messages: [], more: false });
  await assert.rejects(b, (err) => err instanceof FrameError && err.code === 'forbidden' && err.message === 'not yours');
});

test('frames that answer no request are emitted; pong and ok are not', () => {
  const s = setup();
  connect(s);
  s.net.current.receive({ type: 'message', message: { seq: 1 } });
  s.net.current.receive({ type: 'pong' });
  s.net.current.receive({ type: 'ok', ref: 'unknown' });
  s.net.current.onmessage({ data: 'not json' });
  s.net.current.onmessage({ data: '{"no":"type"}' });
  assert.deepEqual(s.events.filter(([n]) => n === 'frame').map(([, f]) => f.type), ['message']);
});

test('a request with no answer fails as disconnected after the request timeout', async () => {
  const s = setup();
  connect(s);
  const pending = s.conn.request({ type: 'status', status: 'away' });
  s.clock.advance(Timing.REQUEST_TIMEOUT_MS - 1);
  await settle();
  s.clock.advance(1);
  await assert.rejects(pending, { code: 'disconnected', message: 'no answer' });
});

test('requests and frames fail or are dropped when not connected', async () => {
  const s = setup();
  await assert.rejects(s.conn.request({ type: 'sync' }), { code: 'disconnected' });
  assert.equal(s.conn.fire({ type: 'typing' }), false);
  s.conn.start();
  s.net.current.open();
  await assert.rejects(s.conn.request({ type: 'sync' }), { code: 'disconnected' }, 'not before the welcome either');
  assert.deepEqual(s.net.current.sent.map((f) => f.type), ['hello']);
});

test('a lost connection fails pending requests and reconnects after a backoff', async () => {
  const s = setup();
  connect(s);
  const pending = s.conn.request({ type: 'sync', conversation_id: 'c-1', after_seq: 0 });
  s.net.current.drop(1012);
  await assert.rejects(pending, { code: 'disconnected' });
  assert.equal(s.conn.state, 'reconnecting');
  assert.equal(s.net.sockets.length, 1);
  assert.equal(s.conn.retryAt, s.clock.now() + 499, 'the first delay is under 500 ms');
  s.clock.advance(498);
  assert.equal(s.net.sockets.length, 1);
  s.clock.advance(1);
  assert.equal(s.net.sockets.length, 2);
  s.net.current.open();
  welcome(s.net.current);
  assert.equal(s.conn.state, 'open');
  assert.deepEqual(s.events.filter(([n]) => n === 'welcome').map(([, , info]) => info), [{ reconnect: false }, { reconnect: true }]);
});

test('delays grow while attempts fail and start over after a welcome', () => {
  const s = setup();
  connect(s);
  const delays = [];
  for (let i = 0; i < 8; i++) {
    s.net.current.drop(1006);
    delays.push(s.conn.retryAt - s.clock.now());
    s.clock.advance(delays[i]);
  }
  assert.deepEqual(delays, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999]);
  s.net.current.open();
  welcome(s.net.current);
  s.net.current.drop(1006);
  assert.equal(s.conn.retryAt - s.clock.now(), 499);
});

test('retryNow skips the wait, only while reconnecting', () => {
  const s = setup();
  connect(s);
  s.conn.retryNow();
  assert.equal(s.net.sockets.length, 1, 'an open connection is left alone');
  s.net.current.drop(1006);
  s.conn.retryNow();
  assert.equal(s.net.sockets.length, 2);
  s.clock.advance(Timing.CONNECT_TIMEOUT_MS - 1);
  assert.equal(s.net.sockets.length, 2, 'the skipped timer does not open a third socket');
});

for (const code of [4001, 4003]) {
  test(`close ${code} ends the session: unauthorized, stopped, no reconnect`, () => {
    const s = setup();
    connect(s);
    s.net.current.drop(code);
    assert.equal(s.conn.state, 'stopped');
    assert.equal(s.events.filter(([n]) => n === 'unauthorized').length, 1);
    s.clock.advance(120_000);
    assert.equal(s.net.sockets.length, 1);
  });
}

test('an unauthorized answer to hello ends the session; unavailable is retried', () => {
  const refused = setup();
  refused.conn.start();
  refused.net.current.open();
  refused.net.current.receive({ type: 'error', ref: refused.net.current.last('hello').ref, code: 'unauthorized', message: 'expired' });
  assert.equal(refused.conn.state, 'stopped');
  assert.equal(refused.events.filter(([n]) => n === 'unauthorized').length, 1);

  const busy = setup();
  busy.conn.start();
  busy.net.current.open();
  busy.net.current.receive({ type: 'error', ref: busy.net.current.last('hello').ref, code: 'unavailable', message: 'db down' });
  assert.equal(busy.conn.state, 'reconnecting');
  assert.equal(busy.net.current.closedByClient, true);
  busy.clock.advance(499);
  assert.equal(busy.net.sockets.length, 2);
});

test('without a token there is no socket: the session is over', () => {
  const s = setup({ token: null });
  s.conn.start();
  assert.equal(s.net.sockets.length, 0);
  assert.equal(s.conn.state, 'stopped');
  assert.equal(s.events.filter(([n]) => n === 'unauthorized').length, 1);
});

test('a ping every 25 s; a socket silent 10 s after a ping is dropped as half-open', () => {
  const s = setup();
  connect(s);
  s.clock.advance(Timing.PING_INTERVAL_MS);
  assert.equal(s.net.current.frames('ping').length, 1);
  s.net.current.receive({ type: 'pong' });
  s.clock.advance(Timing.PONG_TIMEOUT_MS);
  assert.equal(s.conn.state, 'open', 'answered: alive');
  s.clock.advance(Timing.PING_INTERVAL_MS - Timing.PONG_TIMEOUT_MS);
  assert.equal(s.net.current.frames('ping').length, 2);
  s.clock.advance(Timing.PONG_TIMEOUT_MS - 1);
  assert.equal(s.conn.state, 'open');
  s.clock.advance(1);
  assert.equal(s.conn.state, 'reconnecting', 'no frame at all: dropped');
  assert.equal(s.net.sockets[0].closedByClient, true);
});

test('a socket not welcomed within 15 s is dropped and retried', () => {
  const s = setup();
  s.conn.start();
  s.net.current.open();
  s.clock.advance(Timing.CONNECT_TIMEOUT_MS - 1);
  assert.equal(s.conn.state, 'connecting');
  s.clock.advance(1);
  assert.equal(s.conn.state, 'reconnecting');
  assert.equal(s.net.current.closedByClient, true);
});

test('stop closes the socket for good and fails what is pending', async () => {
  const s = setup();
  connect(s);
  const pending = s.conn.request({ type: 'sync' });
  const socket = s.net.current;
  s.conn.stop();
  await assert.rejects(pending, { code: 'disconnected' });
  assert.equal(socket.closedByClient, true);
  assert.equal(s.conn.state, 'stopped');
  socket.drop(1006);
  s.clock.advance(120_000);
  assert.equal(s.net.sockets.length, 1, 'a late close of the old socket changes nothing');
});

test('state changes are emitted once each', () => {
  const s = setup();
  connect(s);
  s.net.current.drop(1006);
  s.clock.advance(499);
  s.net.current.open();
  welcome(s.net.current);
  assert.deepEqual(s.events.filter(([n]) => n === 'state').map(([, st]) => st), ['connecting', 'open', 'reconnecting', 'open']);
});
