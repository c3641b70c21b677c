import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HEAT_LEVELS, MAX_DAYS, breakdownName, businessHoursOnly, csvName, dayValue, heatLevel, heatmapCells, humanDuration, longestWait, parseDay,
  ratingText, reportParams, reportRange, seriesData, summaryTiles, timesCountedSentence,
} from '../lib/reports.js';
import { createApi } from '../lib/api.js';

/** @param {Partial<import('../lib/reports.js').ReportForm>} over @returns {import('../lib/reports.js').ReportForm} */
const form = (over = {}) => ({ period: '7d', from: '', to: '', interval: 'day', team: '', agent: '', site: '', ...over });
const NOW = new Date(2026, 11, 6, 15, 30);

test('the last 7 and 30 days are whole local days, today included', () => {
  const seven = reportRange(form(), NOW).range;
  assert.ok(seven);
  assert.deepEqual([seven.from, seven.to], [new Date(2026, 10, 30), new Date(2026, 11, 7)]);
  assert.equal(seven.days, 7);
  const thirty = reportRange(form({ period: '30d' }), NOW).range;
  assert.deepEqual([thirty?.from, thirty?.days], [new Date(2026, 10, 7), 30]);
});

test('a custom period runs from the start of its first day to the end of its last', () => {
  const { range, error } = reportRange(form({ period: 'custom', from: '2026-01-01', to: '2026-01-31' }), NOW);
  assert.equal(error, null);
  assert.deepEqual([range?.from, range?.to, range?.days], [new Date(2026, 0, 1), new Date(2026, 1, 1), 31]);
  assert.match(reportRange(form({ period: 'custom', from: '2026-02-01', to: '2026-01-01' }), NOW).error ?? '', /not be before/);
  assert.match(reportRange(form({ period: 'custom', from: '', to: '2026-01-01' }), NOW).error ?? '', /Choose/);
  assert.match(reportRange(form({ period: 'custom', from: '2026-02-30', to: '2026-03-01' }), NOW).error ?? '', /Choose/);
  assert.match(reportRange(form({ period: 'custom', from: '2024-01-01', to: '2026-01-01' }), NOW).error ?? '', new RegExp(`${MAX_DAYS} days`));
});

test('per hour is allowed over at most 31 days', () => {
  assert.ok(reportRange(form({ interval: 'hour', period: '30d' }), NOW).range);
  assert.ok(reportRange(form({ interval: 'hour', period: 'custom', from: '2026-01-01', to: '2026-01-31' }), NOW).range);
  const refused = reportRange(form({ interval: 'hour', period: 'custom', from: '2026-01-01', to: '2026-02-01' }), NOW);
  assert.equal(refused.range, null);
  assert.match(refused.error ?? '', /31 days/);
});

test("a report's query carries the period in RFC 3339, the time zone, and only the filters set", () => {
  const range = { from: new Date('2026-11-30T00:00:00Z'), to: new Date('2026-12-07T00:00:00Z'), days: 7 };
  assert.deepEqual(reportParams(form(), range, 'Europe/Paris'), {
    from: '2026-11-30T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z', tz: 'Europe/Paris', team_id: undefined, agent_id: undefined, site_id: undefined,
  });
  assert.deepEqual(reportParams(form({ team: 't1', agent: 'a1', site: 's1' }), range, 'UTC'), {
    from: '2026-11-30T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z', tz: 'UTC', team_id: 't1', agent_id: 'a1', site_id: 's1',
  });
});

test('the report methods ask the API with the query, and the CSV comes as a download', async () => {
  /** @type {string[]} */
  const asked = [];
  const fetch = async (/** @type {string} */ url) => {
    asked.push(url);
    if (url.includes('/export')) {
      return new Response('id,created_at\n', { status: 200, headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="report.csv"' } });
    }
    return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  const api = createApi({ getToken: () => 't', onUnauthorized: () => {}, fetch: /** @type {any} */ (fetch) });
  const q = { from: '2026-11-30T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z', tz: 'Europe/Paris', team_id: undefined };
  await api.reportSummary(q);
  await api.reportSeries({ ...q, interval: 'hour' });
  await api.reportBreakdown({ ...q, by: 'team' });
  await api.reportHeatmap(q);
  await api.reportLive();
  await api.audit({ action: 'site.', cursor: undefined, limit: 50 });
  const csv = await api.reportCsv(q, 'x.csv');
  const tail = 'from=2026-11-30T00%3A00%3A00.000Z&to=2026-12-07T00%3A00%3A00.000Z&tz=Europe%2FParis';
  assert.deepEqual(asked, [
    `/api/v1/reports/summary?${tail}`,
    `/api/v1/reports/series?${tail}&interval=hour`,
    `/api/v1/reports/breakdown?${tail}&by=team`,
    `/api/v1/reports/heatmap?${tail}`,
    '/api/v1/reports/live',
    '/api/v1/audit?action=site.&limit=50',
    `/api/v1/reports/export?${tail}`,
  ]);
  assert.equal(csv.name, 'report.csv');
  assert.equal(await csv.blob.text(), 'id,created_at\n');
});

test('durations read in words, to the two units that matter, and — when nothing was measured', () => {
  assert.equal(humanDuration(null), '—');
  assert.equal(humanDuration(undefined), '—');
  assert.equal(humanDuration(Number.NaN), '—');
  assert.equal(humanDuration(0), '0 s');
  assert.equal(humanDuration(0.4), '0 s');
  assert.equal(humanDuration(45.6), '46 s');
  assert.equal(humanDuration(90), '1 min 30 s');
  assert.equal(humanDuration(120), '2 min');
  assert.equal(humanDuration(3599), '59 min 59 s');
  assert.equal(humanDuration(3600), '1 h');
  assert.equal(humanDuration(3900), '1 h 5 min');
  assert.equal(humanDuration(86_400 * 2 + 3 * 3600), '2 d 3 h');
  assert.equal(longestWait(null), 'Nobody waits');
  assert.equal(longestWait(75), '1 min 15 s');
});

test("the summary's tiles say each number in words and keep the server's", () => {
  const tiles = summaryTiles({
    conversations: 12, resolved: 9, messages: 1234,
    first_response_s: { p50: 90, p90: null }, resolution_s: { p50: 3900, p90: 7200 }, rating: { count: 3, average: 4.333 },
  });
  assert.deepEqual(tiles.map((t) => [t.id, t.raw]), [
    ['conversations', '12'], ['resolved', '9'], ['messages', '1234'], ['first-response-p50', '90'], ['first-response-p90', ''],
    ['resolution-p50', '3900'], ['resolution-p90', '7200'], ['rating', '4.333'],
  ]);
  assert.equal(tiles[3].text, '1 min 30 s');
  assert.equal(tiles[4].text, '—');
  assert.equal(tiles[7].text, '4.3 / 5 (3)');
  assert.equal(ratingText({ count: 0, average: null }), '—');
});

test("a series becomes uPlot's data: times in seconds, one column per field, gaps kept as null", () => {
  const points = [
    { start: '2026-12-01T23:00:00Z', conversations: 2, messages: 10, first_response_s: { p50: 30, p90: 80 } },
    { start: '2026-12-02T23:00:00Z', conversations: 0, messages: 0, first_response_s: { p50: null, p90: null } },
    { start: 'nonsense', conversations: 5 },
  ];
  assert.deepEqual(seriesData(points, ['conversations', 'messages', 'first_response_s.p50', 'first_response_s.p90']), [
    [Date.parse('2026-12-01T23:00:00Z') / 1000, Date.parse('2026-12-02T23:00:00Z') / 1000],
    [2, 0], [10, 0], [30, null], [80, null],
  ]);
  assert.deepEqual(seriesData(null, ['conversations']), [[], []]);
});

test('the heatmap shades each hour against the busiest, any conversation at least the first shade', () => {
  assert.equal(heatLevel(0, 10), 0);
  assert.equal(heatLevel(5, 0), 0);
  assert.equal(heatLevel(1, 100), 1);
  assert.equal(heatLevel(50, 100), 3);
  assert.equal(heatLevel(100, 100), HEAT_LEVELS);
  const days = Array.from({ length: 7 }, () => Array(24).fill(0));
  days[0][9] = 4;
  days[6][23] = 1;
  const map = heatmapCells(days);
  assert.equal(map.total, 5);
  assert.equal(map.max, 4);
  assert.equal(map.rows.length, 7);
  assert.equal(map.rows[0].day, 'Monday');
  assert.equal(map.rows[0].cells[9].level, HEAT_LEVELS);
  assert.equal(map.rows[0].cells[9].label, 'Monday 09:00–10:00: 4 conversations');
  assert.equal(map.rows[6].cells[23].label, 'Sunday 23:00–24:00: 1 conversation');
  assert.equal(map.rows[6].cells[23].level, 2);
  assert.equal(heatmapCells(undefined).total, 0);
});

test("a breakdown row without an agent, team or site says so; days and the CSV's name read as local days", () => {
  assert.equal(breakdownName({ id: null, name: null }, 'agent'), 'Unassigned');
  assert.equal(breakdownName({ id: null, name: null }, 'team'), 'No team');
  assert.equal(breakdownName({ id: 'a', name: 'Ada' }, 'agent'), 'Ada');
  assert.equal(dayValue(new Date(2026, 0, 5)), '2026-01-05');
  assert.deepEqual(parseDay('2026-01-05'), new Date(2026, 0, 5));
  assert.equal(parseDay('2026-13-01'), null);
  assert.equal(csvName({ from: new Date(2026, 10, 30), to: new Date(2026, 11, 7), days: 7 }), 'parley-report-2026-11-30-to-2026-12-06.csv');
});

test("the line on how times are counted follows the workspace's setting; a server without it counts every hour", () => {
  assert.equal(businessHoursOnly({ id: 'w-1', reports_business_hours: true }), true);
  assert.equal(businessHoursOnly({ id: 'w-1', reports_business_hours: false }), false);
  assert.equal(businessHoursOnly({ id: 'w-1' }), false);
  assert.equal(businessHoursOnly({ reports_business_hours: 'true' }), false);
  assert.equal(businessHoursOnly(null), false);
  assert.equal(timesCountedSentence(false), 'Response and resolution times count every hour.');
  assert.equal(timesCountedSentence(true),
    "Response and resolution times count only business hours (each team's schedule; conversations without a team or a team without hours count every hour).");
});

test('the API reads the workspace and switches business hours on with a PATCH of that field alone', async () => {
  /** @type {{method: string, url: string, body: unknown}[]} */
  const calls = [];
  const api = createApi({
    getToken: () => 't',
    onUnauthorized: () => {},
    fetch: /** @type {any} */ (async (/** @type {string} */ url, /** @type {RequestInit} */ init) => {
      calls.push({ method: init.method ?? 'GET', url, body: init.body ? JSON.parse(String(init.body)) : undefined });
      return Response.json({ id: 'w-1', name: 'Acme', retention_days: null, reports_business_hours: true });
    }),
  });
  assert.equal(businessHoursOnly(await api.updateWorkspace({ reports_business_hours: true })), true);
  assert.deepEqual(calls, [{ method: 'PATCH', url: '/api/v1/workspace', body: { reports_business_hours: true } }]);
});
