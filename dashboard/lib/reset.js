// @ts-check
/**
 * Choosing a password without the DOM: the link an email carries (`#/reset?token=…`, with
 * `&invite=1` for an invited agent's first password), and the server's rule for a password
 * (8 to 256 characters), checked before asking the server.
 */

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/**
 * The token (and whether it is an invitation) of a reset link's fragment, or null when the
 * fragment is not a reset route. A reset route without a token gives `token: ''`: the page says
 * the link is incomplete rather than showing the inbox.
 * @param {string} hash e.g. `#/reset?token=abc&invite=1`
 * @returns {{token: string, invite: boolean} | null}
 */
export function parseResetHash(hash) {
  const match = /^#?\/?reset\/?(?:\?(.*))?$/.exec(hash);
  if (!match) return null;
  const params = new URLSearchParams(match[1] ?? '');
  const invite = params.get('invite');
  return { token: (params.get('token') ?? '').trim(), invite: invite === '1' || invite === 'true' };
}

/**
 * Characters as the server counts them (Unicode scalar values, not UTF-16 units).
 * @param {string} text
 */
export const charCount = (text) => [...text].length;

/**
 * The first thing wrong with a new password and its confirmation, or null when the server
 * should accept it.
 * @param {string} password @param {string} confirm
 * @returns {{field: 'password' | 'confirm', message: string} | null}
 */
export function checkNewPassword(password, confirm) {
  const count = charCount(password);
  if (count < PASSWORD_MIN) return { field: 'password', message: `Use at least ${PASSWORD_MIN} characters.` };
  if (count > PASSWORD_MAX) return { field: 'password', message: `Use at most ${PASSWORD_MAX} characters.` };
  if (password !== confirm) return { field: 'confirm', message: 'The two passwords differ.' };
  return null;
}

/** @param {boolean} invite */
export const resetTitle = (invite) => (invite ? 'Welcome! Choose a password to finish setting up your account' : 'Choose a password');
