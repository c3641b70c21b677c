// A fake `fetch` whose other end the test plays: the event stream is a body the test writes
// text into (in any pieces) and ends or breaks; each POST waits for the test to answer it.

export function fakeFetch() {
  /** @type {FakeStream[]} */
  const streams = [];
  /** @type {{url: string, init: any, body: any, answer: (status: number) => void, fail: () => void}[]} */
  const posts = [];

  async function fetch(url, init = {}) {
    if ((init.method ?? 'GET') === 'GET') {
      const stream = new FakeStream(url, init);
      streams.push(stream);
      return stream.response;
    }
    return new Promise((resolve, reject) => {
      posts.push({
        url,
        init,
        body: JSON.parse(init.body),
        answer: (status) => resolve({ status, ok: status >= 200 && status < 300 }),
        fail: () => reject(new TypeError('Failed to fetch')),
      });
    });
  }

  return { fetch, streams, posts, get stream() { return streams[streams.length - 1]; } };
}

class FakeStream {
  constructor(url, init) {
    this.url = url;
    this.init = init;
    this.aborted = false;
    /** @type {((r: {done: boolean, value?: Uint8Array}) => void) | null} */
    this.waiting = null;
    this.rejectRead = null;
    /** @type {Array<{done: boolean, value?: Uint8Array} | Error>} */
    this.chunks = [];
    const encoder = new TextEncoder();
    this.encode = (text) => encoder.encode(text);
    init.signal?.addEventListener('abort', () => {
      this.aborted = true;
      this.#deliver(new DOMException('aborted', 'AbortError'));
    });
    const reader = { read: () => this.#read() };
    this.response = { ok: true, status: 200, body: { getReader: () => reader } };
  }

  /** Writes text on the stream (bytes, so a character may be cut in two). @param {string | Uint8Array} text */
  write(text) {
    this.#deliver({ done: false, value: typeof text === 'string' ? this.encode(text) : text });
  }

  end() {
    this.#deliver({ done: true });
  }

  break() {
    this.#deliver(new TypeError('network error'));
  }

  #read() {
    const next = this.chunks.shift();
    if (next) return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.rejectRead = reject;
    });
  }

  #deliver(item) {
    if (this.waiting) {
      const [resolve, reject] = [this.waiting, this.rejectRead];
      this.waiting = this.rejectRead = null;
      if (item instanceof Error) reject(item);
      else resolve(item);
    } else {
      this.chunks.push(item);
    }
  }
}
