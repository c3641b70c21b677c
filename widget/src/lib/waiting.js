// @ts-check
/**
 * What a visitor waiting for an agent is told: the team's typical first-reply time
 * (`expected_reply_s` of the welcome and of `queue` frames) and the conversation's place among
 * those waiting for automatic assignment (`queue_position`, null once an agent took it). Pure
 * functions of the numbers and the strings table, so every language words them alike.
 */
import { format } from './i18n.js';

/** Up to this many seconds, the reply is expected "in under a minute". */
const UNDER_A_MINUTE_S = 60;
/** From this many minutes on, the expected time is said in hours. */
const HOUR_MINUTES = 60;

/**
 * "Usually replies in about N minutes", or null when the time is unknown.
 * @param {Record<string, string>} t the strings
 * @param {unknown} seconds `expected_reply_s`
 * @returns {string | null}
 */
export function expectedReplyText(t, seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds <= UNDER_A_MINUTE_S) return t.reply_under_minute;
  const minutes = Math.round(seconds / 60);
  if (minutes < HOUR_MINUTES) return format(minutes === 1 ? t.reply_minutes_one : t.reply_minutes_other, { n: minutes });
  const hours = Math.round(minutes / 60);
  return format(hours === 1 ? t.reply_hours_one : t.reply_hours_other, { n: hours });
}

/**
 * "You are number N in the queue", or null when the conversation is not waiting.
 * @param {Record<string, string>} t the strings
 * @param {unknown} position `queue_position` (1-based; null: an agent took it)
 * @returns {string | null}
 */
export function queueText(t, position) {
  if (!Number.isInteger(position) || /** @type {number} */ (position) < 1) return null;
  return format(t.queue_position, { n: /** @type {number} */ (position) });
}
