import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypingSender } from '../src/lib/typing.js';
import { FakeClock } from '../../common/test/helpers/clock.js';

function sender(preview = false) {
  const clock = new FakeClock();
  const frames = [];
  const typing = new TypingSender({
    clock: clock.api,
    preview,
    send: (state, text) => frames.push({ at: clock.now(), state, preview: text }),
  });
  return { clock, frames, typing };
}

test('at most two typing frames a second, however fast the visitor types', () => {
  const { clock, frames, typing } = sender(true);
  let text = '';
  for (let i = 0; i < 100; i++) {
    text += 'x';
    typing.input(text);
    clock.advance(50); // 20 keystrokes a second for 5 s
  }
  for (let i = 1; i < frames.length; i++) assert.ok(frames[i].at - frames[i - 1].at >= 500);
  assert.ok(frames.length <= 11, `${frames.length} frames`);
  clock.advance(500);
  assert.equal(frames.at(-1).preview, text, 'the last draft always goes out');
});

test('without preview, one on while typing and one off after a pause', () => {
  const { clock, frames, typing } = sender(false);
  for (let i = 0; i < 20; i++) {
    typing.input('hello'.slice(0, (i % 5) + 1));
    clock.advance(100);
  }
  clock.advance(3000);
  assert.deepEqual(frames.map((f) => [f.state, f.preview]), [['on', null], ['off', null]]);
});

test('emptying the composer or stopping sends off, respecting the interval', () => {
  const { clock, frames, typing } = sender(false);
  typing.input('a');
  typing.input('');
  assert.equal(frames.length, 1);
  clock.advance(500);
  assert.deepEqual(frames.map((f) => f.state), ['on', 'off']);
});
