// @ts-check
/**
 * A team's business hours without the DOM: the API's `hours` (null: always open; else a time
 * zone, weekly slots and dated exceptions, docs/routing.md) as the rows the Teams page edits,
 * and those rows back as the API's `hours`, checked by the server's rules first
 * (`src/domain/hours.rs`: `HH:MM` times, 24:00 only as an end, from ≠ to, a weekly slot whose
 * end comes first runs past midnight, a dated range ends the same day) so that a mistake is
 * named at its row before asking.
 */

/** The week as the API names its days, Monday first. */
export const DAYS = Object.freeze([
  { id: 'mon', label: 'Monday' },
  { id: 'tue', label: 'Tuesday' },
  { id: 'wed', label: 'Wednesday' },
  { id: 'thu', label: 'Thursday' },
  { id: 'fri', label: 'Friday' },
  { id: 'sat', label: 'Saturday' },
  { id: 'sun', label: 'Sunday' },
]);

/** Most weekly slots and exceptions one schedule may have (`MAX_SLOTS`, `MAX_EXCEPTIONS` in hours.rs). */
export const MAX_SLOTS = 70;
export const MAX_EXCEPTIONS = 400;

/** What "Add hours" starts from when there is no row yet. */
const FIRST_SLOT = Object.freeze({ day: 'mon', from: '09:00', to: '17:00' });

/**
 * @typedef {{day: string, from: string, to: string}} WeeklyRow
 * @typedef {{date: string, closed: boolean, from: string, to: string}} ExceptionRow
 * @typedef {{scheduled: boolean, time_zone: string, weekly: WeeklyRow[], exceptions: ExceptionRow[]}} HoursForm
 *   `scheduled` false: always open (`hours: null`); the rest is kept meanwhile, so that turning
 *   it off and on again loses nothing
 * @typedef {{time_zone: string, weekly: {day: string, from: string, to: string}[],
 *   exceptions: ({date: string, closed: true} | {date: string, from: string, to: string})[]}} Hours
 * @typedef {{section: 'time_zone' | 'weekly' | 'exceptions', index: number, field: string, message: string}} HoursError
 *   where the first mistake is: the row (`index`, -1 for the zone) and its field
 */

/** @param {string} day @returns {number} 0 for Monday, 7 for an unknown day (last) */
export function dayIndex(day) {
  const at = DAYS.findIndex((d) => d.id === day);
  return at < 0 ? DAYS.length : at;
}

/** @param {string} day */
export function dayLabel(day) {
  return DAYS.find((d) => d.id === day)?.label ?? day;
}

/**
 * The time zones to choose from: the browser's list (`Intl.supportedValuesOf`), with UTC and
 * `current` (a zone saved earlier that the browser names differently) when missing.
 * @param {string} [current]
 * @returns {string[]}
 */
export function timeZones(current) {
  /** @type {string[]} */
  let zones = [];
  try {
    zones = /** @type {any} */ (Intl).supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  const all = new Set(zones);
  all.add('UTC');
  if (current) all.add(current);
  return [...all].sort((a, b) => a.localeCompare(b));
}

/** The zone this browser is in, for a new schedule. */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * A time as the API writes it (`HH:MM`), from what a person types: `9:00` → `09:00`,
 * `17.30` → `17:30`. `24:00` only as an end. Null when it is not a time.
 * @param {string} text @param {{end?: boolean}} [options]
 * @returns {string | null}
 */
export function normalTime(text, options = {}) {
  const m = /^\s*(\d{1,2})[:.h](\d{2})\s*$/.exec(String(text ?? ''));
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours === 24 && minutes === 0 && options.end) return '24:00';
  if (hours > 23 || minutes > 59) return null;
  return `${String(hours).padStart(2, '0')}:${m[2]}`;
}

/** @param {string} time `HH:MM` @returns {number} minutes of the day */
function minutesOf(time) {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/** A calendar date `YYYY-MM-DD` that exists. @param {string} text */
export function isDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text ?? ''));
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/** @param {WeeklyRow} a @param {WeeklyRow} b */
function byDayThenTime(a, b) {
  return dayIndex(a.day) - dayIndex(b.day) || a.from.localeCompare(b.from);
}

/**
 * The editor's rows for a team's `hours`; weekly rows by day, then time.
 * @param {any} hours the API's (null: always open)
 * @param {string} [defaultZone] the zone offered when there is no schedule yet
 * @returns {HoursForm}
 */
export function hoursForm(hours, defaultZone = browserTimeZone()) {
  if (!hours) return { scheduled: false, time_zone: defaultZone, weekly: [], exceptions: [] };
  const weekly = (Array.isArray(hours.weekly) ? hours.weekly : [])
    .map((/** @type {any} */ s) => ({ day: String(s.day ?? ''), from: String(s.from ?? ''), to: String(s.to ?? '') }))
    .sort(byDayThenTime);
  const exceptions = (Array.isArray(hours.exceptions) ? hours.exceptions : [])
    .map((/** @type {any} */ e) => ({ date: String(e.date ?? ''), closed: Boolean(e.closed), from: e.closed ? '' : String(e.from ?? ''), to: e.closed ? '' : String(e.to ?? '') }));
  return { scheduled: true, time_zone: String(hours.time_zone || defaultZone), weekly, exceptions };
}

/**
 * The row "Add hours" appends: the day after the last row's, with its times (so Monday to
 * Friday is five clicks), or Monday 09:00–17:00.
 * @param {WeeklyRow[]} rows @returns {WeeklyRow}
 */
export function nextWeeklyRow(rows) {
  const last = rows[rows.length - 1];
  if (!last) return { ...FIRST_SLOT };
  const next = DAYS[(dayIndex(last.day) + 1) % DAYS.length] ?? DAYS[0];
  return { day: next.id, from: last.from || FIRST_SLOT.from, to: last.to || FIRST_SLOT.to };
}

/**
 * The row "Add exception" appends: closed on `today` (`YYYY-MM-DD`).
 * @param {string} today @returns {ExceptionRow}
 */
export function newException(today) {
  return { date: today, closed: true, from: '', to: '' };
}

/**
 * @param {HoursError['section']} section @param {number} index @param {string} field @param {string} message
 * @returns {{hours: null, error: HoursError}}
 */
function refuse(section, index, field, message) {
  return { hours: null, error: { section, index, field, message } };
}

/**
 * The API's `hours` from the editor's rows, or the first mistake (where it is and what).
 * Weekly slots go out by day, then time.
 * @param {HoursForm} form
 * @returns {{hours: Hours | null, error: HoursError | null}}
 */
export function hoursFromForm(form) {
  if (!form.scheduled) return { hours: null, error: null };
  const zone = form.time_zone.trim();
  if (!zone) return refuse('time_zone', -1, 'time_zone', 'Choose a time zone.');
  if (form.weekly.length > MAX_SLOTS) return refuse('weekly', MAX_SLOTS, 'day', `At most ${MAX_SLOTS} weekly rows.`);
  if (form.exceptions.length > MAX_EXCEPTIONS) return refuse('exceptions', MAX_EXCEPTIONS, 'date', `At most ${MAX_EXCEPTIONS} exceptions.`);
  /** @type {Hours['weekly']} */
  const weekly = [];
  for (const [index, row] of form.weekly.entries()) {
    const where = `${dayLabel(row.day)}, row ${index + 1}`;
    if (dayIndex(row.day) >= DAYS.length) return refuse('weekly', index, 'day', `Row ${index + 1}: choose a day.`);
    const from = normalTime(row.from);
    if (!from) return refuse('weekly', index, 'from', `${where}: “from” must be a time such as 09:00.`);
    const to = normalTime(row.to, { end: true });
    if (!to) return refuse('weekly', index, 'to', `${where}: “to” must be a time such as 17:30 (24:00 for midnight).`);
    if (minutesOf(from) === minutesOf(to)) return refuse('weekly', index, 'to', `${where}: “from” and “to” must differ.`);
    weekly.push({ day: row.day, from, to });
  }
  weekly.sort(byDayThenTime);
  /** @type {Hours['exceptions']} */
  const exceptions = [];
  for (const [index, row] of form.exceptions.entries()) {
    const date = row.date.trim();
    if (!isDate(date)) return refuse('exceptions', index, 'date', `Exception ${index + 1}: choose a date.`);
    if (row.closed) {
      exceptions.push({ date, closed: true });
      continue;
    }
    const from = normalTime(row.from);
    if (!from) return refuse('exceptions', index, 'from', `${date}: “from” must be a time such as 09:00.`);
    const to = normalTime(row.to, { end: true });
    if (!to) return refuse('exceptions', index, 'to', `${date}: “to” must be a time such as 12:00 (24:00 for midnight).`);
    if (minutesOf(to) <= minutesOf(from)) return refuse('exceptions', index, 'to', `${date}: a dated range ends the same day, after it starts.`);
    exceptions.push({ date, from, to });
  }
  return { hours: { time_zone: zone, weekly, exceptions }, error: null };
}

/**
 * A schedule in a few words, for the list: "Always open", or the zone with its counts.
 * @param {any} hours @returns {string}
 */
export function hoursSummary(hours) {
  if (!hours) return 'Always open';
  const slots = Array.isArray(hours.weekly) ? hours.weekly.length : 0;
  const exceptions = Array.isArray(hours.exceptions) ? hours.exceptions.length : 0;
  const parts = [`${slots} weekly ${slots === 1 ? 'slot' : 'slots'}`];
  if (exceptions) parts.push(`${exceptions} ${exceptions === 1 ? 'exception' : 'exceptions'}`);
  return `${hours.time_zone} · ${parts.join(', ')}`;
}
