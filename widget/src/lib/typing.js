// @ts-check
/**
 * Tells the agents that the visitor is typing: `on` at the first keystroke, `off` after a
 * pause, a send or an emptied composer. Frames are throttled to one per interval (2/s), and the
 * last wanted state always goes out (trailing edge). With draft preview on, each `on` carries
 * the text so far, so agents see the draft as it grows.
 */
import { Timing } from '../../../common/protocol.js';

/**
 * @typedef {{setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void,
 *   now: () => number}} Clock
 * @typedef {{state: 'on' | 'off', preview: string | null}} TypingWish
 */

export class TypingSender {
  /**
   * @param {{send: (state: 'on' | 'off', preview: string | null) => void, clock: Clock,
   *   preview?: boolean, intervalMs?: number, idleMs?: number}} options
   */
  constructor({ send, clock, preview = false, intervalMs = Timing.TYPING_INTERVAL_MS, idleMs = Timing.TYPING_IDLE_MS }) {
    this.send = send;
    this.clock = clock;
    this.preview = preview;
    this.intervalMs = intervalMs;
    this.idleMs = idleMs;
    /** @type {TypingWish} */
    this.wanted = { state: 'off', preview: null };
    /** @type {TypingWish} */
    this.sent = { state: 'off', preview: null };
    this.lastAt = -Infinity;
    this.flushTimer = null;
    this.idleTimer = null;
  }

  /** The composer now holds `text`. @param {string} text */
  input(text) {
    if (!text.trim()) {
      this.stop();
      return;
    }
    this.wanted = { state: 'on', preview: this.preview ? text : null };
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = this.clock.setTimeout(() => this.stop(), this.idleMs);
    this.flush();
  }

  /** The visitor stopped (sent, paused, emptied the composer, left). */
  stop() {
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.wanted = { state: 'off', preview: null };
    this.flush();
  }

  /** The connection was lost: the server forgot our state, and so do we. */
  forget() {
    this.clock.clearTimeout(this.idleTimer);
    this.clock.clearTimeout(this.flushTimer);
    this.idleTimer = this.flushTimer = null;
    this.wanted = this.sent = { state: 'off', preview: null };
  }

  /** Sends the wanted state if it differs from the sent one and the interval allows. */
  flush() {
    const { wanted, sent } = this;
    if (wanted.state === sent.state && wanted.preview === sent.preview) return;
    const wait = this.lastAt + this.intervalMs - this.clock.now();
    if (wait > 0) {
      if (this.flushTimer == null) {
        this.flushTimer = this.clock.setTimeout(() => {
          this.flushTimer = null;
          this.flush();
        }, wait);
      }
      return;
    }
    this.sent = wanted;
    this.lastAt = this.clock.now();
    this.send(wanted.state, wanted.preview);
  }
}
