// Fakes for the dashboard's DOM-free modules: a localStorage installed as the global one, an
// HTTP API that records calls and answers from a table, and the agent's side of the socket
// (the fake sockets and clock are the widget's, in common/test/helpers); and a reader of the
// server's enums, for lists that must match them.
import { FakeStorage } from '../../common/test/helpers/storage.js';

export { FakeClock, settle } from '../../common/test/helpers/clock.js';
export { fakeSockets, message } from '../../common/test/helpers/socket.js';
export { FakeStorage, failingStorage } from '../../common/test/helpers/storage.js';

export const ME = Object.freeze({ id: 'a-1', name: 'Alice', email: 'alice@example.com', role: 'admin' });

/**
 * Installs `storage` as `globalThis.localStorage` for the rest of the test.
 * @param {import('node:test').TestContext} t
 * @param {any} [storage]
 */
export function useStorage(t, storage = new FakeStorage()) {
  const before = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
  Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true, writable: true });
  t.after(() => {
    if (before) Object.defineProperty(globalThis, 'localStorage', before);
    else delete globalThis.localStorage;
  });
  return storage;
}

/** A clock that also has intervals (the agent connection pings on one). */
export function clockApi(clock) {
  return {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    setInterval: (fn, ms) => clock.setInterval(fn, ms),
    clearInterval: (id) => clock.clearInterval(id),
    now: () => clock.now(),
  };
}

/**
 * The HTTP API as the desk uses it: each method records its call and answers with
 * `answers[method](...args)` (a conversation, a page of messages…), or fails like the server.
 * @param {Record<string, (...args: any[]) => any>} [answers]
 */
export function fakeApi(answers = {}) {
  const calls = [];
  const api = new Proxy({}, {
    get(_target, name) {
      if (name === 'calls') return calls;
      return async (...args) => {
        calls.push([name, ...args]);
        const answer = answers[/** @type {string} */ (name)];
        if (!answer) throw new Error(`no answer for api.${String(name)}`);
        return answer(...args);
      };
    },
  });
  return /** @type {any} */ (api);
}

/** A conversation as the API and the welcome describe it. */
export function conversation(fields = {}) {
  return {
    id: 'c-1',
    site_id: 's-1',
    visitor_id: 'v-1',
    status: 'open',
    assignee_id: null,
    last_seq: 0,
    created_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:00:00Z',
    last_activity_at: '2024-05-01T10:00:00Z',
    ...fields,
  };
}

/** Answers the agent's hello on `socket` with a welcome. */
export function welcome(socket, fields = {}) {
  const hello = socket.last('hello');
  if (!hello) throw new Error('no hello to answer');
  socket.receive({ type: 'welcome', ref: hello.ref, agent: ME, agents: [{ id: ME.id, status: 'online' }], conversations: [], more: false, ...fields });
}

/**
 * Sets `globalThis[name]` for the rest of the test (a browser global Node lacks).
 * @param {import('node:test').TestContext} t @param {string} name @param {unknown} value
 */
export function setGlobal(t, name, value) {
  const before = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  t.after(() => {
    if (before) Object.defineProperty(globalThis, name, before);
    else delete globalThis[name];
  });
  return value;
}

/** The variants of a Rust enum in `source`, as serde's snake_case writes them. */
export function enumVariants(source, name) {
  const body = new RegExp(`pub enum ${name} \\{([^}]*)\\}`).exec(source)?.[1] ?? '';
  return body.split(',').map((v) => v.replace(/\/\/\/[^\n]*|#\[[^\]]*\]/g, '').trim()).filter(Boolean)
    .map((v) => v.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase());
}
