// @ts-check
/**
 * The profile's picture: the one visitors see beside this agent's replies and in the widget's
 * header. A chosen file is previewed here first, checked (kind, size), then uploaded as its
 * bytes (`PUT /me/avatar`; the server keeps a small square of it); Remove goes back to the
 * initial. The top bar follows through the workspace's `me`.
 */
import { h } from '../lib/dom.js';
import { AVATAR_TYPES, checkAvatar } from '../lib/profile.js';
import { errorLine, statusLine } from './admin/common.js';

/**
 * @param {import('./shell.js').AppContext} ctx
 * @returns {{el: HTMLElement, show: (url: string | null) => void}}
 */
export function avatarSection(ctx) {
  const ws = ctx.desk.workspace;
  /** @type {string | null} the server's picture */
  let saved = ws.me?.avatar_url ?? null;
  /** @type {File | null} chosen, not yet uploaded */
  let chosen = null;
  /** @type {string} the chosen file as a `data:` URL (the page's CSP takes no `blob:` pictures) */
  let previewUrl = '';

  const picture = h('img', { class: 'profile-avatar', testid: 'profile-avatar', alt: 'Your picture', hidden: true });
  const initial = h('span', { class: 'profile-avatar initial', testid: 'profile-avatar-initial', attrs: { 'aria-hidden': 'true' } });
  const input = h('input', { type: 'file', id: 'profile-avatar-file', testid: 'profile-avatar-file', accept: AVATAR_TYPES.join(','), class: 'file-input' });
  const upload = h('button', { type: 'button', class: 'button primary', testid: 'profile-avatar-upload', text: 'Upload', hidden: true, on: { click: send } });
  const remove = h('button', { type: 'button', class: 'button', testid: 'profile-avatar-remove', text: 'Remove picture', on: { click: drop } });
  const error = errorLine('profile-avatar-error');
  const status = statusLine('profile-avatar-status');
  input.setAttribute('aria-describedby', 'profile-avatar-hint');

  input.addEventListener('change', () => {
    status.textContent = '';
    const file = input.files?.[0] ?? null;
    const problem = file ? checkAvatar(file) : null;
    error.textContent = problem ?? '';
    chosen = file && !problem ? file : null;
    previewUrl = '';
    if (!chosen) input.value = '';
    render();
    if (chosen) readPreview(chosen);
  });

  /** Shows the chosen file once read, unless another was chosen meanwhile. @param {File} file */
  function readPreview(file) {
    const reader = new FileReader();
    reader.addEventListener('load', () => {
      if (chosen !== file || typeof reader.result !== 'string') return;
      previewUrl = reader.result;
      render();
    });
    reader.readAsDataURL(file);
  }

  async function send() {
    if (!chosen) return;
    const file = chosen;
    error.textContent = '';
    upload.disabled = true;
    upload.textContent = 'Uploading…';
    try {
      const agent = await ctx.api.setAvatar(file);
      chosen = null;
      input.value = '';
      accept(agent);
      status.textContent = 'Your picture is saved.';
    } catch (err) {
      error.textContent = /** @type {Error} */ (err).message;
    } finally {
      upload.disabled = false;
      upload.textContent = 'Upload';
      render();
    }
  }

  async function drop() {
    error.textContent = '';
    status.textContent = '';
    remove.disabled = true;
    try {
      accept(await ctx.api.removeAvatar());
      status.textContent = 'Your picture is removed.';
      input.focus();
    } catch (err) {
      error.textContent = /** @type {Error} */ (err).message;
    } finally {
      remove.disabled = false;
      render();
    }
  }

  /** The agent the server answered: its picture here and in the top bar. @param {any} agent */
  function accept(agent) {
    saved = agent?.avatar_url ?? null;
    if (ws.me) ws.setMe({ ...ws.me, avatar_url: saved });
  }

  function render() {
    if (!chosen) previewUrl = '';
    const src = chosen ? previewUrl : saved;
    if (src) picture.src = src;
    picture.hidden = !src;
    picture.alt = chosen ? 'The picture you chose (not uploaded yet)' : 'Your picture';
    initial.hidden = Boolean(src);
    initial.textContent = (ws.me?.name ?? '?').trim().slice(0, 1).toUpperCase() || '?';
    upload.hidden = !chosen;
    remove.hidden = Boolean(chosen) || !saved;
    picture.dataset.state = chosen ? 'preview' : saved ? 'saved' : 'none';
  }

  render();
  const el = h('div', { class: 'admin-form', testid: 'profile-avatar-section' },
    h('fieldset', {}, h('legend', { text: 'Picture' }),
      h('div', { class: 'avatar-row' }, picture, initial,
        h('div', { class: 'field' },
          h('label', { htmlFor: input.id, text: 'Choose a picture' }), input,
          h('span', { class: 'hint muted small', id: 'profile-avatar-hint', text: 'JPEG, PNG, GIF or WebP, at most 5 MB. Visitors see it beside your replies.' }))),
      error, status, h('div', { class: 'row' }, upload, remove)));
  return {
    el,
    /** The picture the server holds (from `GET /me`). @param {string | null} url */
    show(url) {
      saved = url;
      render();
    },
  };
}
