import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VIEWING_REPEAT_MS, VIEWING_TTL_MS, Viewers, namesAre, viewingFrame } from '../lib/viewers.js';
import { FakeClock } from './helpers.js';

test('the frame is the one the server reads', () => {
  assert.deepEqual(viewingFrame('4', 'c-1', 'on'), { type: 'viewing', ref: '4', conversation_id: 'c-1', state: 'on' });
  assert.ok(VIEWING_REPEAT_MS < VIEWING_TTL_MS / 2, 'two renewals may be lost before an agent is forgotten');
});

test('an agent viewing is known until `off`, and says so once', () => {
  const clock = new FakeClock();
  const viewers = new Viewers({ now: () => clock.now() });
  assert.equal(viewers.seen('c-1', 'bob', 'on'), true, 'new: a change');
  assert.equal(viewers.seen('c-1', 'bob', 'on'), false, 'a renewal changes nothing shown');
  assert.equal(viewers.seen('c-1', 'carol', 'on'), true);
  assert.deepEqual(viewers.of('c-1'), ['bob', 'carol']);
  assert.deepEqual(viewers.of('c-2'), []);
  assert.equal(viewers.seen('c-1', 'bob', 'off'), true);
  assert.equal(viewers.seen('c-1', 'bob', 'off'), false, 'already gone');
  assert.equal(viewers.seen('c-3', 'dan', 'off'), false);
  assert.deepEqual(viewers.of('c-1'), ['carol']);
});

test('an `on` not renewed within 45 s is forgotten; a renewal keeps it', () => {
  const clock = new FakeClock();
  const viewers = new Viewers({ now: () => clock.now() });
  viewers.seen('c-1', 'bob', 'on');
  viewers.seen('c-1', 'carol', 'on');
  assert.equal(viewers.nextExpiry(), clock.now() + VIEWING_TTL_MS);
  clock.advance(VIEWING_REPEAT_MS);
  viewers.seen('c-1', 'bob', 'on'); // Bob's dashboard renews; Carol's tab was closed without a word.
  clock.advance(VIEWING_TTL_MS - VIEWING_REPEAT_MS - 1);
  assert.deepEqual(viewers.of('c-1'), ['bob', 'carol'], 'Carol just before her 45 s');
  clock.advance(1);
  assert.deepEqual(viewers.of('c-1'), ['bob'], 'Carol at 45 s');
  clock.advance(VIEWING_TTL_MS);
  assert.deepEqual(viewers.of('c-1'), []);
  assert.equal(viewers.nextExpiry(), null, 'nothing held');
  assert.equal(viewers.seen('c-1', 'bob', 'on'), true, 'back after being forgotten: a change again');
});

test('an agent gone offline views nothing (or not online in a welcome); clear forgets all', () => {
  const viewers = new Viewers();
  viewers.seen('c-1', 'bob', 'on');
  viewers.seen('c-2', 'bob', 'on');
  viewers.seen('c-2', 'carol', 'on');
  assert.deepEqual(viewers.forgetAgent('bob'), ['c-1', 'c-2']);
  assert.deepEqual(viewers.of('c-2'), ['carol']);
  viewers.seen('c-3', 'dan', 'on');
  assert.deepEqual(viewers.keepOnly(new Set(['dan'])), ['c-2'], 'a welcome listing only Dan online');
  assert.deepEqual(viewers.of('c-3'), ['dan']);
  viewers.clear();
  assert.deepEqual(viewers.of('c-2'), []);
});

test('names read as a sentence', () => {
  assert.equal(namesAre([], 'viewing'), '');
  assert.equal(namesAre(['Bob'], 'viewing'), 'Bob is viewing');
  assert.equal(namesAre(['Bob', 'Carol'], 'viewing'), 'Bob and Carol are viewing');
  assert.equal(namesAre(['Bob', 'Carol', 'Dan'], 'typing…'), 'Bob, Carol and Dan are typing…');
});
