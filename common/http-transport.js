// @ts-check
/**
 * The HTTP transport (docs/protocol.md, "The HTTP transport"), behind the surface of a
 * WebSocket so that the clients above it need not know which one they hold: a server-sent
 * event stream (`GET /http/visitor?site_key=…` or `/http/agent`) brings the server's frames,
 * and the client's frames go in numbered batches (`POST /http/frames`). It imports nothing:
 * the widget loads it as a chunk of its own, only when a WebSocket could not open.
 */

/** A batch posted again after a network error waits this long first. */
const RETRY_POST_MS = 1_000;
/** A batch holds at most this many frames (the server refuses more than 50)… */
const BATCH_FRAMES = 50;
/** …and this many characters of frames (the server refuses more than 256 KiB). */
const BATCH_CHARS = 192 * 1024;
/** The close code of a stream that ended or failed without the server saying why. */
const ABNORMAL = 1006;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/**
 * @typedef {{setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void}} Timers
 * @typedef {{
 *   fetch?: typeof fetch,
 *   clock?: Timers,
 *   credentials?: RequestCredentials,
 *   silenceMs?: number,
 * }} HttpSocketOptions `silenceMs`: a stream silent this long (no frame, no ping comment) is lost
 */

export class HttpSocket {
  /** @param {string} url the stream's URL (`http(s)://…/http/visitor?site_key=…`) @param {HttpSocketOptions} [options] */
  constructor(url, options = {}) {
    this.url = url;
    this.readyState = CONNECTING;
    /** @type {any} */ this.onopen = null;
    /** @type {any} */ this.onmessage = null;
    /** @type {any} */ this.onclose = null;
    /** @type {any} */ this.onerror = null;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = options.clock ?? globalThis;
    this.credentials = options.credentials ?? 'same-origin';
    this.silenceMs = options.silenceMs ?? 50_000;
    this.framesUrl = new URL('/http/frames', url).href;
    /** @type {string | null} */
    this.token = null;
    /** Frames sent and not yet in a batch. @type {unknown[]} */
    this.queue = [];
    /** The batch posted and not yet accepted. @type {{n: number, frames: unknown[]} | null} */
    this.inflight = null;
    this.lastN = 0;
    /** @type {any} */ this.silenceTimer = null;
    /** @type {any} */ this.retryTimer = null;
    this.abort = new AbortController();
    this.#stream();
  }

  /** Queues a frame (a JSON text, as for a WebSocket); it goes with the next batch, once open. @param {string} text */
  send(text) {
    if (this.readyState === CLOSED) return;
    this.queue.push(JSON.parse(text));
    this.#flush();
  }

  /** Ends the stream; nothing is fired afterwards but this close. @param {number} [code] @param {string} [reason] */
  close(code = 1000, reason = '') {
    this.#end(code, reason);
  }

  // -------------------------------------------------------------------------------------------
  // The stream

  async #stream() {
    this.#heard();
    try {
      const response = await this.fetch(this.url, {
        credentials: this.credentials,
        signal: this.abort.signal,
      });
      if (!response.ok || !response.body) throw response.status;
      const reader = response.body.getReader();
      const parser = new EventParser((event, data) => this.#event(event, data));
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || this.readyState === CLOSED) break;
        this.#heard();
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch {
      /* a refused or broken stream: lost, like a socket */
    }
    this.#end(ABNORMAL);
  }

  /** Anything heard on the stream proves it alive: the silence deadline starts again. */
  #heard() {
    this.clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = this.clock.setTimeout(() => this.#end(ABNORMAL), this.silenceMs);
  }

  /** @param {string} event @param {string} data */
  #event(event, data) {
    if (this.readyState === CLOSED) return;
    if (event === 'session') {
      const token = parseJson(data)?.token;
      if (typeof token !== 'string' || this.readyState !== CONNECTING) return;
      this.token = token;
      this.readyState = OPEN;
      this.onopen?.({});
      this.#flush();
    } else if (event === 'close') {
      const close = parseJson(data) ?? {};
      this.#end(close.code ?? ABNORMAL, close.reason);
    } else if (event === 'message' && this.readyState === OPEN) {
      this.onmessage?.({ data });
    }
  }

  /** @param {number} code @param {string} [reason] */
  #end(code, reason = '') {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.clock.clearTimeout(this.silenceTimer);
    this.clock.clearTimeout(this.retryTimer);
    this.abort.abort();
    this.queue = [];
    this.inflight = null;
    this.onclose?.({ code, reason });
  }

  // -------------------------------------------------------------------------------------------
  // The frames: one batch in flight at a time, the others wait and join the next

  #flush() {
    if (this.inflight || !this.queue.length || this.readyState !== OPEN) return;
    let chars = 0;
    let count = 0;
    while (count < this.queue.length && count < BATCH_FRAMES) {
      chars += JSON.stringify(this.queue[count]).length;
      if (count > 0 && chars > BATCH_CHARS) break;
      count += 1;
    }
    this.lastN += 1;
    this.inflight = { n: this.lastN, frames: this.queue.splice(0, count) };
    this.#post(this.inflight);
  }

  /** @param {{n: number, frames: unknown[]}} batch */
  async #post(batch) {
    let status = 0;
    try {
      const response = await this.fetch(this.framesUrl, {
        method: 'POST',
        credentials: this.credentials,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token}` },
        body: JSON.stringify(batch),
      });
      status = response.status;
    } catch {
      /* no answer: the batch may or may not have arrived */
    }
    if (this.inflight !== batch) return;
    if (status >= 200 && status < 300) {
      this.inflight = null;
      this.#flush();
    } else if (status === 400 || status === 401) {
      // Refused for good: this stream cannot go on; a new one resends what was not answered.
      this.#end(ABNORMAL);
    } else {
      // Lost on the way or a proxy's 5xx: the same number again, which the server applies once.
      this.retryTimer = this.clock.setTimeout(() => this.inflight === batch && this.#post(batch), RETRY_POST_MS);
    }
  }
}

/**
 * Server-sent events from text that arrives in pieces cut anywhere: `event:` and `data:` lines
 * make an event, a blank line ends it, `:` lines are comments (the server's pings).
 */
export class EventParser {
  /** @param {(event: string, data: string) => void} dispatch */
  constructor(dispatch) {
    this.dispatch = dispatch;
    this.partial = '';
    this.event = '';
    /** @type {string[]} */
    this.data = [];
  }

  /** @param {string} text */
  push(text) {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  /** @param {string} line */
  #line(line) {
    if (line === '') {
      if (this.data.length) this.dispatch(this.event || 'message', this.data.join('\n'));
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/** @param {string} text @returns {any} */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
