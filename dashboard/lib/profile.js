// @ts-check
/**
 * The agent's own profile without the DOM: the server's rules for a name (1 to 200 characters,
 * trimmed) and for a password change (the current password, then a new one of 8 to 256
 * characters typed twice alike), checked before asking, and what a refusal of `PATCH /me`
 * says.
 */
import { charCount, checkNewPassword } from './reset.js';

/** The longest name the server takes (`name must be 1 to 200 characters`), in characters. */
export const NAME_MAX = 200;

/**
 * What is wrong with a name, or null when the server should take it (trimmed).
 * @param {string} name
 * @returns {string | null}
 */
export function checkName(name) {
  const count = charCount(name.trim());
  if (count === 0) return 'Enter your name.';
  if (count > NAME_MAX) return `Use at most ${NAME_MAX} characters.`;
  return null;
}

/**
 * @typedef {{current: string, password: string, confirm: string}} PasswordChange
 * @typedef {'current' | 'password' | 'confirm'} PasswordField
 */

/**
 * The first thing wrong with a password change, named at its field, or null when the server
 * should accept it (but for whether the current password is right).
 * @param {PasswordChange} change
 * @returns {{field: PasswordField, message: string} | null}
 */
export function checkPasswordChange(change) {
  if (!change.current) return { field: 'current', message: 'Enter your current password.' };
  const problem = checkNewPassword(change.password, change.confirm);
  if (problem) return problem;
  if (change.password === change.current) return { field: 'password', message: 'The new password is the one you have now.' };
  return null;
}

/**
 * What the form says when the server refuses a password change: a wrong current password
 * (403) at that field, too many wrong ones (429) with how long to wait, anything else as the
 * server says it.
 * @param {unknown} err an `ApiError` (or any error)
 * @returns {{field: PasswordField | null, message: string}}
 */
export function passwordChangeError(err) {
  const e = /** @type {{status?: number, retryAfter?: number | null, message?: string}} */ (err ?? {});
  if (e.status === 403) return { field: 'current', message: 'The current password is wrong.' };
  if (e.status === 429) return { field: null, message: `Too many wrong passwords. Try again in ${e.retryAfter ?? 60} seconds.` };
  return { field: null, message: e.message || 'The password could not be changed.' };
}

/** The pictures the server takes for an avatar, and their largest size. */
export const AVATAR_TYPES = Object.freeze(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

/**
 * What is wrong with a file chosen as one's picture, or null (the server reads its bytes and
 * has the last word).
 * @param {{type: string, size: number}} file
 */
export function checkAvatar(file) {
  if (!AVATAR_TYPES.includes(file.type)) return 'Choose a JPEG, PNG, GIF or WebP picture.';
  if (file.size > AVATAR_MAX_BYTES) return 'Choose a picture of at most 5 MB.';
  return null;
}

/** The longest signature the server takes, in characters. */
export const SIGNATURE_MAX = 1000;

/** What is wrong with a signature, or null (empty: none). @param {string} text */
export function checkSignature(text) {
  return charCount(text) > SIGNATURE_MAX ? `Use at most ${SIGNATURE_MAX} characters.` : null;
}
