// @ts-check
/** A minimal event emitter: `on` returns the function that removes the listener. */
export class Emitter {
  constructor() {
    /** @type {Map<string, Set<(...args: any[]) => void>>} */
    this.listeners = new Map();
  }

  /**
   * @param {string} event
   * @param {(...args: any[]) => void} fn
   * @returns {() => void}
   */
  on(event, fn) {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** @param {string} event @param {...any} args */
  emit(event, ...args) {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (err) {
        console.error(`parley: listener for ${event} failed`, err);
      }
    }
  }
}
