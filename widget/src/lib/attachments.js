// @ts-check
/**
 * Files in the panel: the tray of files chosen for the next message (a chip each, with its
 * name, size, upload progress, the reason it failed, Retry and Remove) and the files a message
 * carries in the timeline (a picture for an image, opening the full image in a new tab; a chip
 * with an icon, the name and the size, linking to the download, for anything else; a chip
 * without a link in a message not sent yet).
 *
 * Loaded by the view only when first needed (`import()`, a chunk of its own with
 * `common/uploads.js`): the visitor attaches, pastes or drops a file, or a message with files is
 * shown. So it imports nothing the panel's first-open bundle has: what it needs of the panel
 * comes in the `kit`.
 */
import { MAX_UPLOAD_BYTES, Tray, UPLOAD_PATH, fileKind, formatSize, isPicture, readAttachments, xhrTransport } from '../../../common/uploads.js';

/**
 * @typedef {import('./view.js').Kit} Kit
 * @typedef {import('../../../common/uploads.js').Upload} Upload
 * @typedef {import('../../../common/uploads.js').Attachment} Attachment
 * @typedef {import('./view.js').UploadAuth} UploadAuth
 *
 * @typedef {object} TrayEnv
 * @property {() => (UploadAuth | null | Promise<UploadAuth | null>)} auth the visitor's token and
 *   site (a promise of them before the first welcome)
 * @property {() => void} changed the tray's state changed (the composer may say so)
 * @property {() => void} focusComposer where the focus goes when the last chip goes
 */

/** The files' icons (the remove button's is the panel's close icon, from the kit). */
const ICONS = {
  file: 'M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm7 1.5V9h5.5z',
  image: 'M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm0 14h14l-4.5-6-3.5 4.5-2.5-3z',
};

/** A size in the current language's words. @param {Kit} kit @param {number} bytes */
function size(kit, bytes) {
  const t = kit.strings();
  return formatSize(bytes, kit.lang(), { b: t.size_b, kb: t.size_kb, mb: t.size_mb });
}

/**
 * What a chip says of a file that cannot go: refused before uploading, or by the server (its
 * own words when they say more than the panel's: which type the site refuses).
 * @param {Kit} kit @param {Upload} upload
 */
export function problemText(kit, upload) {
  const t = kit.strings();
  const code = upload.problem ?? upload.error?.code ?? '';
  switch (code) {
    case 'too_large':
      return kit.format(t.file_too_large, { max: size(kit, MAX_UPLOAD_BYTES) });
    case 'rate_limited':
      return t.file_busy;
    case 'forbidden':
      return t.file_refused;
    case 'empty':
    case 'network':
    case 'unavailable':
    case 'aborted':
    case 'unauthorized':
    case 'error':
      return t.file_failed;
    default:
      return upload.error?.message || t.file_failed;
  }
}

/**
 * The tray above the composer. `add(files)` uploads them at once (at most 10 a message);
 * `state()` says whether the message may go; `attachments()` are what it carries; `clear()`
 * after it went.
 * @param {Kit} kit @param {TrayEnv} env
 */
export function createTray(kit, env) {
  const { doc, el } = kit;
  const list = el(doc, 'ul', { class: 'uploads', 'data-testid': 'parley-uploads', hidden: true });
  const note = el(doc, 'p', { class: 'error', role: 'alert', 'data-testid': 'parley-uploads-error', hidden: true });
  const element = el(doc, 'div', { class: 'tray' }, list, note);
  /** @type {Map<string, {li: HTMLElement, sig: string}>} */
  const chips = new Map();
  const tray = new Tray({
    transport: xhrTransport({
      target: () => {
        /** @param {UploadAuth | null} auth */
        const where = (auth) => (auth ? { url: `${UPLOAD_PATH}?site_key=${encodeURIComponent(auth.siteKey)}`, token: auth.token } : null);
        const auth = env.auth();
        return auth && 'then' in auth ? auth.then(where) : where(auth);
      },
    }),
    changed: (upload) => {
      if (upload && upload.state !== 'removed') paint(upload);
      else render();
      env.changed();
    },
  });

  /** Rebuilds the list in the tray's order, reusing chips. */
  function render() {
    list.setAttribute('aria-label', kit.strings().files);
    const keep = new Set(tray.uploads.map((u) => u.key));
    for (const [key, chip] of chips) {
      if (keep.has(key)) continue;
      chip.li.remove();
      chips.delete(key);
    }
    for (const upload of tray.uploads) {
      paint(upload);
      list.appendChild(/** @type {{li: HTMLElement}} */ (chips.get(upload.key)).li);
    }
    list.hidden = tray.count === 0;
    if (!tray.count) note.hidden = true;
  }

  /** One chip, rebuilt when its state changes; its progress bar moves in place. @param {Upload} upload */
  function paint(upload) {
    const t = kit.strings();
    let chip = chips.get(upload.key);
    if (!chip) {
      chip = { li: el(doc, 'li', { class: 'chip', 'data-testid': 'parley-upload' }), sig: '' };
      chips.set(upload.key, chip);
    }
    const sig = `${upload.state}|${upload.error?.code ?? ''}|${kit.lang()}`;
    const li = chip.li;
    if (chip.sig === sig) {
      const bar = /** @type {HTMLProgressElement | null} */ (li.querySelector('progress'));
      if (bar) bar.value = upload.progress;
      return;
    }
    const hadFocus = li.contains(doc.activeElement);
    chip.sig = sig;
    li.replaceChildren();
    li.setAttribute('data-state', upload.state);
    li.setAttribute('data-kind', fileKind(upload.type, upload.name));
    li.appendChild(kit.icon(fileKind(upload.type, upload.name) === 'image' ? ICONS.image : ICONS.file));
    li.appendChild(el(doc, 'span', { class: 'chip-text' },
      el(doc, 'span', { class: 'chip-name', text: upload.name, title: upload.name }),
      el(doc, 'span', { class: 'chip-size', text: size(kit, upload.size) })));
    if (upload.state === 'failed') {
      const retry = el(doc, 'button', { type: 'button', class: 'chip-retry', 'data-testid': 'parley-upload-retry', text: t.file_retry });
      retry.addEventListener('click', () => {
        tray.retry(upload.key);
        focusChip(upload.key);
      });
      li.appendChild(retry);
    }
    const remove = el(doc, 'button', { type: 'button', class: 'chip-remove', 'data-testid': 'parley-upload-remove', 'aria-label': kit.format(t.file_remove, { name: upload.name }), title: kit.format(t.file_remove, { name: upload.name }) }, kit.icon(kit.closeIcon));
    remove.addEventListener('click', () => {
      const at = tray.uploads.indexOf(upload);
      tray.remove(upload.key);
      const next = tray.uploads[at] ?? tray.uploads[at - 1];
      if (next) focusChip(next.key);
      else env.focusComposer();
    });
    li.appendChild(remove);
    // Below the name, the whole width: the progress, or why the file cannot go.
    if (upload.state === 'uploading') {
      const bar = /** @type {HTMLProgressElement} */ (el(doc, 'progress', { max: '1', 'data-testid': 'parley-upload-progress', 'aria-label': kit.format(t.file_uploading, { name: upload.name }) }));
      bar.value = upload.progress;
      li.appendChild(bar);
    }
    if (upload.state === 'failed' || upload.state === 'invalid') {
      li.appendChild(el(doc, 'span', { class: 'chip-error', 'data-testid': 'parley-upload-error', text: problemText(kit, upload) }));
    }
    if (hadFocus) focusChip(upload.key);
  }

  /** The focus on a chip's Remove button (its Retry button is rebuilt). @param {string} key */
  function focusChip(key) {
    const button = /** @type {HTMLElement | null} */ (chips.get(key)?.li.querySelector('.chip-remove') ?? null);
    button?.focus();
  }

  return {
    element,
    /** @param {Iterable<File>} files */
    add(files) {
      const { refused } = tray.add(files);
      render();
      note.hidden = !refused;
      note.textContent = refused ? kit.format(kit.strings().files_too_many, { n: tray.maxFiles }) : '';
    },
    state: () => tray.state(),
    attachments: () => tray.attachments(),
    clear() {
      tray.clear();
      render();
    },
    /** The language changed. */
    relabel() {
      for (const chip of chips.values()) chip.sig = '';
      render();
    },
  };
}

/**
 * The files of a message, for the timeline: a picture (the preview, else the image) opening
 * the image in a new tab, or a chip linking to the download; without links (a message not
 * sent yet), chips alone.
 * @param {Kit} kit
 * @param {unknown} attachments the message's (or the unsent message's)
 * @param {{grown?: (px: number) => void}} [hooks] `grown`: a picture loaded and took room
 */
export function renderFiles(kit, attachments, hooks = {}) {
  const { doc, el } = kit;
  const t = kit.strings();
  const list = el(doc, 'ul', { class: 'files', 'data-testid': 'parley-files', 'aria-label': t.files });
  for (const a of readAttachments(attachments)) list.appendChild(el(doc, 'li', {}, fileNode(kit, a, hooks)));
  return list;
}

/** @param {Kit} kit @param {Attachment} a @param {{grown?: (px: number) => void}} hooks */
function fileNode(kit, a, hooks) {
  const { doc, el } = kit;
  const t = kit.strings();
  const kind = fileKind(a.content_type, a.name);
  if (a.url && isPicture(a)) {
    const img = /** @type {HTMLImageElement} */ (el(doc, 'img', { alt: a.name, loading: 'lazy', decoding: 'async' }));
    img.addEventListener('load', () => hooks.grown?.(img.offsetHeight), { once: true });
    // A preview that cannot be had: the image itself.
    img.addEventListener('error', () => {
      if (a.url && img.src !== a.url) img.src = a.url;
    }, { once: true });
    img.src = a.thumbnail_url || a.url;
    return el(doc, 'a', {
      class: 'file-image', href: a.url, target: '_blank', rel: 'noopener noreferrer',
      title: kit.format(t.file_open, { name: a.name }), 'data-testid': 'parley-file-image',
    }, img);
  }
  const attrs = { class: 'file', 'data-kind': kind, 'data-testid': 'parley-file', title: a.name };
  const parts = [
    kit.icon(kind === 'image' ? ICONS.image : ICONS.file),
    el(doc, 'span', { class: 'file-name', text: a.name }),
    el(doc, 'span', { class: 'file-size', text: size(kit, a.size) }),
  ];
  // Not `download`: the panel's iframe is sandboxed, and a download it starts itself is
  // refused; a new tab is not, and the server serves the file as an attachment.
  if (a.url) return el(doc, 'a', { ...attrs, href: a.url, target: '_blank', rel: 'noopener noreferrer' }, ...parts);
  return el(doc, 'span', attrs, ...parts);
}
