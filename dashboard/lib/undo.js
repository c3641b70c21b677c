// @ts-check
/**
 * An action that may be undone for a short while ("Resolved · Undo"), without the DOM: one
 * offer at a time (a new one replaces the last, which can no longer be undone), which expires
 * after its window; `undo()` runs the undoing once, and only while the offer stands.
 */
import { SYSTEM_CLOCK } from './connection.js';

/** How long "Undo" is offered. */
export const UNDO_MS = 6000;

/**
 * @typedef {{label: string, undo: () => Promise<unknown>}} UndoOffer
 * @typedef {{setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void}} Timers
 */

export class UndoWindow {
  /**
   * @param {{clock?: Timers, ms?: number, onChange?: (offer: UndoOffer | null) => void}} [options]
   *   `onChange` is called with the offer shown, or null when none is
   */
  constructor(options = {}) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.ms = options.ms ?? UNDO_MS;
    this.onChange = options.onChange ?? (() => {});
    /** @type {UndoOffer | null} */
    this.offer = null;
    /** @type {any} */
    this.timer = null;
  }

  get active() {
    return this.offer !== null;
  }

  /** Offers to undo something just done, for `ms`. @param {UndoOffer} offer */
  show(offer) {
    this.clear();
    this.offer = offer;
    this.timer = this.clock.setTimeout(() => this.dismiss(), this.ms);
    this.onChange(offer);
  }

  /** The offer goes (expired, or closed). */
  dismiss() {
    if (!this.offer) return;
    this.clear();
    this.onChange(null);
  }

  /**
   * Undoes the action on offer, once: the offer goes first, so a second click or key does nothing.
   * @returns {Promise<boolean>} false when nothing was on offer; rejects when the undoing failed
   */
  async undo() {
    const offer = this.offer;
    if (!offer) return false;
    this.clear();
    this.onChange(null);
    await offer.undo();
    return true;
  }

  clear() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.offer = null;
  }
}

/**
 * Whether a key press asks to undo: `z`, or Ctrl+Z / Cmd+Z (never with Shift or Alt: redo, or
 * another character).
 * @param {Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>} e
 */
export function isUndoKey(e) {
  if (e.altKey || e.shiftKey) return false;
  if (e.key !== 'z' && e.key !== 'Z') return false;
  return !(e.ctrlKey && e.metaKey);
}
