import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WEBSOCKET_OPEN_TIMEOUT_MS, WEBSOCKET_RETRY_MS, WEBSOCKET_TRUST_MS, fallbackSocket, streamUrl } from '../fallback.js';
import { FakeClock, settle } from './helpers/clock.js';
import { fakeSockets } from './helpers/socket.js';

/** The fallback over fake WebSockets and a fake HTTP transport, recording which opened. */
function setup() {
  const ws = fakeSockets();
  const http = fakeSockets();
  const clock = new FakeClock();
  const opened = [];
  const Socket = fallbackSocket({
    WebSocket: ws.WebSocket,
    loadHttp: async () => ({ HttpSocket: http.WebSocket }),
    clock,
    opened: (kind) => opened.push(kind),
  });
  return { ws, http, clock, opened, Socket };
}

/** A socket of the fallback, with what it fires. @param {any} Socket */
function client(Socket) {
  const socket = new Socket('wss://chat.example.com/ws/visitor?site_key=pk_1');
  const fired = { open: 0, messages: [], closes: [] };
  socket.onopen = () => { fired.open += 1; };
  socket.onmessage = (e) => fired.messages.push(JSON.parse(e.data));
  socket.onclose = (e) => fired.closes.push(e.code);
  return { socket, fired };
}

test('the HTTP stream of a WebSocket URL', () => {
  assert.equal(streamUrl('wss://chat.example.com/ws/visitor?site_key=pk_1'), 'https://chat.example.com/http/visitor?site_key=pk_1');
  assert.equal(streamUrl('ws://127.0.0.1:8080/ws/agent'), 'http://127.0.0.1:8080/http/agent');
});

test('a WebSocket that opens is used, and nothing is loaded', async () => {
  const { ws, http, opened, Socket } = setup();
  const { socket, fired } = client(Socket);
  ws.current.open();
  ws.current.receive({ type: 'welcome' });
  socket.send('{"type":"ping"}');
  await settle();
  assert.deepEqual(opened, ['websocket']);
  assert.equal(fired.open, 1);
  assert.deepEqual(fired.messages, [{ type: 'welcome' }]);
  assert.deepEqual(ws.current.sent, [{ type: 'ping' }]);
  assert.equal(http.sockets.length, 0);
});

test('a WebSocket refused before opening gives way to HTTP in the same attempt, and later attempts skip it', async () => {
  const { ws, http, clock, opened, Socket } = setup();
  const first = client(Socket);
  ws.current.drop(1006); // e.g. a proxy answering 403 to the upgrade
  await settle();
  assert.equal(http.sockets.length, 1);
  assert.equal(http.current.url, 'https://chat.example.com/http/visitor?site_key=pk_1');
  assert.deepEqual(first.fired.closes, [], 'the client sees no failure');
  http.current.open();
  http.current.receive({ type: 'pong' });
  first.socket.send('{"type":"ping"}');
  assert.deepEqual(opened, ['http']);
  assert.deepEqual(first.fired.messages, [{ type: 'pong' }]);
  assert.deepEqual(http.current.sent, [{ type: 'ping' }]);

  // The server restarts: its close code reaches the client, which reconnects over HTTP at once.
  http.current.drop(1012);
  assert.deepEqual(first.fired.closes, [1012]);
  client(Socket);
  await settle();
  assert.equal(ws.sockets.length, 1, 'no WebSocket tried again yet');
  assert.equal(http.sockets.length, 2);

  // Five minutes later, the next attempt tries a WebSocket again.
  clock.advance(WEBSOCKET_RETRY_MS);
  client(Socket);
  assert.equal(ws.sockets.length, 2);
});

test('a WebSocket that does not open in time gives way to HTTP', async () => {
  const { ws, http, clock, Socket } = setup();
  client(Socket);
  clock.advance(WEBSOCKET_OPEN_TIMEOUT_MS - 1);
  await settle();
  assert.equal(http.sockets.length, 0);
  clock.advance(1);
  await settle();
  assert.equal(http.sockets.length, 1);
  assert.ok(ws.sockets[0].closedByClient, 'the slow WebSocket is let go');
  ws.sockets[0].open();
  assert.equal(ws.sockets[0].onopen, null, 'and not heard from again');
});

test('when both fail (the server is down), the next attempt tries the WebSocket first again', async () => {
  const { ws, http, Socket } = setup();
  const { fired } = client(Socket);
  ws.current.drop(1006);
  await settle();
  http.current.drop(1006);
  assert.deepEqual(fired.closes, [1006]);
  client(Socket);
  assert.equal(ws.sockets.length, 2);
});

test('a socket closed by its client while the HTTP transport loads never starts it', async () => {
  const { ws, http, Socket } = setup();
  const { socket, fired } = client(Socket);
  ws.current.drop(1006);
  socket.close();
  await settle();
  assert.equal(http.sockets.length, 0);
  assert.deepEqual(fired.closes, []);
});

test('a WebSocket refused within a minute of one being open is a restart: no HTTP attempt until then', async () => {
  const { ws, http, clock, Socket } = setup();
  client(Socket);
  ws.current.open();
  ws.current.drop(1012);
  clock.advance(5_000);
  const during = client(Socket);
  ws.current.drop(1006);
  await settle();
  assert.equal(http.sockets.length, 0);
  assert.deepEqual(during.fired.closes, [1006], 'the client backs off and tries again');

  // Refused for over a minute: a proxy now refuses the upgrade, so HTTP it is.
  clock.advance(WEBSOCKET_TRUST_MS);
  const later = client(Socket);
  ws.current.drop(1006);
  await settle();
  assert.equal(http.sockets.length, 1);
  assert.deepEqual(later.fired.closes, []);
});

test('a WebSocket that hangs gives way to HTTP even just after one was open', async () => {
  const { ws, http, clock, Socket } = setup();
  client(Socket);
  ws.current.open();
  ws.current.drop(1006);
  client(Socket);
  clock.advance(WEBSOCKET_OPEN_TIMEOUT_MS);
  await settle();
  assert.equal(http.sockets.length, 1);
});
