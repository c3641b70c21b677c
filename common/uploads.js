// @ts-check
/**
 * Files sent with a message, without the DOM: what a site accepts (`settings.attachments`),
 * the checks made before uploading, sizes in words, the attachments a message carries as the
 * server gives them (links checked), the upload itself (`POST /api/v1/uploads`, multipart, by
 * XMLHttpRequest for its progress events, which fetch does not have), and the state of each
 * file chosen for the next message (`Upload`, `Tray`).
 *
 * Both clients use it: the widget's attachments chunk (widget/src/lib/attachments.js, loaded
 * when the visitor first attaches a file or a message with files is first shown; so it imports
 * nothing the panel's first-open bundle has) and the dashboard's composer and timeline. It
 * imports nothing.
 */

/** `PARLEY_MAX_UPLOAD_BYTES`'s default (10 MiB): bigger files are refused before uploading. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Files one message carries at most (`MAX_PER_MESSAGE` in src/domain/attachments.rs). */
export const MAX_FILES = 10;
/** The kinds of file a site may accept from visitors (`Category` in src/domain/attachments.rs). */
export const CATEGORIES = Object.freeze(['image', 'pdf', 'text', 'office', 'archive', 'other']);
/** What a site accepts unless it says otherwise (`DEFAULT_ACCEPTED`). */
export const DEFAULT_ACCEPT = Object.freeze(['image', 'pdf', 'text', 'office', 'archive']);
/** Images the server shows inline (`detect::inline`): the only ones shown as pictures. */
export const INLINE_IMAGES = Object.freeze(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** The upload endpoint. */
export const UPLOAD_PATH = '/api/v1/uploads';

/**
 * @typedef {{enabled: boolean, accept: string[]}} Policy a site's `settings.attachments`
 * @typedef {{id: string, name: string, size: number, content_type: string}} Uploaded what the
 *   upload answers, and what an unsent message keeps of each file
 * @typedef {Uploaded & {url?: string, thumbnail_url?: string}} Attachment a file as a message
 *   carries it (`url` and `thumbnail_url`: signed links that need no header)
 * @typedef {{code: string, status: number, message: string, retryAfter: number | null}} UploadError
 *   `code`: the server's (`too_large`, `rate_limited`, `forbidden`…), or `network`, `aborted`,
 *   `unauthorized` (no token yet)
 * @typedef {{promise: Promise<Uploaded>, abort: () => void}} Sending
 * @typedef {(file: Blob & {name?: string}, progress: (loaded: number, total: number) => void) => Sending} Transport
 * @typedef {{url: string, token: string}} Target where an upload goes, and with which token
 */

/**
 * A site's attachment policy from its settings, with the server's defaults for what is
 * missing or malformed; unknown kinds are dropped.
 * @param {unknown} settings the widget settings (or anything)
 * @returns {Policy}
 */
export function attachmentPolicy(settings) {
  const raw = /** @type {any} */ (settings)?.attachments;
  const enabled = typeof raw?.enabled === 'boolean' ? raw.enabled : true;
  const accept = Array.isArray(raw?.accept) ? CATEGORIES.filter((c) => raw.accept.includes(c)) : [...DEFAULT_ACCEPT];
  return { enabled, accept };
}

/**
 * A size in words: `512 B`, `1.2 KB`, `3.4 MB` (one decimal under 10, none above), numbers in
 * the language's way, units from `units` (`{n} KB`…; the widget's are translated).
 * @param {number} bytes
 * @param {string} [lang]
 * @param {{b: string, kb: string, mb: string}} [units]
 */
export function formatSize(bytes, lang = 'en', units = { b: '{n} B', kb: '{n} KB', mb: '{n} MB' }) {
  const n = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  /** @param {string} unit @param {number} value */
  const say = (unit, value) => {
    const digits = value < 10 ? 1 : 0;
    let text;
    try {
      text = new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value);
    } catch {
      text = String(Math.round(value * 10 ** digits) / 10 ** digits);
    }
    return unit.replace('{n}', text);
  };
  if (n < 1024) return units.b.replace('{n}', String(Math.round(n)));
  // Rounded first, so that 1023.96 KB reads as 1 MB rather than 1,024 KB.
  const kb = n / 1024;
  if (Math.round(kb * 10) / 10 < 1024) return say(units.kb, kb);
  return say(units.mb, n / (1024 * 1024));
}

/**
 * Why a file cannot be sent, found before uploading it (the server checks again): `too_large`
 * (over `maxBytes`), `empty`; null when it may go.
 * @param {{size: number}} file @param {{maxBytes?: number}} [limits]
 * @returns {'too_large' | 'empty' | null}
 */
export function checkFile(file, { maxBytes = MAX_UPLOAD_BYTES } = {}) {
  if (!file || !Number.isFinite(file.size) || file.size <= 0) return 'empty';
  if (file.size > maxBytes) return 'too_large';
  return null;
}

/**
 * The kind of a file, for its icon: from its type as the server detected it, else its name.
 * @param {string} contentType @param {string} [name]
 * @returns {'image' | 'pdf' | 'text' | 'office' | 'archive' | 'other'}
 */
export function fileKind(contentType, name = '') {
  const type = String(contentType || '').toLowerCase();
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  if (type.startsWith('image/') && type !== 'image/svg+xml') return 'image';
  if (type === 'application/pdf' || (!type && ext === 'pdf')) return 'pdf';
  if (type === 'text/plain' || (!type && /^(txt|csv|log|md)$/.test(ext))) return 'text';
  if (/(msword|ms-excel|ms-powerpoint|officedocument|opendocument|rtf|ole-storage)/.test(type) || (!type && /^(docx?|xlsx?|pptx?|od[tsp]|rtf)$/.test(ext))) return 'office';
  if (/(zip|x-tar|gzip|bzip2|7z|x-xz|rar|zstd)/.test(type) || (!type && /^(zip|tar|gz|tgz|bz2|7z|xz|rar|zst)$/.test(ext))) return 'archive';
  return 'other';
}

/** Whether an attachment is shown as a picture (a raster image the server serves inline). @param {Attachment} a */
export function isPicture(a) {
  return INLINE_IMAGES.includes(a.content_type) && !!(a.thumbnail_url || a.url);
}

/** An http(s) URL, or null: links come from the server, and only those are followed. @param {unknown} value */
function safeUrl(value) {
  if (typeof value !== 'string' || !value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The attachments of a message (or of an unsent one), well-formed ones only, at most
 * `MAX_FILES`: `{id, name, size, content_type}` and, when the server gave them as http(s)
 * links, `url` and `thumbnail_url`.
 * @param {unknown} value a message's `attachments`
 * @returns {Attachment[]}
 */
export function readAttachments(value) {
  if (!Array.isArray(value)) return [];
  /** @type {Attachment[]} */
  const out = [];
  for (const raw of value) {
    if (!raw || typeof raw !== 'object' || typeof raw.id !== 'string' || !raw.id) continue;
    /** @type {Attachment} */
    const a = {
      id: raw.id,
      name: typeof raw.name === 'string' && raw.name ? raw.name : 'file',
      size: Number.isFinite(raw.size) ? raw.size : 0,
      content_type: typeof raw.content_type === 'string' ? raw.content_type : '',
    };
    const url = safeUrl(raw.url);
    const thumb = safeUrl(raw.thumbnail_url);
    if (url) a.url = url;
    if (thumb) a.thumbnail_url = thumb;
    out.push(a);
    if (out.length === MAX_FILES) break;
  }
  return out;
}

/**
 * What an unsent message keeps of its files (`{id, name, size, content_type}`, no links):
 * the well-formed ones, at most `MAX_FILES`.
 * @param {unknown} value @returns {Uploaded[]}
 */
export function fileRefs(value) {
  return readAttachments(value).map(({ id, name, size, content_type }) => ({ id, name, size, content_type }));
}

/**
 * A message in a line (an inbox row, a notification), in English (the dashboard's): its text,
 * or, without text, its files.
 * @param {{body?: string, attachments?: unknown}} message
 */
export function summary(message) {
  const body = typeof message.body === 'string' ? message.body : '';
  if (body.trim()) return body;
  const names = readAttachments(message.attachments).map((a) => a.name);
  return names.length ? `${names.length === 1 ? 'File' : 'Files'}: ${names.join(', ')}` : body;
}

/**
 * An answer of the upload endpoint that is not a success, as an `UploadError`.
 * @param {number} status @param {unknown} body the parsed JSON (or null) @param {string | null} [retryAfter] the header
 * @returns {UploadError}
 */
export function uploadError(status, body, retryAfter = null) {
  const error = /** @type {any} */ (body)?.error;
  const byStatus = /** @type {Record<number, string>} */ ({
    400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 413: 'too_large',
    415: 'unprocessable', 422: 'unprocessable', 429: 'rate_limited', 503: 'unavailable',
  });
  const code = typeof error?.code === 'string' && error.code ? error.code : byStatus[status] ?? (status ? 'error' : 'network');
  const message = typeof error?.message === 'string' ? error.message : '';
  const wait = Number(retryAfter);
  return { code, status, message, retryAfter: Number.isFinite(wait) && wait > 0 ? wait : null };
}

/** What a 201 of the upload endpoint says, checked. @param {unknown} body @returns {Uploaded | null} */
export function uploaded(body) {
  const b = /** @type {any} */ (body);
  if (!b || typeof b.id !== 'string' || !b.id) return null;
  return {
    id: b.id,
    name: typeof b.name === 'string' ? b.name : 'file',
    size: Number.isFinite(b.size) ? b.size : 0,
    content_type: typeof b.content_type === 'string' ? b.content_type : '',
  };
}

/**
 * Uploads by XMLHttpRequest: `POST <url>` with one multipart part named `file`, the bearer
 * token from `target()` read at each attempt (a visitor's token may change at a reconnect),
 * progress reported as the body goes out. `target()` may answer with a promise: a visitor who
 * drops a file before the first welcome waits for the session instead of failing (the promise
 * answers null when none came in time).
 * @param {{target: () => (Target | null | Promise<Target | null>), XMLHttpRequest?: typeof XMLHttpRequest,
 *   FormData?: typeof FormData}} env
 * @returns {Transport}
 */
export function xhrTransport(env) {
  const Xhr = env.XMLHttpRequest ?? globalThis.XMLHttpRequest;
  const Form = env.FormData ?? globalThis.FormData;
  const unauthorized = () => uploadError(401, { error: { code: 'unauthorized', message: '' } });
  const aborted = () => ({ code: 'aborted', status: 0, message: '', retryAfter: null });

  /** @param {Blob & {name?: string}} file @param {(loaded: number, total: number) => void} progress @param {Target} where */
  function post(file, progress, where) {
    const xhr = new Xhr();
    const promise = new Promise((resolve, reject) => {
      xhr.open('POST', where.url);
      xhr.setRequestHeader('Authorization', `Bearer ${where.token}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (/** @type {ProgressEvent} */ e) => {
        if (e.lengthComputable) progress(e.loaded, e.total);
      };
      xhr.onload = () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText || 'null');
        } catch {
          body = null;
        }
        const done = xhr.status === 201 || xhr.status === 200 ? uploaded(body) : null;
        if (done) resolve(done);
        else reject(uploadError(xhr.status === 201 || xhr.status === 200 ? 502 : xhr.status, body, xhr.getResponseHeader('Retry-After')));
      };
      xhr.onerror = () => reject(uploadError(0, null));
      xhr.onabort = () => reject(aborted());
      const form = new Form();
      form.append('file', file, file.name || 'file');
      xhr.send(form);
    });
    return { promise, abort: () => xhr.abort() };
  }

  return (file, progress) => {
    const where = env.target();
    if (!where || !('then' in where)) {
      // Not signed in: nothing is sent.
      return where && where.token ? post(file, progress, where) : { promise: Promise.reject(unauthorized()), abort: () => {} };
    }
    // Waiting for the session: an abort meanwhile ends it before any request.
    /** @type {{abort: () => void} | null} */
    let sending = null;
    let stop = () => {};
    let stopped = false;
    const promise = new Promise((resolve, reject) => {
      stop = () => reject(aborted());
      where.then(
        (target) => {
          if (stopped) return;
          if (!target || !target.token) return reject(unauthorized());
          sending = post(file, progress, target);
          sending.promise.then(resolve, reject);
        },
        () => reject(unauthorized()),
      );
    });
    return {
      promise,
      abort: () => {
        stopped = true;
        if (sending) sending.abort();
        else stop();
      },
    };
  };
}

/**
 * One file chosen for the next message, through its states:
 * `invalid` (refused before uploading: `problem` says why; never uploaded) ·
 * `uploading` (`loaded` of `total` bytes sent) → `done` (`result`) or `failed` (`error`) ·
 * `failed` → `uploading` again by `retry()` · any → `removed` by `remove()` (an upload under
 * way is aborted). What an attempt that was given up on answers later is ignored.
 */
export class Upload {
  /**
   * @param {string} key unique within its tray
   * @param {Blob & {name?: string}} file
   * @param {{transport: Transport, maxBytes?: number, changed?: (upload: Upload) => void}} env
   */
  constructor(key, file, env) {
    this.key = key;
    this.file = file;
    this.name = file.name || 'file';
    this.size = file.size;
    this.type = file.type || '';
    this.env = env;
    /** @type {'invalid' | 'uploading' | 'done' | 'failed' | 'removed'} */
    this.state = 'uploading';
    /** @type {'too_large' | 'empty' | null} */
    this.problem = checkFile(file, { maxBytes: env.maxBytes });
    this.loaded = 0;
    this.total = file.size;
    /** @type {Uploaded | null} */
    this.result = null;
    /** @type {UploadError | null} */
    this.error = null;
    /** the attempt under way; answers of older ones are ignored */
    this.attempt = 0;
    /** @type {Sending | null} */
    this.sending = null;
    if (this.problem) this.state = 'invalid';
  }

  /**
   * A file uploaded before (a canned response's), chosen as it is: `done` at once with its
   * `{id, name, size, content_type}`, never uploaded again.
   * @param {string} key @param {Uploaded} ref
   * @param {{transport: Transport, maxBytes?: number, changed?: (upload: Upload) => void}} env
   */
  static uploaded(key, ref, env) {
    const upload = new Upload(key, /** @type {any} */ ({ name: ref.name, size: ref.size, type: ref.content_type }), env);
    upload.problem = null;
    upload.state = 'done';
    upload.result = { id: ref.id, name: ref.name, size: ref.size, content_type: ref.content_type };
    upload.loaded = upload.total = ref.size;
    return upload;
  }

  /** Sent bytes as a fraction (1 once done). */
  get progress() {
    if (this.state === 'done') return 1;
    return this.total > 0 ? Math.min(1, this.loaded / this.total) : 0;
  }

  /** Starts the upload (nothing for a file refused before, or one already under way or done). */
  start() {
    if (this.state === 'invalid' || this.state === 'removed' || this.state === 'done' || this.sending) return;
    const attempt = ++this.attempt;
    this.state = 'uploading';
    this.loaded = 0;
    this.error = null;
    const current = () => attempt === this.attempt && this.state === 'uploading';
    let sending;
    try {
      sending = this.env.transport(this.file, (loaded, total) => {
        if (!current()) return;
        if (total > 0) this.total = total;
        this.loaded = Math.max(this.loaded, Math.min(loaded, this.total));
        this.#changed();
      });
    } catch (err) {
      this.#fail(/** @type {any} */ (err));
      return;
    }
    this.sending = sending;
    this.#changed();
    sending.promise.then(
      (result) => {
        if (!current()) return;
        this.sending = null;
        this.state = 'done';
        this.result = result;
        this.loaded = this.total;
        this.#changed();
      },
      (err) => {
        if (!current()) return;
        this.sending = null;
        this.#fail(err);
      },
    );
  }

  /** A failed upload is tried again (a new request). */
  retry() {
    if (this.state !== 'failed') return;
    this.start();
  }

  /** Gives the file up (the upload under way, if any, is aborted). */
  remove() {
    if (this.state === 'removed') return;
    const sending = this.sending;
    this.sending = null;
    this.attempt++;
    this.state = 'removed';
    sending?.abort();
    this.#changed();
  }

  /** @param {any} err */
  #fail(err) {
    this.state = 'failed';
    this.error = {
      code: typeof err?.code === 'string' ? err.code : 'network',
      status: Number(err?.status) || 0,
      message: typeof err?.message === 'string' ? err.message : '',
      retryAfter: Number(err?.retryAfter) > 0 ? Number(err.retryAfter) : null,
    };
    this.#changed();
  }

  #changed() {
    this.env.changed?.(this);
  }
}

/**
 * The files chosen for the next message: at most `maxFiles`, each uploading as soon as it is
 * added. The message may go once every file is uploaded (`state() === 'ready'`), with
 * `attachments()`; `clear()` then empties the tray. Files uploaded before (a canned response's)
 * join it by `attach()`, already done.
 */
export class Tray {
  /**
   * @param {{transport: Transport, maxBytes?: number, maxFiles?: number, changed?: (upload: Upload | null) => void}} env
   */
  constructor(env) {
    this.env = env;
    this.maxFiles = env.maxFiles ?? MAX_FILES;
    /** @type {Upload[]} in the order they were added */
    this.uploads = [];
    this.counter = 0;
  }

  /**
   * Adds files (those past `maxFiles` are left out) and starts their uploads.
   * @param {Iterable<Blob & {name?: string}>} files
   * @returns {{added: Upload[], refused: number}} `refused`: how many were over the limit
   */
  add(files) {
    /** @type {Upload[]} */
    const added = [];
    let refused = 0;
    for (const file of files) {
      if (this.uploads.length >= this.maxFiles) {
        refused++;
        continue;
      }
      const upload = new Upload(`f${++this.counter}`, file, {
        transport: this.env.transport,
        maxBytes: this.env.maxBytes,
        changed: (u) => this.env.changed?.(u),
      });
      this.uploads.push(upload);
      added.push(upload);
    }
    for (const upload of added) upload.start();
    if (added.length || refused) this.env.changed?.(null);
    return { added, refused };
  }

  /**
   * Adds files uploaded before (a canned response's: `{id, name, size, content_type}`), done at
   * once and never uploaded again; one already in the tray (same id) is not added twice, those
   * past `maxFiles` are left out.
   * @param {unknown} refs
   * @returns {{added: Upload[], refused: number}} `refused`: how many were over the limit
   */
  attach(refs) {
    /** @type {Upload[]} */
    const added = [];
    let refused = 0;
    const have = new Set(this.attachments().map((a) => a.id));
    for (const ref of fileRefs(refs)) {
      if (have.has(ref.id)) continue;
      if (this.uploads.length >= this.maxFiles) {
        refused++;
        continue;
      }
      have.add(ref.id);
      const upload = Upload.uploaded(`f${++this.counter}`, ref, {
        transport: this.env.transport,
        maxBytes: this.env.maxBytes,
        changed: (u) => this.env.changed?.(u),
      });
      this.uploads.push(upload);
      added.push(upload);
    }
    if (added.length || refused) this.env.changed?.(null);
    return { added, refused };
  }

  /** @param {string} key */
  get(key) {
    return this.uploads.find((u) => u.key === key) ?? null;
  }

  /** Gives a file up. @param {string} key */
  remove(key) {
    const upload = this.get(key);
    if (!upload) return;
    this.uploads = this.uploads.filter((u) => u !== upload);
    upload.remove();
    this.env.changed?.(null);
  }

  /** @param {string} key */
  retry(key) {
    this.get(key)?.retry();
  }

  get count() {
    return this.uploads.length;
  }

  /**
   * `empty`; `busy` (a file is uploading); `blocked` (a file failed or was refused: retry or
   * remove it); `ready` (every file uploaded).
   * @returns {'empty' | 'busy' | 'blocked' | 'ready'}
   */
  state() {
    if (!this.uploads.length) return 'empty';
    if (this.uploads.some((u) => u.state === 'uploading')) return 'busy';
    if (this.uploads.some((u) => u.state !== 'done')) return 'blocked';
    return 'ready';
  }

  /** The uploaded files, in order, for the message's `attachments`. @returns {Uploaded[]} */
  attachments() {
    return this.uploads.flatMap((u) => (u.state === 'done' && u.result ? [u.result] : []));
  }

  /** Empties the tray (the message went with its files); uploads under way are aborted. */
  clear() {
    const all = this.uploads;
    this.uploads = [];
    for (const u of all) if (u.state === 'uploading') u.remove();
    this.env.changed?.(null);
  }
}
