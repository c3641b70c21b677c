import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MORNING_HOUR, parseLocal, snoozeChoices, snoozeProblem, toLocalInput } from '../lib/snooze.js';

test('the menu offers an hour, tomorrow morning and next Monday morning, in local time', () => {
  const wednesday = new Date(2026, 4, 6, 15, 20); // Wed 6 May 2026, 15:20
  const [hour, tomorrow, week] = snoozeChoices(wednesday);
  assert.equal(hour.until.getTime() - wednesday.getTime(), 3600_000);
  assert.deepEqual([tomorrow.until.getDate(), tomorrow.until.getHours(), tomorrow.until.getMinutes()], [7, MORNING_HOUR, 0]);
  assert.deepEqual([week.until.getDay(), week.until.getDate(), week.until.getHours()], [1, 11, MORNING_HOUR]);
  // On a Monday, next week is the Monday after; on a Sunday, the next day.
  assert.equal(snoozeChoices(new Date(2026, 4, 11, 8, 0))[2].until.getDate(), 18);
  assert.equal(snoozeChoices(new Date(2026, 4, 10, 22, 0))[2].until.getDate(), 11);
  // Tomorrow across a month's end.
  assert.deepEqual([snoozeChoices(new Date(2026, 4, 31, 12))[1].until.getMonth(), snoozeChoices(new Date(2026, 4, 31, 12))[1].until.getDate()], [5, 1]);
});

test('a custom time is read as local time, with or without seconds; nonsense is null', () => {
  const at = parseLocal('2026-05-06T14:30');
  assert.deepEqual([at?.getFullYear(), at?.getMonth(), at?.getDate(), at?.getHours(), at?.getMinutes(), at?.getSeconds()], [2026, 4, 6, 14, 30, 0]);
  assert.equal(parseLocal('2026-05-06T14:30:07')?.getSeconds(), 7);
  for (const bad of ['', '2026-02-30T10:00', 'tomorrow', '2026-05-06 14:30']) assert.equal(parseLocal(bad), null, bad);
  assert.equal(toLocalInput(new Date(2026, 0, 2, 3, 4)), '2026-01-02T03:04');
});

test('a snooze must end ahead, within a year', () => {
  const now = new Date(2026, 4, 6, 12);
  assert.equal(snoozeProblem(null, now), 'Choose a date and a time.');
  assert.equal(snoozeProblem(new Date(2026, 4, 6, 11), now), 'Choose a time ahead.');
  assert.equal(snoozeProblem(new Date(2027, 4, 8, 12), now), 'Choose a time within a year.');
  assert.equal(snoozeProblem(new Date(2026, 4, 6, 13), now), '');
});
