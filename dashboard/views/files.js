// @ts-check
/**
 * Files in the dashboard: the files a message carries (a thumbnail for an image, opening the
 * image viewer; a chip with the kind, the name and the size, downloading the file, for the
 * rest; chips without links for a reply not sent yet), the image viewer (`Lightbox`: a modal
 * `<dialog>` with the image, its name and a download link, closed by Escape, a click or its
 * button, the focus back where it was), the tray of files chosen for the next reply
 * (`UploadTray`: a chip each with progress, the reason it failed, Retry and Remove; files
 * uploaded before, a canned response's, join it done), and the drop zone over the
 * conversation (or the canned response's form). The rules (sizes, checks, states, uploads)
 * are those of common/uploads.js, shared with the widget.
 */
import { h, replace, trapFocus } from '../lib/dom.js';
import { MAX_UPLOAD_BYTES, Tray, fileKind, formatSize, isPicture, readAttachments } from '../../common/uploads.js';
import { draggingFiles, filesFrom } from '../../common/picking.js';

/** @typedef {import('../../common/uploads.js').Attachment} Attachment */
/** @typedef {import('../../common/uploads.js').Upload} Upload */
/** @typedef {import('../../common/uploads.js').Uploaded} Uploaded */

/** A size in words (`1.2 MB`). @param {number} bytes */
export const size = (bytes) => formatSize(bytes, 'en');

/** What a file's badge says: its extension, else its kind. @param {Attachment | {name: string, content_type: string}} a */
function badge(a) {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(a.name)?.[1];
  return (ext ?? fileKind(a.content_type, a.name)).toUpperCase();
}

/**
 * A message's files, or null when it has none.
 * @param {unknown} attachments the message's (or the unsent reply's)
 * @param {{open?: (a: Attachment, trigger: HTMLElement) => void}} [actions] `open`: an image
 *   is shown in the viewer
 */
export function filesList(attachments, actions = {}) {
  const files = readAttachments(attachments);
  if (!files.length) return null;
  return h('ul', { class: 'message-files', testid: 'message-files', attrs: { 'aria-label': 'Files' } },
    files.map((a) => h('li', {}, fileNode(a, actions))));
}

/** @param {Attachment} a @param {{open?: (a: Attachment, trigger: HTMLElement) => void}} actions */
function fileNode(a, actions) {
  const kind = fileKind(a.content_type, a.name);
  if (a.url && isPicture(a)) {
    const img = h('img', { alt: a.name, loading: 'lazy', decoding: 'async' });
    // A preview that cannot be had: the image itself.
    img.addEventListener('error', () => {
      if (a.url && img.src !== a.url) img.src = a.url;
    }, { once: true });
    img.src = a.thumbnail_url || a.url;
    const button = h('button', {
      type: 'button', class: 'file-thumb', testid: 'file-image', title: `${a.name} (${size(a.size)})`,
      dataset: { name: a.name }, attrs: { 'aria-label': `View image ${a.name}` },
    }, img);
    button.addEventListener('click', () => actions.open?.(a, button));
    return button;
  }
  const parts = [
    h('span', { class: 'file-badge', dataset: { kind }, attrs: { 'aria-hidden': 'true' }, text: badge(a) }),
    h('span', { class: 'file-name', text: a.name }),
    h('span', { class: 'file-size muted', text: size(a.size) }),
  ];
  if (!a.url) return h('span', { class: 'file-chip', testid: 'file-chip', dataset: { kind }, title: a.name }, parts);
  return h('a', {
    class: 'file-chip', testid: 'file-chip', href: a.url, download: a.name, target: '_blank', rel: 'noopener noreferrer',
    dataset: { kind }, title: `Download ${a.name}`,
  }, parts);
}

/**
 * The image viewer: one modal `<dialog>` at a time, with the image, its name and a download
 * link. Escape, a click on the image or around it, or Close shut it; the focus goes back to
 * the thumbnail that opened it.
 */
export class Lightbox {
  constructor() {
    /** @type {HTMLDialogElement | null} */
    this.dialog = null;
    /** @type {(() => void) | undefined} closes the one open */
    this.done = undefined;
  }

  /** @param {Attachment} a @param {HTMLElement | null} [trigger] */
  open(a, trigger = null) {
    this.close();
    if (!a.url) return;
    const image = h('img', { class: 'lightbox-image', testid: 'lightbox-image', src: a.url, alt: a.name });
    const close = h('button', { type: 'button', class: 'button', testid: 'lightbox-close', text: 'Close' });
    const dialog = h('dialog', { class: 'lightbox', testid: 'lightbox', attrs: { 'aria-label': a.name } },
      h('figure', {},
        image,
        h('figcaption', { class: 'row' },
          h('span', { class: 'lightbox-name', testid: 'lightbox-name', text: a.name }),
          h('span', { class: 'muted small', text: size(a.size) }),
          h('a', { class: 'button', testid: 'lightbox-download', href: a.url, download: a.name, text: 'Download' }),
          close)));
    const done = () => {
      if (this.dialog !== dialog) return;
      this.dialog = null;
      if (dialog.open) dialog.close();
      dialog.remove();
      trigger?.focus();
    };
    close.addEventListener('click', done);
    image.addEventListener('click', done);
    // A click on the dialog itself is on its backdrop (the figure covers its content).
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) done();
    });
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done();
    });
    this.dialog = dialog;
    this.done = done;
    trapFocus(dialog);
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
  }

  close() {
    this.done?.();
    this.done = undefined;
  }
}

/**
 * The files chosen for the next reply, a chip each (name, size, progress, the reason it
 * failed, Retry, Remove), uploading as soon as they are added.
 */
export class UploadTray {
  /**
   * @param {{transport: import('../../common/uploads.js').Transport, changed?: () => void,
   *   focusAfterLast?: () => void, label?: string, per?: string}} env `label`: the list's
   *   (`Files to send`); `per`: what the limit is per (`message`)
   */
  constructor(env) {
    this.env = env;
    /** @type {Map<string, {li: HTMLElement, sig: string}>} */
    this.chips = new Map();
    this.list = h('ul', { class: 'upload-tray', testid: 'upload-tray', hidden: true, attrs: { 'aria-label': env.label ?? 'Files to send' } });
    this.note = h('p', { class: 'form-error', testid: 'upload-tray-error', attrs: { role: 'alert' } });
    this.el = h('div', { class: 'uploads', hidden: true }, this.list, this.note);
    this.tray = new Tray({
      transport: env.transport,
      changed: (upload) => {
        if (upload && upload.state !== 'removed') this.paint(upload);
        else this.render();
        env.changed?.();
      },
    });
  }

  /** Files chosen: uploaded at once. @param {Iterable<File>} files */
  add(files) {
    this.added(this.tray.add(files).refused);
  }

  /**
   * Files uploaded before (a canned response's `{id, name, size, content_type}`): chips done at
   * once, each file once.
   * @param {unknown} refs
   */
  attach(refs) {
    this.added(this.tray.attach(refs).refused);
  }

  /** @param {number} refused how many were over the limit */
  added(refused) {
    this.render();
    this.note.textContent = refused ? `At most ${this.tray.maxFiles} files per ${this.env.per ?? 'message'}.` : '';
    this.el.hidden = this.list.hidden && !this.note.textContent;
  }

  /** @returns {'empty' | 'busy' | 'blocked' | 'ready'} */
  state() {
    return this.tray.state();
  }

  /** @returns {Uploaded[]} */
  attachments() {
    return this.tray.attachments();
  }

  get count() {
    return this.tray.count;
  }

  clear() {
    this.tray.clear();
    this.note.textContent = '';
    this.render();
  }

  render() {
    const keep = new Set(this.tray.uploads.map((u) => u.key));
    for (const [key, chip] of this.chips) {
      if (keep.has(key)) continue;
      chip.li.remove();
      this.chips.delete(key);
    }
    for (const upload of this.tray.uploads) {
      this.paint(upload);
      this.list.append(/** @type {{li: HTMLElement}} */ (this.chips.get(upload.key)).li);
    }
    this.list.hidden = this.tray.count === 0;
    this.el.hidden = this.list.hidden && !this.note.textContent;
  }

  /** @param {Upload} upload */
  paint(upload) {
    let chip = this.chips.get(upload.key);
    if (!chip) {
      chip = { li: h('li', { class: 'upload-chip', testid: 'upload-chip' }), sig: '' };
      this.chips.set(upload.key, chip);
    }
    const li = chip.li;
    const sig = `${upload.state}|${upload.error?.code ?? ''}`;
    if (chip.sig === sig) {
      const bar = /** @type {HTMLProgressElement | null} */ (li.querySelector('progress'));
      if (bar) bar.value = upload.progress;
      return;
    }
    const hadFocus = li.contains(document.activeElement);
    chip.sig = sig;
    li.dataset.state = upload.state;
    li.dataset.name = upload.name;
    const kind = fileKind(upload.type, upload.name);
    const retry = upload.state === 'failed'
      ? h('button', { type: 'button', class: 'link-button', testid: 'upload-retry', text: 'Retry', on: { click: () => {
        this.tray.retry(upload.key);
        this.focusChip(upload.key);
      } } })
      : null;
    const remove = h('button', {
      type: 'button', class: 'chip-remove', testid: 'upload-remove', text: '×',
      attrs: { 'aria-label': `Remove ${upload.name}`, title: `Remove ${upload.name}` },
      on: { click: () => {
        const at = this.tray.uploads.indexOf(upload);
        this.tray.remove(upload.key);
        const next = this.tray.uploads[at] ?? this.tray.uploads[at - 1];
        if (next) this.focusChip(next.key);
        else this.env.focusAfterLast?.();
      } },
    });
    let bar = null;
    if (upload.state === 'uploading') {
      bar = h('progress', { max: 1, value: upload.progress, testid: 'upload-progress', attrs: { 'aria-label': `Uploading ${upload.name}` } });
    }
    const problem = upload.state === 'failed' || upload.state === 'invalid'
      ? h('span', { class: 'upload-error', testid: 'upload-error', text: problemText(upload) })
      : null;
    replace(li,
      h('span', { class: 'file-badge', dataset: { kind }, attrs: { 'aria-hidden': 'true' }, text: badge({ name: upload.name, content_type: upload.type }) }),
      h('span', { class: 'file-name', text: upload.name, title: upload.name }),
      h('span', { class: 'file-size muted', text: size(upload.size) }),
      retry, remove, bar, problem);
    if (hadFocus) this.focusChip(upload.key);
  }

  /** @param {string} key */
  focusChip(key) {
    /** @type {HTMLElement | null | undefined} */ (this.chips.get(key)?.li.querySelector('.chip-remove'))?.focus();
  }
}

/**
 * Why what the files are for (a reply, a canned response) must wait, in words: files still
 * uploading, or some that failed or were refused; null when it may go.
 * @param {'empty' | 'busy' | 'blocked' | 'ready'} state the tray's
 */
export function waitText(state) {
  if (state === 'busy') return 'Wait until the files are uploaded.';
  if (state === 'blocked') return 'Retry or remove the files that could not be uploaded.';
  return null;
}

/**
 * Why a chosen file cannot go, in words: refused before uploading, or the server's own words.
 * @param {Upload} upload
 */
export function problemText(upload) {
  if (upload.problem === 'too_large') return `Too large: ${size(MAX_UPLOAD_BYTES)} at most.`;
  if (upload.problem === 'empty') return 'This file is empty.';
  const e = upload.error;
  if (!e) return '';
  if (e.message) return e.retryAfter ? `${e.message} (retry in ${e.retryAfter} s)` : e.message;
  switch (e.code) {
    case 'too_large':
      return `Too large: ${size(MAX_UPLOAD_BYTES)} at most.`;
    case 'rate_limited':
      return 'Too many files at once. Retry in a moment.';
    case 'network':
      return 'The server cannot be reached.';
    case 'unauthorized':
      return 'Your session has ended.';
    default:
      return 'Could not upload this file.';
  }
}

/**
 * Files dragged over `zone` show `hint` and are handed to `take` when dropped; anything else
 * dragged (text, a link) is left alone.
 * @param {HTMLElement} zone @param {HTMLElement} hint @param {(files: File[]) => void} take
 * @returns {() => void} removes the listeners
 */
export function dropZone(zone, hint, take) {
  let depth = 0;
  hint.hidden = true;
  /** @param {DragEvent} e */
  const over = (e) => {
    if (!draggingFiles(e.dataTransfer)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    if (e.type === 'dragenter') {
      depth++;
      hint.hidden = false;
    }
  };
  const leave = () => {
    depth = Math.max(0, depth - 1);
    if (!depth) hint.hidden = true;
  };
  /** @param {DragEvent} e */
  const drop = (e) => {
    depth = 0;
    hint.hidden = true;
    if (!draggingFiles(e.dataTransfer)) return;
    e.preventDefault();
    take(filesFrom(e.dataTransfer));
  };
  zone.addEventListener('dragenter', over);
  zone.addEventListener('dragover', over);
  zone.addEventListener('dragleave', leave);
  zone.addEventListener('drop', drop);
  return () => {
    zone.removeEventListener('dragenter', over);
    zone.removeEventListener('dragover', over);
    zone.removeEventListener('dragleave', leave);
    zone.removeEventListener('drop', drop);
  };
}
