// @ts-check
/**
 * Which transport a client uses (the contract's "Transports"): a WebSocket first; if it fails
 * before opening (a proxy refusing the upgrade) or has not opened within a few seconds, the
 * HTTP transport (common/http-transport.js) for that attempt. A quick failure counts only when
 * no WebSocket was open in this page in the last minute: otherwise it is the server restarting.
 * Once the HTTP transport has opened where the WebSocket could not, later attempts go straight
 * to it, until a WebSocket is worth trying again. When both fail (the server is down), nothing
 * is learnt: the next attempt tries the WebSocket first again.
 *
 * `fallbackSocket(options)` gives a constructor that the clients use in place of `WebSocket`:
 * they keep their own hello, heartbeat, reconnects and close codes, whatever carries them.
 */

import { Timing } from './protocol.js';

/** A WebSocket that has not opened after this long is given up for the HTTP transport. */
export const WEBSOCKET_OPEN_TIMEOUT_MS = 4_000;
/** After falling back, WebSockets are tried again at the first attempt after this long. */
export const WEBSOCKET_RETRY_MS = 5 * 60_000;
/**
 * A WebSocket refused this soon after one was open is the server going away (a restart), not a
 * proxy: no HTTP attempt, which would fail too and fill the console, until this has passed.
 */
export const WEBSOCKET_TRUST_MS = 60_000;

/** @typedef {'websocket' | 'http'} TransportKind */
/**
 * @typedef {{
 *   WebSocket?: new (url: string) => any,
 *   loadHttp?: () => Promise<{HttpSocket: new (url: string, options: any) => any}>,
 *   clock: {setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void, now: () => number},
 *   credentials?: RequestCredentials,
 *   silenceMs?: number,
 *   openTimeoutMs?: number,
 *   opened?: (kind: TransportKind) => void,
 * }} FallbackOptions `opened` is told which transport each socket opened with; `silenceMs`
 *   (two ping intervals by default) is how long an HTTP stream may stay silent
 */

/** The HTTP transport's stream for a WebSocket URL: `wss://h/ws/visitor?…` → `https://h/http/visitor?…`. @param {string} wsUrl */
export function streamUrl(wsUrl) {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = url.pathname.replace(/^\/ws\//, '/http/');
  return url.href;
}

/** @param {FallbackOptions} options */
export function fallbackSocket(options) {
  const WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
  const loadHttp = options.loadHttp ?? (() => import('./http-transport.js'));
  const clock = options.clock;
  const silenceMs = options.silenceMs ?? 2 * Timing.PING_INTERVAL_MS;
  /** Until when attempts skip the WebSocket (0: try it). */
  let httpUntil = 0;
  /** When a WebSocket was last open in this page. */
  let webSocketAt = -Infinity;

  return class FallbackSocket {
    /** @param {string} url the WebSocket URL */
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      /** @type {any} */ this.onopen = null;
      /** @type {any} */ this.onmessage = null;
      /** @type {any} */ this.onclose = null;
      /** @type {any} */ this.onerror = null;
      /** @type {any} */ this.inner = null;
      /** @type {any} */ this.timer = null;
      if (clock.now() < httpUntil) this.#http(false);
      else this.#websocket();
    }

    /** @param {string} text */
    send(text) {
      // A WebSocket closing (the server's close frame came, its close event not yet) would
      // drop the frame anyway, and log an error: what matters is resent after the reconnect.
      if (this.readyState !== 1 || !this.inner || this.inner.readyState > 1) return;
      this.inner.send(text);
    }

    /** @param {number} [code] @param {string} [reason] */
    close(code, reason) {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.#release(code, reason);
    }

    #websocket() {
      let ws;
      try {
        ws = new WebSocketImpl(this.url);
      } catch {
        this.#http(true);
        return;
      }
      this.#attach(ws, 'websocket', false);
      this.timer = clock.setTimeout(() => this.#fallBack(), options.openTimeoutMs ?? WEBSOCKET_OPEN_TIMEOUT_MS);
    }

    /** @param {boolean} afterWebSocket whether this attempt's WebSocket failed first */
    #http(afterWebSocket) {
      loadHttp().then(
        ({ HttpSocket }) => {
          if (this.readyState === 3) return;
          this.#attach(new HttpSocket(streamUrl(this.url), { clock, credentials: options.credentials, silenceMs }), 'http', afterWebSocket);
        },
        () => this.#closed({ code: 1006 }), // the chunk could not load: the server is away
      );
    }

    /** @param {any} inner @param {TransportKind} kind @param {boolean} afterWebSocket */
    #attach(inner, kind, afterWebSocket) {
      this.inner = inner;
      inner.onopen = (/** @type {any} */ event) => {
        clock.clearTimeout(this.timer);
        this.readyState = 1;
        if (kind === 'websocket') webSocketAt = Infinity;
        // HTTP works where the WebSocket did not: keep to it for a while.
        else if (afterWebSocket) httpUntil = clock.now() + WEBSOCKET_RETRY_MS;
        options.opened?.(kind);
        this.onopen?.(event);
      };
      inner.onmessage = (/** @type {any} */ event) => this.onmessage?.(event);
      inner.onerror = () => {};
      inner.onclose = (/** @type {any} */ event) => {
        if (kind === 'websocket') {
          if (webSocketAt === Infinity) webSocketAt = clock.now();
          if (this.readyState === 0 && clock.now() - webSocketAt > WEBSOCKET_TRUST_MS) return this.#fallBack();
        }
        this.#closed(event);
      };
    }

    /** The WebSocket failed before opening, or is too slow: this attempt goes on over HTTP. */
    #fallBack() {
      if (this.readyState !== 0) return;
      this.#release();
      this.#http(true);
    }

    /** @param {{code: number}} event */
    #closed(event) {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.#release();
      this.onclose?.(event);
    }

    /** Lets go of the inner socket without hearing from it again. @param {number} [code] @param {string} [reason] */
    #release(code, reason) {
      clock.clearTimeout(this.timer);
      const inner = this.inner;
      this.inner = null;
      if (!inner) return;
      inner.onopen = inner.onmessage = inner.onclose = inner.onerror = null;
      try {
        inner.close(code, reason);
      } catch {
        /* already closed */
      }
    }
  };
}
