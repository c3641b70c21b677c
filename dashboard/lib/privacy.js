// @ts-check
/**
 * Privacy and data without the DOM: the workspace's retention (conversations resolved more
 * than N days ago are deleted, or kept forever: null) as the form shows and sends it, checked by
 * the server's rule (1 to 3650 days); what erasing a visitor says it erases.
 */

/** The server's bounds for `retention_days` (migrations/*\/0015_privacy.sql). */
export const RETENTION_MIN_DAYS = 1;
export const RETENTION_MAX_DAYS = 3650;
/** What the number field shows when retention is switched on from off. */
export const RETENTION_DEFAULT_DAYS = 365;

/**
 * The retention the server holds, as the form shows it: on with a number of days, or off.
 * Anything that is not a whole number of days in range reads as off (kept forever).
 * @param {unknown} days `retention_days` of `GET /workspace`
 * @returns {{on: boolean, days: string}}
 */
export function retentionForm(days) {
  const valid = typeof days === 'number' && Number.isInteger(days) && days >= RETENTION_MIN_DAYS && days <= RETENTION_MAX_DAYS;
  return valid ? { on: true, days: String(days) } : { on: false, days: String(RETENTION_DEFAULT_DAYS) };
}

/**
 * The form's answer as `retention_days` for `PATCH /workspace`, or what is wrong with it.
 * Off sends null (whatever the number field holds); on needs a whole number of days, 1 to 3650
 * (spaces around it are forgiven).
 * @param {boolean} on @param {string} text the number field
 * @returns {{days: number | null} | {error: string}}
 */
export function parseRetention(on, text) {
  if (!on) return { days: null };
  const trimmed = text.trim();
  if (!trimmed) return { error: 'Enter a number of days.' };
  if (!/^\d+$/.test(trimmed)) return { error: `Enter a whole number of days, from ${RETENTION_MIN_DAYS} to ${RETENTION_MAX_DAYS}.` };
  const days = Number(trimmed);
  if (days < RETENTION_MIN_DAYS || days > RETENTION_MAX_DAYS) {
    return { error: `Enter a number of days from ${RETENTION_MIN_DAYS} to ${RETENTION_MAX_DAYS} (about ten years).` };
  }
  return { days };
}

/**
 * The retention in one sentence, as the page says what is saved.
 * @param {number | null} days
 */
export function retentionSentence(days) {
  if (days === null) return 'Conversations are kept until someone deletes them.';
  const span = days === 1 ? '1 day' : `${days} days`;
  return `Conversations resolved more than ${span} ago are deleted, with their messages and files.`;
}

/**
 * The question before erasing a visitor, naming what goes.
 * @param {string} name the visitor as the panel names them
 * @param {number | null} conversations how many conversations of theirs are known (null: unknown)
 */
export function eraseQuestion(name, conversations) {
  const theirs = conversations === null ? 'their conversations' : conversations === 1 ? 'their 1 conversation' : `their ${conversations} conversations`;
  return `Erase “${name}”? Their profile and ${theirs}, with every message and file, are deleted for good. This cannot be undone.`;
}
