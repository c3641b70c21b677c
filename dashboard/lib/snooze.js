// @ts-check
/**
 * Snoozing without the DOM: the times the header's Snooze menu offers (in an hour, tomorrow at
 * 9:00, next Monday at 9:00, all in the agent's own time zone), a custom time typed in a
 * `datetime-local` field read back as a moment, and whether a time may be chosen (ahead, within
 * the server's year).
 */

/** The hour of the morning "tomorrow" and "next week" mean. */
export const MORNING_HOUR = 9;
/** The server refuses a snooze further ahead than this. */
export const MAX_SNOOZE_MS = 365 * 24 * 3600 * 1000;

/**
 * The menu's choices from `now`: `{id, label, until}` each.
 * @param {Date} now
 * @returns {{id: 'hour' | 'tomorrow' | 'next-week', label: string, until: Date}[]}
 */
export function snoozeChoices(now) {
  const hour = new Date(now.getTime() + 3600 * 1000);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, MORNING_HOUR, 0, 0, 0);
  // Next week: the coming Monday (a week on when today is Monday) at 9:00.
  const days = ((8 - now.getDay()) % 7) || 7;
  const nextWeek = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, MORNING_HOUR, 0, 0, 0);
  return [
    { id: 'hour', label: '1 hour', until: hour },
    { id: 'tomorrow', label: `Tomorrow, ${MORNING_HOUR}:00`, until: tomorrow },
    { id: 'next-week', label: `Next week (Monday, ${MORNING_HOUR}:00)`, until: nextWeek },
  ];
}

/**
 * A `datetime-local` field's value (`2026-05-01T14:30`, seconds optional) as a moment in the
 * agent's time zone, or null when it is not one.
 * @param {string} value
 */
export function parseLocal(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(year, month - 1, day, hour, minute, second, 0);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return date;
}

/** A moment as a `datetime-local` value (to the minute), in the agent's time zone. @param {Date} date */
export function toLocalInput(date) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * What is wrong with snoozing until `until`, or '' when nothing is.
 * @param {Date | null} until @param {Date} now
 */
export function snoozeProblem(until, now) {
  if (!until) return 'Choose a date and a time.';
  if (until.getTime() <= now.getTime()) return 'Choose a time ahead.';
  if (until.getTime() - now.getTime() > MAX_SNOOZE_MS) return 'Choose a time within a year.';
  return '';
}
