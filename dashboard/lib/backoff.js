// @ts-check
/**
 * Reconnect delays: exponential backoff with full jitter, a uniform draw in
 * `[0, min(cap, base * 2^attempt))`, so that every dashboard cut off by one server restart does
 * not come back in the same instant. Same rule as the widget's.
 */
import { Timing } from './protocol.js';

/**
 * @param {number} attempt 0 for the first reconnect
 * @param {{baseMs?: number, capMs?: number, random?: () => number}} [options]
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, options = {}) {
  const { baseMs = Timing.BACKOFF_BASE_MS, capMs = Timing.BACKOFF_CAP_MS, random = Math.random } = options;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.max(0, Math.min(ceiling - 1, Math.floor(random() * ceiling)));
}
