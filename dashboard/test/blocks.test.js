import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../lib/api.js';
import { Blocking, MAX_REASON_CHARS, blockOf, blockedBy, blockedVisitor, liftBlock, reasonProblem } from '../lib/blocks.js';
import { rustSources } from '../../common/test/helpers/rust.js';
import { fakeApi } from './helpers.js';

/** A block as the server answers it. */
const block = (fields = {}) => ({
  visitor_id: 'v-1', visitor_name: 'Mallory', ip: null, reason: 'Abusive language',
  blocked_by: 'a-1', created_at: '2026-12-06T13:15:27Z', ...fields,
});

const refused = (status, message, code = 'unprocessable') => () => {
  throw new ApiError(status, code, message);
};

test("the reason's limit is the server's", () => {
  const text = rustSources().map((s) => s.text).join('\n');
  const limit = /const MAX_REASON_CHARS: usize = (\d+);/.exec(text);
  assert.ok(limit, 'no `MAX_REASON_CHARS` under src/');
  assert.equal(MAX_REASON_CHARS, Number(limit[1]));
});

test('a block from the API is kept as one; anything else is no block', () => {
  assert.deepEqual(blockOf(block()), block());
  assert.deepEqual(blockOf(block({ visitor_name: '', ip: '203.0.113.7', blocked_by: null, extra: 1 })),
    block({ visitor_name: null, ip: '203.0.113.7', blocked_by: null }), 'empty is none; unknown fields dropped');
  for (const raw of [null, undefined, {}, 'blocked', { visitor_id: 'v-1' }, { reason: 'x' }, block({ visitor_id: 7 })]) assert.equal(blockOf(raw), null, JSON.stringify(raw));
});

test('a reason is required and at most 500 characters once trimmed, counted as the server counts', () => {
  assert.equal(reasonProblem('Spam'), '');
  assert.match(reasonProblem(''), /Say why/);
  assert.match(reasonProblem(' \n\t '), /Say why/, 'white space is no reason');
  assert.equal(reasonProblem(`  ${'x'.repeat(MAX_REASON_CHARS)}\n`), '', 'trimmed before counting');
  assert.equal(reasonProblem('𝄞'.repeat(MAX_REASON_CHARS)), '', 'code points, not UTF-16 units');
  assert.equal(reasonProblem('x'.repeat(MAX_REASON_CHARS + 1)), 'The reason must be at most 500 characters (it has 501).');
  assert.equal(reasonProblem('bell \u0007'), '', 'control characters are for the server to refuse');
});

test('who blocked: you, a known name, another agent, a former agent; the visitor by name or id', () => {
  const names = { 'a-2': 'Bob' };
  const nameOf = (id) => names[id] ?? null;
  assert.equal(blockedBy(block(), 'a-1', nameOf), 'you');
  assert.equal(blockedBy(block({ blocked_by: 'a-2' }), 'a-1', nameOf), 'Bob');
  assert.equal(blockedBy(block({ blocked_by: 'a-3' }), 'a-1', nameOf), 'another agent');
  assert.equal(blockedBy(block({ blocked_by: null }), 'a-1', nameOf), 'a former agent');
  assert.equal(blockedVisitor(blockOf(block())), 'Mallory');
  assert.equal(blockedVisitor(blockOf(block({ visitor_name: null }))), 'v-1');
});

test('lifting a block that is already gone (404) is no error; other failures are', async () => {
  await liftBlock(fakeApi({ unblockVisitor: () => null }), 'v-1');
  await liftBlock(fakeApi({ unblockVisitor: refused(404, 'not found', 'not_found') }), 'v-1');
  await assert.rejects(liftBlock(fakeApi({ unblockVisitor: refused(403, 'admins only', 'forbidden') }), 'v-1'), { status: 403 });
});

test("a visitor's block: unknown until the profile says, then blocked with the answer, then lifted", async () => {
  const api = fakeApi({ blockVisitor: (_vid, body) => block({ reason: body.reason, ip: body.ip ? '203.0.113.7' : null }), unblockVisitor: () => null });
  const blocking = new Blocking(api, 'v-1');
  assert.deepEqual([blocking.known, blocking.blocked], [false, false]);
  blocking.load(null);
  assert.deepEqual([blocking.known, blocking.blocked], [true, false]);

  assert.equal(await blocking.block('  Threats \n', true), null);
  assert.deepEqual(api.calls, [['blockVisitor', 'v-1', { reason: 'Threats', ip: true }]], 'sent trimmed, with the address flag');
  assert.equal(blocking.blocked, true);
  assert.deepEqual([blocking.current.reason, blocking.current.ip, blocking.ipUnknown], ['Threats', '203.0.113.7', false]);

  assert.equal(await blocking.unblock(), null);
  assert.deepEqual(api.calls[1], ['unblockVisitor', 'v-1']);
  assert.deepEqual([blocking.blocked, blocking.current], [false, null]);

  blocking.load(block({ reason: 'From the profile' }));
  assert.equal(blocking.current.reason, 'From the profile');
});

test('an address block asked for when the server knew no address says so', async () => {
  const blocking = new Blocking(fakeApi({ blockVisitor: () => block({ ip: null }) }), 'v-1');
  blocking.load(null);
  await blocking.block('Spam', true);
  assert.equal(blocking.ipUnknown, true);
  blocking.load(block());
  assert.equal(blocking.ipUnknown, false, 'forgotten when the profile is read again');
});

test('a reason that breaks the rules is refused before asking, under the reason', async () => {
  const api = fakeApi({});
  const blocking = new Blocking(api, 'v-1');
  assert.deepEqual(await blocking.block('   ', false), { field: 'reason', message: 'Say why, for the other agents.' });
  assert.equal((await blocking.block('x'.repeat(501), false)).field, 'reason');
  assert.deepEqual(api.calls, []);
  assert.equal(blocking.blocked, false);
});

test("the server's refusals: a 422 naming the reason goes under it, anything else under the form", async () => {
  const control = new Blocking(fakeApi({ blockVisitor: refused(422, 'reason contains a control character') }), 'v-1');
  assert.deepEqual(await control.block('bell \u0007', false), { field: 'reason', message: 'reason contains a control character' });
  assert.equal(control.blocked, false);

  const gone = new Blocking(fakeApi({ blockVisitor: refused(404, 'not found', 'not_found') }), 'v-1');
  assert.deepEqual(await gone.block('Spam', false), { field: null, message: 'not found' });

  const odd = new Blocking(fakeApi({ blockVisitor: () => ({}) }), 'v-1');
  assert.equal((await odd.block('Spam', false)).field, null, 'an answer that is no block is an error');
  assert.equal(odd.blocked, false);

  const down = new Blocking(fakeApi({ blockVisitor: () => block(), unblockVisitor: refused(0, 'The server cannot be reached.', 'network') }), 'v-1');
  await down.block('Spam', false);
  assert.deepEqual(await down.unblock(), { field: null, message: 'The server cannot be reached.' });
  assert.equal(down.blocked, true, 'still blocked as far as we know');
});

test('a second request while one is under way is ignored', async () => {
  let release;
  const api = fakeApi({ blockVisitor: () => new Promise((resolve) => { release = () => resolve(block()); }) });
  const blocking = new Blocking(api, 'v-1');
  const first = blocking.block('Spam', false);
  await Promise.resolve();
  assert.deepEqual(await blocking.block('Spam again', false), { field: null, message: '' });
  release();
  assert.equal(await first, null);
  assert.equal(api.calls.length, 1);
  assert.equal(blocking.blocked, true);
});
