import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  DAYS, MAX_EXCEPTIONS, MAX_SLOTS, dayLabel, hoursForm, hoursFromForm, hoursSummary, isDate, newException, nextWeeklyRow, normalTime, timeZones,
} from '../lib/hours.js';

const PARIS = {
  time_zone: 'Europe/Paris',
  weekly: [{ day: 'fri', from: '22:00', to: '02:00' }, { day: 'mon', from: '14:00', to: '18:00' }, { day: 'mon', from: '09:00', to: '12:00' }],
  exceptions: [{ date: '2026-12-25', closed: true }, { date: '2026-12-24', from: '09:00', to: '12:00' }],
};

test('no schedule is always open; the editor offers a zone meanwhile, and saving it sends null', () => {
  const form = hoursForm(null, 'Europe/Berlin');
  assert.deepEqual(form, { scheduled: false, time_zone: 'Europe/Berlin', weekly: [], exceptions: [] });
  assert.deepEqual(hoursFromForm(form), { hours: null, error: null });
  // Rows typed while off are kept in the form, not sent.
  assert.deepEqual(hoursFromForm({ ...form, weekly: [{ day: 'mon', from: 'nonsense', to: '' }] }), { hours: null, error: null });
});

test('a schedule round-trips through the editor: weekly rows by day then time, several a day, exceptions as given', () => {
  const form = hoursForm(PARIS);
  assert.equal(form.scheduled, true);
  assert.equal(form.time_zone, 'Europe/Paris');
  assert.deepEqual(form.weekly.map((r) => `${r.day} ${r.from}-${r.to}`), ['mon 09:00-12:00', 'mon 14:00-18:00', 'fri 22:00-02:00']);
  assert.deepEqual(form.exceptions, [
    { date: '2026-12-25', closed: true, from: '', to: '' },
    { date: '2026-12-24', closed: false, from: '09:00', to: '12:00' },
  ]);
  const { hours, error } = hoursFromForm(form);
  assert.equal(error, null);
  assert.deepEqual(hours, {
    time_zone: 'Europe/Paris',
    weekly: [{ day: 'mon', from: '09:00', to: '12:00' }, { day: 'mon', from: '14:00', to: '18:00' }, { day: 'fri', from: '22:00', to: '02:00' }],
    exceptions: [{ date: '2026-12-25', closed: true }, { date: '2026-12-24', from: '09:00', to: '12:00' }],
  });
});

test('a closed exception sends no times, even when the row still holds some', () => {
  const { hours } = hoursFromForm({ scheduled: true, time_zone: 'UTC', weekly: [], exceptions: [{ date: '2027-01-01', closed: true, from: '09:00', to: '10:00' }] });
  assert.deepEqual(hours?.exceptions, [{ date: '2027-01-01', closed: true }]);
});

test('times are written as the API wants them; 24:00 only as an end', () => {
  assert.equal(normalTime('9:00'), '09:00');
  assert.equal(normalTime(' 17.30 '), '17:30');
  assert.equal(normalTime('8h15'), '08:15');
  assert.equal(normalTime('23:59'), '23:59');
  assert.equal(normalTime('24:00'), null);
  assert.equal(normalTime('24:00', { end: true }), '24:00');
  for (const bad of ['', '24:01', '25:00', '12:60', '1200', '12:5', 'noon', '-1:00']) assert.equal(normalTime(bad, { end: true }), null, bad);
});

test('dates must exist', () => {
  assert.ok(isDate('2028-02-29'));
  for (const bad of ['2027-02-29', '2026-13-01', '2026-12-32', '26-12-25', '2026/12/25', '']) assert.equal(isDate(bad), false, bad);
});

test('the first mistake is named at its row and field, by the server\'s rules', () => {
  const base = { scheduled: true, time_zone: 'Europe/Paris', weekly: [], exceptions: [] };
  const cases = [
    [{ ...base, time_zone: ' ' }, { section: 'time_zone', index: -1, field: 'time_zone' }],
    [{ ...base, weekly: [{ day: 'mon', from: '09:00', to: '17:00' }, { day: 'tue', from: '9am', to: '17:00' }] }, { section: 'weekly', index: 1, field: 'from' }],
    [{ ...base, weekly: [{ day: 'mon', from: '09:00', to: '25:00' }] }, { section: 'weekly', index: 0, field: 'to' }],
    [{ ...base, weekly: [{ day: 'mon', from: '09:00', to: '9:00' }] }, { section: 'weekly', index: 0, field: 'to' }],
    [{ ...base, weekly: [{ day: 'someday', from: '09:00', to: '17:00' }] }, { section: 'weekly', index: 0, field: 'day' }],
    [{ ...base, exceptions: [{ date: '2026-02-30', closed: true, from: '', to: '' }] }, { section: 'exceptions', index: 0, field: 'date' }],
    [{ ...base, exceptions: [{ date: '2026-12-24', closed: false, from: '', to: '12:00' }] }, { section: 'exceptions', index: 0, field: 'from' }],
    [{ ...base, exceptions: [{ date: '2026-12-24', closed: false, from: '22:00', to: '02:00' }] }, { section: 'exceptions', index: 0, field: 'to' }],
  ];
  for (const [form, where] of cases) {
    const { hours, error } = hoursFromForm(/** @type {any} */ (form));
    assert.equal(hours, null);
    assert.deepEqual({ section: error?.section, index: error?.index, field: error?.field }, where, JSON.stringify(form));
    assert.ok(error?.message, 'a message to show');
  }
  assert.match(hoursFromForm({ ...base, weekly: [{ day: 'tue', from: '9am', to: '17:00' }] }).error?.message ?? '', /^Tuesday, row 1: “from” must be a time/);
});

test('a weekly slot may run past midnight and end at 24:00; a dated range may end at 24:00', () => {
  const { hours, error } = hoursFromForm({
    scheduled: true, time_zone: 'UTC',
    weekly: [{ day: 'sat', from: '22:00', to: '02:00' }, { day: 'sun', from: '00:00', to: '24:00' }],
    exceptions: [{ date: '2026-12-31', closed: false, from: '18:00', to: '24:00' }],
  });
  assert.equal(error, null);
  assert.deepEqual(hours?.weekly.map((s) => s.to), ['02:00', '24:00']);
  assert.equal(hours?.exceptions[0] && 'to' in hours.exceptions[0] ? hours.exceptions[0].to : null, '24:00');
});

test('the limits are the server\'s', () => {
  const source = fs.readFileSync(new URL('../../src/domain/hours.rs', import.meta.url), 'utf8');
  assert.equal(Number(/const MAX_SLOTS: usize = (\d+);/.exec(source)?.[1]), MAX_SLOTS);
  assert.equal(Number(/const MAX_EXCEPTIONS: usize = (\d+);/.exec(source)?.[1]), MAX_EXCEPTIONS);
  const slots = Array.from({ length: MAX_SLOTS + 1 }, () => ({ day: 'mon', from: '09:00', to: '10:00' }));
  assert.equal(hoursFromForm({ scheduled: true, time_zone: 'UTC', weekly: slots, exceptions: [] }).error?.section, 'weekly');
  assert.equal(hoursFromForm({ scheduled: true, time_zone: 'UTC', weekly: slots.slice(1), exceptions: [] }).error, null);
});

test('"Add hours" continues the week with the last row\'s times; "Add exception" starts closed', () => {
  assert.deepEqual(nextWeeklyRow([]), { day: 'mon', from: '09:00', to: '17:00' });
  assert.deepEqual(nextWeeklyRow([{ day: 'mon', from: '08:30', to: '16:00' }]), { day: 'tue', from: '08:30', to: '16:00' });
  assert.deepEqual(nextWeeklyRow([{ day: 'sun', from: '10:00', to: '14:00' }]), { day: 'mon', from: '10:00', to: '14:00' });
  assert.deepEqual(newException('2026-12-25'), { date: '2026-12-25', closed: true, from: '', to: '' });
});

test('days are the API\'s, Monday first', () => {
  assert.deepEqual(DAYS.map((d) => d.id), ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  assert.equal(dayLabel('wed'), 'Wednesday');
});

test('the zones offered are the browser\'s, with UTC and a saved zone the browser does not list', () => {
  const zones = timeZones('Europe/Kiev');
  assert.ok(zones.includes('Europe/Paris'));
  assert.ok(zones.includes('UTC'));
  assert.ok(zones.includes('Europe/Kiev'));
  assert.deepEqual(zones, [...zones].sort((a, b) => a.localeCompare(b)));
  assert.equal(new Set(zones).size, zones.length);
});

test('a schedule in a few words', () => {
  assert.equal(hoursSummary(null), 'Always open');
  assert.equal(hoursSummary(PARIS), 'Europe/Paris · 3 weekly slots, 2 exceptions');
  assert.equal(hoursSummary({ time_zone: 'UTC', weekly: [{ day: 'mon', from: '09:00', to: '17:00' }], exceptions: [] }), 'UTC · 1 weekly slot');
});
