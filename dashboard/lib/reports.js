// @ts-check
/**
 * Reports without the DOM: the period a support lead picks (the last 7 or 30 days, or from one
 * day to another, whole local days) as the API's `from`/`to`, the server's limits checked
 * first (at most 400 days, hours only over at most 31), the query every report shares, a
 * duration in words (`1 min 30 s`, `—` when nothing was measured), a series as uPlot's data
 * arrays (timestamps in seconds, gaps kept), the heatmap's shading and the live queue's words.
 */

/** The server's longest period, in days. */
export const MAX_DAYS = 400;
/** The longest period shown per hour, in days. */
export const MAX_HOUR_DAYS = 31;
/** The heatmap's rows, Monday first as the API gives them. */
export const WEEKDAYS = Object.freeze(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);
/** Shades of the heatmap besides 0 (an empty hour). */
export const HEAT_LEVELS = 5;

const DAY_MS = 86_400_000;

/** @typedef {'7d' | '30d' | 'custom'} Period */
/** @typedef {'day' | 'hour'} Interval */
/** @typedef {'agent' | 'team' | 'site'} BreakdownBy */
/**
 * What the page's controls hold: `from` and `to` are `YYYY-MM-DD` days (both included), used
 * only for a custom period; the filters are ids or empty.
 * @typedef {{period: Period, from: string, to: string, interval: Interval, team: string, agent: string, site: string}} ReportForm
 */
/** @typedef {{from: Date, to: Date, days: number}} Range */
/**
 * @typedef {{p50: number | null, p90: number | null}} Percentiles
 * @typedef {{conversations: number, resolved: number, messages: number, first_response_s: Percentiles,
 *   resolution_s: Percentiles, rating: {count: number, average: number | null}}} Summary
 */

/** The browser's time zone (an IANA name), `UTC` when it cannot say. */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** `YYYY-MM-DD` of a local day. @param {Date} date */
export function dayValue(date) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD` day, or null. @param {string} value */
export function parseDay(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayValue(date) === value.trim() ? date : null;
}

/** Local midnight `days` days after `date`'s (DST-safe: by the calendar, not by 24 h). @param {Date} date @param {number} days */
function addDays(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/**
 * The period as instants: whole local days, today included for the last 7 or 30 days; a
 * custom period from the start of its first day to the end of its last. An error names what
 * is wrong, in the server's terms.
 * @param {ReportForm} form @param {Date} now
 * @returns {{range: Range, error: null} | {range: null, error: string}}
 */
export function reportRange(form, now) {
  let from;
  let to;
  if (form.period === 'custom') {
    from = parseDay(form.from);
    const last = parseDay(form.to);
    if (!from || !last) return { range: null, error: 'Choose the first and the last day.' };
    if (last < from) return { range: null, error: 'The last day must not be before the first.' };
    to = addDays(last, 1);
  } else {
    to = addDays(now, 1);
    from = addDays(to, form.period === '30d' ? -30 : -7);
  }
  const days = Math.round((to.getTime() - from.getTime()) / DAY_MS);
  if (days > MAX_DAYS) return { range: null, error: `A report covers at most ${MAX_DAYS} days.` };
  if (form.interval === 'hour' && days > MAX_HOUR_DAYS) {
    return { range: null, error: `Per hour, a report covers at most ${MAX_HOUR_DAYS} days: choose per day or a shorter period.` };
  }
  return { range: { from, to, days }, error: null };
}

/**
 * The query every report shares (`GET /reports/…`): the period as RFC 3339, the time zone,
 * the filters that are set.
 * @param {ReportForm} form @param {Range} range @param {string} tz
 * @returns {Record<string, string | undefined>}
 */
export function reportParams(form, range, tz) {
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    tz,
    team_id: form.team || undefined,
    agent_id: form.agent || undefined,
    site_id: form.site || undefined,
  };
}

/**
 * A duration in seconds in words, to the two units that matter: `45 s`, `1 min 30 s`, `2 min`,
 * `1 h 5 min`, `2 d 3 h`; `—` when nothing was measured.
 * @param {number | null | undefined} seconds
 */
export function humanDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  /** @param {number} big @param {string} bigUnit @param {number} small @param {string} smallUnit */
  const two = (big, bigUnit, small, smallUnit) => (small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  const minutes = Math.round(s / 60);
  if (minutes < 24 * 60) return two(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(s / 3600);
  return two(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

/** A rating's average in words: `4.3 / 5 (12)`, `—` with none. @param {{count: number, average: number | null} | undefined} rating */
export function ratingText(rating) {
  if (!rating || typeof rating.average !== 'number' || !rating.count) return '—';
  return `${rating.average.toFixed(1)} / 5 (${rating.count})`;
}

/**
 * The summary's tiles, in order: a label and the value in words (and `raw`, what the server
 * said, for tests and titles).
 * @param {Summary} s
 * @returns {{id: string, label: string, text: string, raw: string}[]}
 */
export function summaryTiles(s) {
  const n = (/** @type {unknown} */ v) => (typeof v === 'number' ? v.toLocaleString() : '—');
  const raw = (/** @type {unknown} */ v) => (v === null || v === undefined ? '' : String(v));
  return [
    { id: 'conversations', label: 'Conversations', text: n(s.conversations), raw: raw(s.conversations) },
    { id: 'resolved', label: 'Resolved', text: n(s.resolved), raw: raw(s.resolved) },
    { id: 'messages', label: 'Messages', text: n(s.messages), raw: raw(s.messages) },
    { id: 'first-response-p50', label: 'First response (median)', text: humanDuration(s.first_response_s?.p50), raw: raw(s.first_response_s?.p50) },
    { id: 'first-response-p90', label: 'First response (90th pct.)', text: humanDuration(s.first_response_s?.p90), raw: raw(s.first_response_s?.p90) },
    { id: 'resolution-p50', label: 'Resolution (median)', text: humanDuration(s.resolution_s?.p50), raw: raw(s.resolution_s?.p50) },
    { id: 'resolution-p90', label: 'Resolution (90th pct.)', text: humanDuration(s.resolution_s?.p90), raw: raw(s.resolution_s?.p90) },
    { id: 'rating', label: 'Rating', text: ratingText(s.rating), raw: raw(s.rating?.average) },
  ];
}

/** A number, or null (a gap in a chart). @param {unknown} v */
function numberOrNull(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * A series' points as uPlot's data: the buckets' starts in seconds, then one array per field
 * (a path into each point, `first_response_s.p50`), null kept where nothing was measured.
 * @param {any[]} points @param {string[]} fields
 * @returns {(number | null)[][]}
 */
export function seriesData(points, fields) {
  const list = Array.isArray(points) ? points.filter((p) => p && !Number.isNaN(Date.parse(p.start))) : [];
  const times = list.map((p) => Date.parse(p.start) / 1000);
  const columns = fields.map((f) => list.map((p) => numberOrNull(f.split('.').reduce((v, k) => v?.[k], p))));
  return [times, ...columns];
}

/**
 * The shade of one heatmap cell: 0 for none, then 1 to `HEAT_LEVELS` in proportion to the
 * busiest hour (any hour with a conversation is at least 1).
 * @param {number} count @param {number} max
 */
export function heatLevel(count, max) {
  if (!(count > 0) || !(max > 0)) return 0;
  return Math.max(1, Math.min(HEAT_LEVELS, Math.ceil((count / max) * HEAT_LEVELS)));
}

/**
 * The heatmap as rows of cells, Monday first: each with its count, shade and words
 * (`Monday 14:00–15:00: 3 conversations`); and the total and busiest hour.
 * @param {unknown} days the API's `days` (7 × 24 counts)
 */
export function heatmapCells(days) {
  const rows = WEEKDAYS.map((_, d) => Array.from({ length: 24 }, (__, hour) => {
    const v = Array.isArray(days) && Array.isArray(days[d]) ? days[d][hour] : 0;
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
  }));
  const max = Math.max(0, ...rows.flat());
  const total = rows.flat().reduce((a, b) => a + b, 0);
  const hh = (/** @type {number} */ h) => `${String(h).padStart(2, '0')}:00`;
  return {
    max,
    total,
    rows: rows.map((counts, d) => ({
      day: WEEKDAYS[d],
      cells: counts.map((count, hour) => ({
        hour,
        count,
        level: heatLevel(count, max),
        label: `${WEEKDAYS[d]} ${hh(hour)}–${hh(hour + 1)}: ${count} conversation${count === 1 ? '' : 's'}`,
      })),
    })),
  };
}

/**
 * A breakdown row's name: the agent, team or site, or what a missing one means.
 * @param {{name?: string | null, id?: string | null}} row @param {BreakdownBy} by
 */
export function breakdownName(row, by) {
  if (row.name) return row.name;
  if (row.id) return `(${by} ${row.id.slice(0, 8)})`;
  return by === 'agent' ? 'Unassigned' : by === 'team' ? 'No team' : 'No site';
}

/** A conversation's wait in the live panel. @param {number | null | undefined} seconds */
export function longestWait(seconds) {
  return typeof seconds === 'number' ? humanDuration(seconds) : 'Nobody waits';
}

/** The file name of the CSV, by its period. @param {Range} range */
export function csvName(range) {
  return `parley-report-${dayValue(range.from)}-to-${dayValue(addDays(range.to, -1))}.csv`;
}

/**
 * Whether the workspace counts response and resolution times in business hours only
 * (`reports_business_hours`); anything but `true` (a server that does not know the field yet)
 * counts every hour.
 * @param {unknown} workspace `GET /workspace`'s answer
 */
export function businessHoursOnly(workspace) {
  return /** @type {{reports_business_hours?: unknown} | null} */ (workspace)?.reports_business_hours === true;
}

/**
 * The line saying how response and resolution times are counted.
 * @param {boolean} businessHours the workspace's `reports_business_hours`
 */
export function timesCountedSentence(businessHours) {
  return businessHours
    ? "Response and resolution times count only business hours (each team's schedule; conversations without a team or a team without hours count every hour)."
    : 'Response and resolution times count every hour.';
}
