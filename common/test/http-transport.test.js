import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventParser, HttpSocket } from '../http-transport.js';

/** The transport's wait before posting a batch again. */
const RETRY_POST_MS = 1_000;
import { FakeClock, settle } from './helpers/clock.js';
import { fakeFetch } from './helpers/fetch.js';

const URL_ = 'https://chat.example.com/http/visitor?site_key=pk_1';
const SESSION = 'event: session\ndata: {"token":"t0k3n"}\n\n';

/** An HttpSocket on a fake fetch and clock, recording what it fires. */
async function open({ session = true } = {}) {
  const net = fakeFetch();
  const clock = new FakeClock();
  const socket = new HttpSocket(URL_, { fetch: net.fetch, clock, credentials: 'omit', silenceMs: 50_000 });
  const fired = { open: 0, messages: [], closes: [] };
  socket.onopen = () => { fired.open += 1; };
  socket.onmessage = (e) => fired.messages.push(JSON.parse(e.data));
  socket.onclose = (e) => fired.closes.push(e.code);
  await settle();
  if (session) {
    net.stream.write(SESSION);
    await settle();
  }
  return { net, clock, socket, fired };
}

test('server-sent events are read whole, however the text is cut', () => {
  const events = [];
  const parser = new EventParser((event, data) => events.push([event, data]));
  const text = ': ping\n\nevent: session\r\ndata: {"token":"x"}\r\n\r\ndata: {"type":"pong"}\n\ndata: a\ndata: b\n\n';
  for (const piece of text.split('')) parser.push(piece);
  assert.deepEqual(events, [['session', '{"token":"x"}'], ['message', '{"type":"pong"}'], ['message', 'a\nb']]);
});

test('the stream is fetched without credentials, and opens at its session event', async () => {
  const { net, socket, fired } = await open({ session: false });
  assert.equal(net.stream.url, URL_);
  assert.equal(net.stream.init.credentials, 'omit');
  assert.equal(socket.readyState, 0);
  net.stream.write('event: sess');
  await settle();
  net.stream.write('ion\ndata: {"token":"t0k3n"}\n');
  await settle();
  assert.equal(fired.open, 0, 'not before the blank line that ends the event');
  net.stream.write('\n');
  await settle();
  assert.equal(fired.open, 1);
  assert.equal(socket.readyState, 1);
});

test('frames on the stream are messages, even with a character cut between two reads', async () => {
  const { net, fired } = await open();
  const bytes = new TextEncoder().encode('data: {"type":"message","body":"café"}\n\n');
  net.stream.write(bytes.slice(0, 30));
  await settle();
  net.stream.write(bytes.slice(30));
  await settle();
  assert.deepEqual(fired.messages, [{ type: 'message', body: 'café' }]);
});

test('frames go in numbered batches, one POST at a time, with the stream token', async () => {
  const { net, socket } = await open();
  socket.send(JSON.stringify({ type: 'hello', ref: '1' }));
  socket.send(JSON.stringify({ type: 'ping' }));
  socket.send(JSON.stringify({ type: 'typing', on: true }));
  assert.equal(net.posts.length, 1, 'the frames sent meanwhile wait for the first answer');
  const [first] = net.posts;
  assert.equal(first.url, 'https://chat.example.com/http/frames');
  assert.equal(first.init.headers.Authorization, 'Bearer t0k3n');
  assert.deepEqual(first.body, { n: 1, frames: [{ type: 'hello', ref: '1' }] });
  first.answer(202);
  await settle();
  assert.equal(net.posts.length, 2);
  assert.deepEqual(net.posts[1].body, { n: 2, frames: [{ type: 'ping' }, { type: 'typing', on: true }] });
});

test('a batch lost on the way is posted again with the same number, once', async () => {
  const { net, clock, socket } = await open();
  socket.send(JSON.stringify({ type: 'send', client_msg_id: 'c1' }));
  net.posts[0].fail();
  await settle();
  socket.send(JSON.stringify({ type: 'ping' }));
  assert.equal(net.posts.length, 1, 'nothing else goes while the batch is unanswered');
  clock.advance(RETRY_POST_MS);
  assert.equal(net.posts.length, 2);
  assert.deepEqual(net.posts[1].body, net.posts[0].body);
  net.posts[1].answer(502);
  await settle();
  clock.advance(RETRY_POST_MS);
  assert.deepEqual(net.posts[2].body, { n: 1, frames: [{ type: 'send', client_msg_id: 'c1' }] });
  net.posts[2].answer(202);
  await settle();
  assert.deepEqual(net.posts[3].body, { n: 2, frames: [{ type: 'ping' }] });
});

test("the server's close event closes with its code", async () => {
  for (const code of [1012, 4001, 4003]) {
    const { net, socket, fired } = await open();
    net.stream.write(`event: close\ndata: {"code":${code},"reason":"bye"}\n\n`);
    await settle();
    assert.deepEqual(fired.closes, [code]);
    assert.equal(socket.readyState, 3);
    assert.ok(net.stream.aborted, 'the stream is let go');
  }
});

test('a stream that ends, breaks or is refused closes with 1006', async () => {
  const ended = await open();
  ended.net.stream.end();
  await settle();
  assert.deepEqual(ended.fired.closes, [1006]);

  const broken = await open();
  broken.net.stream.break();
  await settle();
  assert.deepEqual(broken.fired.closes, [1006]);

  const net = fakeFetch();
  const refused = new HttpSocket(URL_, { fetch: async () => ({ ok: false, status: 403 }), clock: new FakeClock() });
  const closes = [];
  refused.onclose = (e) => closes.push(e.code);
  await settle();
  assert.deepEqual(closes, [1006]);
  assert.equal(net.streams.length, 0);
});

test('a stream silent for the silence limit is lost; pings keep it alive', async () => {
  const { net, clock, fired } = await open();
  clock.advance(40_000);
  net.stream.write(': ping\n\n');
  await settle();
  clock.advance(40_000);
  assert.deepEqual(fired.closes, [], 'a ping 40 s ago');
  clock.advance(10_000);
  assert.deepEqual(fired.closes, [1006]);
  assert.ok(net.stream.aborted);
});

test('a batch refused for good (401) closes the stream, so that a new one resends', async () => {
  const { net, socket, fired } = await open();
  socket.send(JSON.stringify({ type: 'ping' }));
  net.posts[0].answer(401);
  await settle();
  assert.deepEqual(fired.closes, [1006]);
});

test('close() stops everything: no retry, no frames', async () => {
  const { net, clock, socket } = await open();
  socket.send(JSON.stringify({ type: 'ping' }));
  net.posts[0].fail();
  await settle();
  socket.close();
  clock.advance(RETRY_POST_MS * 5);
  socket.send(JSON.stringify({ type: 'ping' }));
  assert.equal(net.posts.length, 1);
  assert.ok(net.stream.aborted);
});
