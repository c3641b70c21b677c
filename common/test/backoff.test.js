import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelay } from '../backoff.js';

const options = { baseMs: 500, capMs: 30_000 };

test('delays stay within [0, min(cap, base * 2^attempt))', () => {
  for (let attempt = 0; attempt < 40; attempt++) {
    const ceiling = Math.min(30_000, 500 * 2 ** attempt);
    for (const r of [0, 0.25, 0.5, 0.999999, 1]) {
      const delay = backoffDelay(attempt, { ...options, random: () => r });
      assert.ok(delay >= 0 && delay < ceiling, `attempt ${attempt}, random ${r}: ${delay}`);
      assert.ok(Number.isInteger(delay));
    }
  }
});

test('the ceiling doubles from the base and stops at the cap', () => {
  const top = (attempt) => backoffDelay(attempt, { ...options, random: () => 0.999999 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 100].map(top), [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
});

test('full jitter: delays spread over the whole range', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const delays = Array.from({ length: 2000 }, () => backoffDelay(10, { ...options, random }));
  assert.ok(Math.min(...delays) < 1_500, 'some come back almost at once');
  assert.ok(Math.max(...delays) > 28_500, 'some wait almost the cap');
  assert.ok(new Set(delays).size > 1_500, 'hardly two alike');
});

test('Backoff counts attempts and reset starts over', () => {
  const backoff = new Backoff({ ...options, random: () => 0.999999 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [499, 999, 1999]);
  backoff.reset();
  assert.equal(backoff.next(), 499);
});

test('after very many attempts the delay still stays under the cap', () => {
  const backoff = new Backoff({ ...options, random: () => 0.999999 });
  for (let i = 0; i < 1_000; i++) backoff.next();
  assert.equal(backoff.next(), 29_999);
  assert.equal(backoffDelay(Number.MAX_SAFE_INTEGER, { ...options, random: () => 0.5 }), 15_000);
});

test('by default the delays follow the protocol timing: 0.5 s base, 30 s cap', () => {
  assert.equal(backoffDelay(0, { random: () => 0.999999 }), 499);
  assert.equal(backoffDelay(20, { random: () => 0.999999 }), 29_999);
});
