// @ts-check
/**
 * The agent WebSocket: one socket at a time, `hello` first, replies matched by `ref`, a ping
 * heartbeat that detects half-open sockets, and reconnects with exponential backoff and full
 * jitter. It knows nothing of conversations: it emits
 * - `state` (`connecting` | `open` | `reconnecting` | `stopped`) on every change,
 * - `welcome` (frame, {reconnect}) once per welcomed socket,
 * - `frame` (frame) for every frame that is not the answer to a request,
 * - `unauthorized` when the token is refused (error `unauthorized` or close 4001/4003).
 */
import { Emitter } from './emitter.js';
import { backoffDelay } from '../../common/backoff.js';
import {
  Close, ErrorCode, Server, Timing, closeAction, helloFrame, pingFrame,
} from '../../common/protocol.js';

/** @typedef {import('../../common/protocol.js').Frame} Frame */
/** @typedef {'idle' | 'connecting' | 'open' | 'reconnecting' | 'stopped'} ConnectionState */

/**
 * Timers and time, the browser's by default; tests give a fake clock they advance.
 * @typedef {{
 *   setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void,
 *   setInterval: (fn: () => void, ms: number) => any, clearInterval: (id: any) => void,
 *   now: () => number,
 * }} Clock
 */

/** @type {Clock} */
export const SYSTEM_CLOCK = Object.freeze({
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id),
  now: () => Date.now(),
});

/** A failed request: the server's `error` frame, or `disconnected` when the socket went first. */
export class FrameError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

export class AgentConnection extends Emitter {
  /**
   * @param {{url: string, getToken: () => string | null, subscription?: 'all' | 'focused',
   *   WebSocketImpl?: typeof WebSocket, random?: () => number, clock?: Clock}} options
   *   `subscription`: the delivery the hello asks for (none named: the server's default, `all`)
   */
  constructor(options) {
    super();
    this.url = options.url;
    this.getToken = options.getToken;
    this.subscription = options.subscription ?? null;
    this.WebSocketImpl = options.WebSocketImpl ?? globalThis.WebSocket;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    /** @type {ConnectionState} */
    this.state = 'idle';
    /** @type {WebSocket | null} */
    this.socket = null;
    this.attempt = 0;
    this.welcomes = 0;
    this.refCounter = 0;
    /** @type {string | null} */
    this.helloRef = null;
    /** When the next reconnect attempt is due (ms since epoch), for the banner. */
    this.retryAt = 0;
    this.lastFrameAt = 0;
    /** @type {Map<string, {resolve: (f: Frame) => void, reject: (e: FrameError) => void, timer: any}>} */
    this.pending = new Map();
    /** @type {any} */ this.retryTimer = null;
    /** @type {any} */ this.connectTimer = null;
    /** @type {any} */ this.pingTimer = null;
    /** @type {any} */ this.pongTimer = null;
    this.onOnline = () => this.retryNow();
  }

  /** Opens the first socket. */
  start() {
    if (this.state !== 'idle' && this.state !== 'stopped') return;
    globalThis.addEventListener?.('online', this.onOnline);
    this.attempt = 0;
    this.welcomes = 0;
    this.connect();
  }

  /** Closes for good (logout, expired session). Pending requests fail with `disconnected`. */
  stop() {
    globalThis.removeEventListener?.('online', this.onOnline);
    this.clearTimers();
    this.clock.clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      try {
        socket.close(Close.NORMAL, 'bye');
      } catch {
        /* already closed */
      }
    }
    this.failPending();
    this.setState('stopped');
  }

  /** Skips the backoff wait (the browser came back online, or the agent clicked "retry"). */
  retryNow() {
    if (this.state !== 'reconnecting' || this.socket) return;
    this.clock.clearTimeout(this.retryTimer);
    this.connect();
  }

  get isOpen() {
    return this.state === 'open';
  }

  /**
   * Sends a frame that expects an answer; resolves with the success frame, rejects with a
   * `FrameError` (the server's code, or `disconnected`).
   * @param {Frame} frame without `ref`
   * @returns {Promise<Frame>}
   */
  request(frame) {
    if (!this.isOpen || !this.socket) {
      return Promise.reject(new FrameError(ErrorCode.DISCONNECTED, 'not connected'));
    }
    const ref = this.nextRef();
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(ref);
        reject(new FrameError(ErrorCode.DISCONNECTED, 'no answer'));
      }, Timing.REQUEST_TIMEOUT_MS);
      this.pending.set(ref, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...frame, ref }));
    });
  }

  /**
   * Sends a frame nobody waits for (typing); dropped when not connected.
   * @param {Frame} frame
   * @returns {boolean} whether it went out
   */
  fire(frame) {
    if (!this.isOpen || !this.socket) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  // -------------------------------------------------------------------------------------------

  nextRef() {
    this.refCounter += 1;
    return String(this.refCounter);
  }

  /** @param {ConnectionState} state */
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  connect() {
    this.setState(this.welcomes === 0 && this.attempt === 0 ? 'connecting' : 'reconnecting');
    const token = this.getToken();
    if (!token) {
      this.emit('unauthorized');
      this.stop();
      return;
    }
    let socket;
    try {
      socket = new this.WebSocketImpl(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.helloRef = `hello-${this.nextRef()}`;
    const helloRef = this.helloRef;
    socket.onopen = () => socket.send(JSON.stringify(this.hello(helloRef, token)));
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.closed(event.code);
    socket.onerror = () => {};
    this.connectTimer = this.clock.setTimeout(() => this.drop(), Timing.CONNECT_TIMEOUT_MS);
  }

  /**
   * The first frame: the token, and the delivery asked for when there is one (a server that
   * does not know the field ignores it and sends everything, and its welcome does not echo it).
   * @param {string} ref @param {string} token @returns {Frame}
   */
  hello(ref, token) {
    const frame = helloFrame(ref, token);
    if (this.subscription) frame.subscription = this.subscription;
    return frame;
  }

  /** @param {unknown} data */
  receive(data) {
    if (typeof data !== 'string') return;
    /** @type {Frame} */
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== 'string') return;
    this.lastFrameAt = this.clock.now();
    if (frame.ref && frame.ref === this.helloRef) {
      this.answerHello(frame);
      return;
    }
    const waiting = frame.ref ? this.pending.get(frame.ref) : undefined;
    if (waiting && frame.ref) {
      this.pending.delete(frame.ref);
      this.clock.clearTimeout(waiting.timer);
      if (frame.type === Server.ERROR) waiting.reject(new FrameError(frame.code, frame.message ?? frame.code));
      else waiting.resolve(frame);
      return;
    }
    if (frame.type === Server.PONG || frame.type === Server.OK) return;
    this.emit('frame', frame);
  }

  /** @param {Frame} frame */
  answerHello(frame) {
    if (frame.type === Server.WELCOME) {
      this.clock.clearTimeout(this.connectTimer);
      this.attempt = 0;
      this.welcomes += 1;
      this.startHeartbeat();
      this.setState('open');
      this.emit('welcome', frame, { reconnect: this.welcomes > 1 });
      return;
    }
    if (frame.type === Server.ERROR && frame.code === ErrorCode.UNAUTHORIZED) {
      this.emit('unauthorized');
      this.stop();
      return;
    }
    // `unavailable` (database down) or anything unexpected: try again later.
    this.drop();
  }

  startHeartbeat() {
    this.clock.clearInterval(this.pingTimer);
    this.pingTimer = this.clock.setInterval(() => this.ping(), Timing.PING_INTERVAL_MS);
  }

  ping() {
    const sentAt = this.clock.now();
    if (!this.fire(pingFrame())) return;
    this.clock.clearTimeout(this.pongTimer);
    this.pongTimer = this.clock.setTimeout(() => {
      if (this.lastFrameAt < sentAt) this.drop();
    }, Timing.PONG_TIMEOUT_MS);
  }

  /** Gives up on the current socket without waiting for a close handshake (half-open). */
  drop() {
    const socket = this.socket;
    if (!socket) return;
    detach(socket);
    try {
      socket.close();
    } catch {
      /* already closed */
    }
    this.closed(1006);
  }

  /** @param {number} code */
  closed(code) {
    if (this.state === 'stopped') return;
    this.socket = null;
    this.clearTimers();
    this.failPending();
    if (closeAction('agent', code) === 'logout') {
      this.emit('unauthorized');
      this.stop();
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const delay = backoffDelay(this.attempt, { random: this.random });
    this.attempt += 1;
    this.retryAt = this.clock.now() + delay;
    this.setState('reconnecting');
    this.emit('retry', this.retryAt);
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.clock.setTimeout(() => this.connect(), delay);
  }

  clearTimers() {
    this.clock.clearTimeout(this.connectTimer);
    this.clock.clearInterval(this.pingTimer);
    this.clock.clearTimeout(this.pongTimer);
  }

  failPending() {
    for (const { reject, timer } of this.pending.values()) {
      this.clock.clearTimeout(timer);
      reject(new FrameError(ErrorCode.DISCONNECTED, 'connection lost'));
    }
    this.pending.clear();
  }
}

/** @param {WebSocket} socket */
function detach(socket) {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}

