// An XMLHttpRequest the test answers, for uploads (common/uploads.js, used by the
// widget's attachments chunk and the dashboard): what was opened, sent and set, progress on
// demand, an answer with a status, a body and headers, a network error, an abort.

export class FakeXhr {
  /** Every request made since `reset()`, in order. @type {FakeXhr[]} */
  static made = [];

  static reset() {
    FakeXhr.made = [];
  }

  constructor() {
    /** @type {Record<string, string>} */
    this.headers = {};
    /** @type {{onprogress?: (e: object) => void}} */
    this.upload = {};
    this.aborted = false;
    this.status = 0;
    this.responseText = '';
    /** @type {Record<string, string>} */
    this.responseHeaders = {};
    /** @type {any} */
    this.body = null;
    FakeXhr.made.push(this);
  }

  /** @param {string} method @param {string} url */
  open(method, url) {
    this.method = method;
    this.url = url;
  }

  /** @param {string} name @param {string} value */
  setRequestHeader(name, value) {
    this.headers[name] = value;
  }

  /** @param {any} body */
  send(body) {
    this.body = body;
  }

  abort() {
    this.aborted = true;
    /** @type {any} */ (this).onabort?.();
  }

  /** @param {string} name */
  getResponseHeader(name) {
    return this.responseHeaders[name.toLowerCase()] ?? null;
  }

  /** The body went out this far. @param {number} loaded @param {number} total */
  progress(loaded, total) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }

  /** The server answers. @param {number} status @param {unknown} body (a string as it is, else JSON) @param {Record<string, string>} [headers] lower-case names */
  respond(status, body, headers = {}) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.responseHeaders = headers;
    /** @type {any} */ (this).onload();
  }

  /** The network fails. */
  fail() {
    /** @type {any} */ (this).onerror();
  }
}
