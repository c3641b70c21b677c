import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoAway, STORED_ACTIVITY } from '../lib/away.js';
import { Keys, PREFIX } from '../lib/storage.js';
import { FakeClock, clockApi, useStorage } from './helpers.js';

/** What one tab shares with the agent's other tabs: here, an object both fakes read. */
function sharedState() {
  const state = { last: 0, auto: false, writes: 0 };
  return {
    state,
    shared: {
      lastActivity: () => state.last,
      noteActivity: (at) => { state.last = at; state.writes += 1; },
      isAuto: () => state.auto,
      setAuto: (auto) => { state.auto = auto; },
    },
  };
}

/** One tab: its own status (as its desk holds it) and the statuses it set. */
function tab(clock, shared, status = 'online') {
  const t = { status, set: [] };
  t.away = new AutoAway({
    clock: clockApi(clock),
    getStatus: () => t.status,
    setStatus: (s) => { t.status = s; t.set.push(s); },
    shared,
  });
  return t;
}

test('idle for the whole delay: away; the next activity: online again', () => {
  const clock = new FakeClock();
  const { shared, state } = sharedState();
  const t = tab(clock, shared);
  t.away.configure(60);
  clock.advance(59_999);
  assert.deepEqual(t.set, []);
  clock.advance(1);
  assert.deepEqual(t.set, ['away']);
  assert.equal(state.auto, true, 'marked as auto-away\'s doing');
  assert.equal(t.away.isAutoAway, true);
  clock.advance(600_000);
  assert.deepEqual(t.set, ['away'], 'once');
  t.away.activity();
  assert.deepEqual(t.set, ['away', 'online']);
  assert.equal(state.auto, false);
  t.away.activity();
  assert.deepEqual(t.set, ['away', 'online'], 'online already: nothing to do');
});

test('activity keeps the agent online; the delay counts from the latest', () => {
  const clock = new FakeClock();
  const { shared } = sharedState();
  const t = tab(clock, shared);
  t.away.configure(60);
  for (let i = 0; i < 10; i++) {
    clock.advance(50_000);
    t.away.activity();
  }
  assert.deepEqual(t.set, []);
  clock.advance(60_000);
  assert.deepEqual(t.set, ['away']);
});

test('an agent who chose away stays away: neither the timer nor activity changes it', () => {
  const clock = new FakeClock();
  const { shared, state } = sharedState();
  const t = tab(clock, shared);
  t.away.configure(60);
  t.status = 'away';
  t.away.chose('away');
  clock.advance(120_000);
  t.away.activity();
  assert.deepEqual(t.set, []);
  assert.equal(state.auto, false);
  // Choosing online again starts watching again.
  t.status = 'online';
  t.away.chose('online');
  clock.advance(60_000);
  assert.deepEqual(t.set, ['away']);
});

test('auto-away chosen away by hand afterwards is the agent\'s choice', () => {
  const clock = new FakeClock();
  const { shared } = sharedState();
  const t = tab(clock, shared);
  t.away.configure(60);
  clock.advance(60_000);
  assert.equal(t.status, 'away');
  t.away.chose('away'); // picked "Away" in the menu while auto-away
  t.away.activity();
  assert.equal(t.status, 'away');
});

test('the agent\'s tabs share activity: one in use keeps another, idle, from setting away', () => {
  const clock = new FakeClock();
  const { shared, state } = sharedState();
  const busy = tab(clock, shared);
  const idle = tab(clock, shared);
  busy.away.configure(60);
  idle.away.configure(60);
  for (let i = 0; i < 6; i++) {
    clock.advance(20_000);
    busy.away.activity();
  }
  assert.deepEqual(idle.set, [], 'the idle tab waits for the rest of the delay');
  assert.ok(state.writes <= 6, 'activity written at most every few seconds');
  clock.advance(61_000);
  assert.equal(idle.set.length + busy.set.length, 1, 'away once, by whichever tab looked first');
});

test('activity in any tab brings back an away status set by another tab', () => {
  const clock = new FakeClock();
  const { shared } = sharedState();
  const a = tab(clock, shared);
  const b = tab(clock, shared);
  a.away.configure(30);
  b.away.configure(30);
  clock.advance(30_000);
  // One tab set away; the other follows the server's word.
  a.status = 'away';
  b.status = 'away';
  b.away.activity();
  assert.equal(b.set.at(-1), 'online');
});

test('online from elsewhere clears a pending auto-away mark', () => {
  const clock = new FakeClock();
  const { shared, state } = sharedState();
  const t = tab(clock, shared);
  t.away.configure(30);
  clock.advance(30_000);
  assert.equal(state.auto, true);
  t.status = 'online';
  t.away.followed('online');
  assert.equal(state.auto, false);
  // Then away by hand in another tab: activity here does not undo it.
  t.status = 'away';
  t.away.followed('away');
  t.away.activity();
  assert.equal(t.status, 'away');
});

test('off (0) or a change of delay from a later welcome', () => {
  const clock = new FakeClock();
  const { shared } = sharedState();
  const t = tab(clock, shared);
  t.away.configure(0);
  clock.advance(3_600_000);
  assert.deepEqual(t.set, []);
  t.away.configure(10);
  clock.advance(10_000);
  assert.deepEqual(t.set, ['away']);
  t.away.activity();
  t.away.configure(null);
  clock.advance(3_600_000);
  assert.deepEqual(t.set, ['away', 'online']);
  t.away.configure(5);
  t.away.stop();
  clock.advance(60_000);
  assert.deepEqual(t.set, ['away', 'online'], 'stopped');
});

test('the tabs share through storage, under the dashboard\'s prefix', (t) => {
  const storage = useStorage(t);
  STORED_ACTIVITY.noteActivity(1234);
  assert.equal(STORED_ACTIVITY.lastActivity(), 1234);
  assert.equal(storage.getItem(PREFIX + Keys.ACTIVITY), '1234');
  assert.equal(STORED_ACTIVITY.isAuto(), false);
  STORED_ACTIVITY.setAuto(true);
  assert.equal(STORED_ACTIVITY.isAuto(), true);
  STORED_ACTIVITY.setAuto(false);
  assert.equal(storage.getItem(PREFIX + Keys.AUTO_AWAY), null, 'no key left behind');
});
