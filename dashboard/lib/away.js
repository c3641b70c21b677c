// @ts-check
/**
 * Auto-away: an agent who leaves the dashboard alone for the workspace's `auto_away_s`
 * (`welcome.auto_away_s`, 0 = off) is set `away`, so that automatic assignment stops giving
 * them conversations; their next activity sets them `online` again, but only when it was
 * auto-away that set them away: an agent who chose away stays away until they choose otherwise.
 *
 * Activity is shared between the agent's tabs through storage (the time of the latest, and
 * whether the away status is auto-away's), so that an agent busy in one tab is not set away by
 * another that sits idle, and activity in any tab brings back an away status set by any tab.
 * No DOM: the shell reports activity (pointer, keys, focus, the tab shown).
 *
 * States: watching (online, a timer armed for the rest of the delay) → auto-away (away, set
 * here; the next activity goes back online) ; away chosen by the agent: the timer has nothing to
 * do and activity changes nothing.
 */
import { Keys, load, save } from './storage.js';

/** @typedef {import('./connection.js').Clock} Clock */

/**
 * What the agent's tabs share.
 * @typedef {{
 *   lastActivity: () => number, noteActivity: (at: number) => void,
 *   isAuto: () => boolean, setAuto: (auto: boolean) => void,
 * }} SharedActivity
 */

/** Activity is written to storage at most this often (a pointer moves many times a second). */
const SAVE_EVERY_MS = 5_000;

/** @type {SharedActivity} */
export const STORED_ACTIVITY = Object.freeze({
  lastActivity: () => Number(load(Keys.ACTIVITY, 0)) || 0,
  noteActivity: (at) => save(Keys.ACTIVITY, at),
  isAuto: () => load(Keys.AUTO_AWAY, /** @type {unknown} */ (null)) === true,
  setAuto: (auto) => save(Keys.AUTO_AWAY, auto ? true : null),
});

export class AutoAway {
  /**
   * @param {{
   *   clock: Clock,
   *   getStatus: () => 'online' | 'away',
   *   setStatus: (status: 'online' | 'away') => void,
   *   shared?: SharedActivity,
   * }} options
   */
  constructor(options) {
    this.clock = options.clock;
    this.getStatus = options.getStatus;
    this.setStatus = options.setStatus;
    this.shared = options.shared ?? STORED_ACTIVITY;
    /** 0: off. */
    this.delayMs = 0;
    this.last = this.clock.now();
    this.savedAt = 0;
    /** @type {any} */ this.timer = null;
  }

  /** Whether the away status now is auto-away's (any tab's). */
  get isAutoAway() {
    return this.getStatus() === 'away' && this.shared.isAuto();
  }

  /**
   * The workspace's delay, from each welcome. Off (0) stops watching.
   * @param {number | null | undefined} seconds
   */
  configure(seconds) {
    const delay = Number.isFinite(seconds) && /** @type {number} */ (seconds) > 0 ? Math.round(/** @type {number} */ (seconds) * 1000) : 0;
    if (delay === this.delayMs && (this.timer || !delay)) return;
    this.delayMs = delay;
    this.disarm();
    if (delay) this.arm(Math.max(0, delay - this.idleFor()));
  }

  stop() {
    this.disarm();
    this.delayMs = 0;
  }

  /** How long since the latest activity in any tab. */
  idleFor() {
    return this.clock.now() - Math.max(this.last, this.shared.lastActivity());
  }

  /** The agent did something in this page. */
  activity() {
    const now = this.clock.now();
    this.last = now;
    if (now - this.savedAt >= Math.min(SAVE_EVERY_MS, this.delayMs / 4 || SAVE_EVERY_MS)) {
      this.savedAt = now;
      this.shared.noteActivity(now);
    }
    // Away by auto-away, this tab's or another's (even one whose word has not reached this
    // tab yet): the agent is back.
    if (this.shared.isAuto()) {
      this.shared.setAuto(false);
      this.setStatus('online');
    }
    if (this.delayMs && !this.timer) this.arm(this.delayMs);
  }

  /**
   * The agent chose a status by hand: whatever it is, it is theirs, not auto-away's.
   * @param {'online' | 'away'} status
   */
  chose(status) {
    this.shared.setAuto(false);
    if (status === 'online') this.activity();
  }

  /**
   * The server's word on this agent's status (chosen in another tab, or restored there):
   * online means no auto-away is pending anywhere.
   * @param {string} status
   */
  followed(status) {
    if (status === 'online' && this.shared.isAuto()) this.shared.setAuto(false);
  }

  /** @param {number} ms */
  arm(ms) {
    this.disarm();
    this.timer = this.clock.setTimeout(() => this.check(), ms);
  }

  disarm() {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** The timer: away when idle for the whole delay (in every tab), else wait the rest. */
  check() {
    this.timer = null;
    if (!this.delayMs) return;
    const idle = this.idleFor();
    if (idle < this.delayMs) {
      this.arm(this.delayMs - idle);
      return;
    }
    // Away already (chosen, or set by another tab a moment ago): nothing to do.
    if (this.getStatus() !== 'online' || this.shared.isAuto()) return;
    this.shared.setAuto(true);
    this.setStatus('away');
  }
}
