// A deterministic clock: timers run only when a test advances time.

export class FakeClock {
  constructor(start = 1_700_000_000_000) {
    this.t = start;
    this.nextId = 1;
    /** @type {Map<number, {at: number, fn: () => void}>} */
    this.timers = new Map();
  }

  now() {
    return this.t;
  }

  setTimeout(fn, ms = 0) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  setInterval(fn, ms) {
    const id = this.nextId++;
    const tick = () => {
      this.timers.set(id, { at: this.t + ms, fn: tick });
      fn();
    };
    this.timers.set(id, { at: this.t + ms, fn: tick });
    return id;
  }

  clearInterval(id) {
    this.timers.delete(id);
  }

  /** Runs every timer due within `ms`, in time order, then sets the clock to now + ms. */
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && (!next || timer.at < next[1].at)) next = [id, timer];
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }

  /** The object `Chat` and `TypingSender` take. */
  get api() {
    return {
      setTimeout: (fn, ms) => this.setTimeout(fn, ms),
      clearTimeout: (id) => this.clearTimeout(id),
      now: () => this.now(),
    };
  }
}

/** Lets pending promise callbacks run. */
export function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}
