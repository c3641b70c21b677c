// A fake WebSocket whose other end the test plays: it records what the client sends and lets
// the test open it, answer frames, and close it with a code.

export function fakeSockets() {
  /** @type {FakeSocket[]} */
  const sockets = [];

  class FakeSocket {
    constructor(url) {
      this.url = url;
      /** @type {any[]} frames the client sent, parsed */
      this.sent = [];
      this.closedByClient = false;
      this.onopen = null;
      this.onmessage = null;
      this.onclose = null;
      this.onerror = null;
      sockets.push(this);
    }

    send(data) {
      if (this.closedByClient) throw new Error('send on a closed socket');
      this.sent.push(JSON.parse(data));
    }

    close() {
      this.closedByClient = true;
    }

    // --- the server's side

    open() {
      this.onopen?.({});
    }

    receive(frame) {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }

    drop(code = 1006) {
      this.onclose?.({ code });
    }

    /** @param {string} type */
    frames(type) {
      return this.sent.filter((f) => f.type === type);
    }

    /** @param {string} type */
    last(type) {
      const all = this.frames(type);
      return all[all.length - 1];
    }

    /** Answers the client's hello with a welcome. */
    welcome(fields = {}) {
      const hello = this.last('hello');
      if (!hello) throw new Error('no hello to answer');
      this.receive({
        type: 'welcome',
        ref: hello.ref,
        visitor_id: 'v-1',
        token: 'token-1',
        conversation: null,
        agents_online: 1,
        settings: {},
        identity: null,
        ...fields,
      });
    }
  }

  return {
    WebSocket: FakeSocket,
    sockets,
    get current() {
      return sockets[sockets.length - 1];
    },
  };
}

let seq = 0;
/** A message as the server sends it. */
export function message(fields = {}) {
  seq += 1;
  return {
    id: `m-${seq}`,
    conversation_id: 'c-1',
    seq: 1,
    client_msg_id: null,
    author: { kind: 'agent', id: 'a-1', name: 'Alice' },
    kind: 'text',
    body: 'Hello',
    created_at: '2024-05-01T10:00:00Z',
    ...fields,
  };
}
