// A `localStorage` in memory, counting its writes; `failingStorage()` is one that throws on
// every call, as a browser's does when storage is disabled or the quota is spent.

export class FakeStorage {
  constructor(entries = {}) {
    this.map = new Map(Object.entries(entries));
    this.writes = 0;
  }
  get length() {
    return this.map.size;
  }
  key(i) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    this.writes += 1;
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.writes += 1;
    this.map.delete(k);
  }
  /** @returns {Record<string, string>} */
  dump() {
    return Object.fromEntries(this.map);
  }
}

/** A storage whose every call throws. */
export function failingStorage() {
  const fail = () => {
    throw new Error('SecurityError: storage is disabled');
  };
  return { get length() { return fail(); }, key: fail, getItem: fail, setItem: fail, removeItem: fail, clear: fail };
}
