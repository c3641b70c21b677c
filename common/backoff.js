// @ts-check
/**
 * Reconnect delays: exponential backoff with full jitter ("Exponential Backoff And Jitter",
 * AWS Architecture Blog): a uniform draw in `[0, min(cap, base * 2^attempt))`, so that the
 * many widgets and dashboards cut off by one server restart do not all come back in the same
 * instant.
 */
import { Timing } from './protocol.js';

/**
 * @typedef {{baseMs?: number, capMs?: number, random?: () => number}} BackoffOptions
 */

/** Past this many attempts the ceiling is the cap anyway; the exponent stops growing. */
const MAX_EXPONENT = 30;

/**
 * The delay before reconnect attempt number `attempt` (0 for the first).
 * @param {number} attempt
 * @param {BackoffOptions} [options]
 * @returns {number} milliseconds, an integer in `[0, min(cap, base * 2^attempt))`
 */
export function backoffDelay(attempt, options = {}) {
  const { baseMs = Timing.BACKOFF_BASE_MS, capMs = Timing.BACKOFF_CAP_MS, random = Math.random } = options;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempt, MAX_EXPONENT)));
  return Math.max(0, Math.min(ceiling - 1, Math.floor(random() * ceiling)));
}

/** Counts attempts since the last success. */
export class Backoff {
  /** @param {BackoffOptions} [options] */
  constructor(options = {}) {
    this.options = options;
    this.attempt = 0;
  }

  /** The next delay; each call counts one more attempt. */
  next() {
    const delay = backoffDelay(this.attempt, this.options);
    if (this.attempt <= MAX_EXPONENT) this.attempt += 1;
    return delay;
  }

  /** After a success: the next delay starts again from the base. */
  reset() {
    this.attempt = 0;
  }
}
