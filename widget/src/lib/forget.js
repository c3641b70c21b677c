// @ts-check
/**
 * "Delete my conversations": the confirmation, the request that erases the visitor
 * (`DELETE /api/v1/widget/me`, the visitor token as the bearer, as uploads do), and the line
 * that says it is done. Loaded by the view the first time the visitor asks (`import()`, a chunk
 * of its own), so it imports nothing: what it needs of the panel comes in the `kit`.
 */

/**
 * @typedef {import('./view.js').Kit} Kit
 * @typedef {{token: string, siteKey: string}} Auth
 * @typedef {object} ForgetActions
 * @property {() => Auth | null} auth the visitor's token (null: no visitor was made here)
 * @property {(erase: () => Promise<boolean>) => Promise<boolean>} forget the chat forgets the
 *   visitor (and the loader every `parley:` key) once `erase` resolves true
 * @property {(done: boolean) => void} closed the confirmation went away: erased, or cancelled
 */

/**
 * Whether an answer to the erasure means the visitor is gone: erased now (204), or already
 * (401: the token is refused; 404). Anything else (429, 5xx, no answer: 0) keeps everything
 * for another try.
 * @param {number} status
 */
export function erased(status) {
  return status === 204 || status === 401 || status === 404;
}

/**
 * Asks the server to erase the visitor, their conversations, messages and files on this site.
 * Never rejects.
 * @param {Auth | null} auth
 * @param {(url: string, init: RequestInit) => Promise<{status: number}>} fetchFn
 * @returns {Promise<boolean>} whether the visitor is gone
 */
export async function eraseVisitor(auth, fetchFn) {
  if (!auth) return true; // no token: the server never knew this browser
  try {
    const response = await fetchFn(`/api/v1/widget/me?site_key=${encodeURIComponent(auth.siteKey)}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${auth.token}` },
      credentials: 'omit',
    });
    return erased(response.status);
  } catch {
    return false;
  }
}

/**
 * The confirmation (hidden until `open()`) and the line shown once erased.
 * @param {Kit} kit @param {ForgetActions} actions
 */
export function createForget(kit, actions) {
  const { doc, el, bind } = kit;
  const yes = bind(el(doc, 'button', { type: 'button', class: 'danger', 'data-testid': 'parley-forget-confirm' }), 'text', 'forget_yes');
  const no = bind(el(doc, 'button', { type: 'button', class: 'plain', 'data-testid': 'parley-forget-cancel' }), 'text', 'end_no');
  const error = el(doc, 'p', { class: 'error', role: 'alert', 'data-testid': 'parley-forget-error', hidden: true });
  const confirm = el(doc, 'div', { class: 'confirm', role: 'group', 'aria-labelledby': 'parley-forget-text', 'data-testid': 'parley-forget-bar', hidden: true },
    bind(el(doc, 'p', { id: 'parley-forget-text' }), 'text', 'forget_confirm'), error, yes, no);
  const done = bind(el(doc, 'p', { class: 'ended', role: 'status', 'data-testid': 'parley-forget-done', hidden: true }), 'text', 'forget_done');

  no.addEventListener('click', () => {
    confirm.hidden = true;
    actions.closed(false);
  });
  yes.addEventListener('click', async () => {
    yes.setAttribute('disabled', '');
    error.hidden = true;
    const gone = await actions.forget(() => eraseVisitor(actions.auth(), (url, init) => fetch(url, init)));
    yes.removeAttribute('disabled');
    if (!gone) {
      error.textContent = kit.strings().forget_failed;
      error.hidden = false;
      return;
    }
    confirm.hidden = true;
    done.hidden = false;
    actions.closed(true);
  });

  return {
    element: el(doc, 'div', {}, confirm, done),
    /** Shows the confirmation, the focus on Cancel (nothing is erased by a stray Enter). */
    open() {
      done.hidden = error.hidden = true;
      confirm.hidden = false;
      no.focus();
    },
  };
}
