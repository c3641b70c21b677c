import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../lib/emitter.js';

test('listeners get the arguments of each emit, in the order they subscribed', () => {
  const e = new Emitter();
  const seen = [];
  e.on('x', (...args) => seen.push(['first', ...args]));
  e.on('x', (...args) => seen.push(['second', ...args]));
  e.on('y', () => seen.push(['other event']));
  e.emit('x', 1, 'two');
  assert.deepEqual(seen, [['first', 1, 'two'], ['second', 1, 'two']]);
});

test('on returns the function that unsubscribes', () => {
  const e = new Emitter();
  let n = 0;
  const off = e.on('x', () => n++);
  e.emit('x');
  off();
  e.emit('x');
  assert.equal(n, 1);
});

test('a failing listener does not stop the others', (t) => {
  const e = new Emitter();
  const errors = t.mock.method(console, 'error', () => {});
  let reached = false;
  e.on('x', () => {
    throw new Error('boom');
  });
  e.on('x', () => {
    reached = true;
  });
  e.emit('x');
  assert.equal(reached, true);
  assert.equal(errors.mock.callCount(), 1);
});

test('a listener removed while an event is delivered still gets that event, not the next', () => {
  const e = new Emitter();
  const seen = [];
  let offB = () => {};
  e.on('x', (v) => {
    seen.push(`a${v}`);
    offB();
  });
  offB = e.on('x', (v) => seen.push(`b${v}`));
  e.emit('x', 1);
  e.emit('x', 2);
  assert.deepEqual(seen, ['a1', 'b1', 'a2']);
});
