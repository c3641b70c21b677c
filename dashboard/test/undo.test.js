import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNDO_MS, UndoWindow, isUndoKey } from '../lib/undo.js';
import { FakeClock } from './helpers.js';

function window_(clock) {
  const shown = [];
  const undo = new UndoWindow({ clock: clock.api, onChange: (offer) => shown.push(offer?.label ?? null) });
  return { undo, shown };
}

test('an offer stands for a few seconds, then goes by itself', () => {
  const clock = new FakeClock();
  const { undo, shown } = window_(clock);
  undo.show({ label: 'Resolved', undo: async () => {} });
  assert.ok(undo.active);
  clock.advance(UNDO_MS - 1);
  assert.ok(undo.active);
  clock.advance(1);
  assert.equal(undo.active, false);
  assert.deepEqual(shown, ['Resolved', null]);
});

test('undo runs the undoing once, and nothing after the offer went', async () => {
  const clock = new FakeClock();
  const { undo, shown } = window_(clock);
  let runs = 0;
  undo.show({ label: 'Resolved', undo: async () => { runs += 1; } });
  assert.equal(await undo.undo(), true);
  assert.equal(await undo.undo(), false, 'a second undo does nothing');
  assert.equal(runs, 1);
  assert.deepEqual(shown, ['Resolved', null]);
  clock.advance(UNDO_MS);
  assert.deepEqual(shown, ['Resolved', null], 'the expired timer was cleared');
  undo.show({ label: 'Resolved', undo: async () => { runs += 1; } });
  clock.advance(UNDO_MS);
  assert.equal(await undo.undo(), false, 'too late');
  assert.equal(runs, 1);
});

test('a new offer replaces the last, with a fresh window; a failed undo rejects', async () => {
  const clock = new FakeClock();
  const { undo } = window_(clock);
  const undone = [];
  undo.show({ label: 'a', undo: async () => undone.push('a') });
  clock.advance(UNDO_MS - 100);
  undo.show({ label: 'b', undo: async () => { throw new Error('offline'); } });
  clock.advance(200);
  assert.ok(undo.active, 'the new offer has its own window');
  await assert.rejects(undo.undo(), /offline/);
  assert.deepEqual(undone, []);
});

test('z, Ctrl+Z and Cmd+Z undo; Shift or Alt do not', () => {
  const key = (k, mods = {}) => isUndoKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
  assert.ok(key('z'));
  assert.ok(key('z', { ctrlKey: true }));
  assert.ok(key('z', { metaKey: true }));
  assert.equal(key('Z', { ctrlKey: true, shiftKey: true }), false);
  assert.equal(key('z', { altKey: true }), false);
  assert.equal(key('e'), false);
});
