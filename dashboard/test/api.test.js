import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_PREFIX, ApiError, createApi, query } from '../lib/api.js';

/** A fetch that records requests and answers from `respond(url, init)`. */
function fakeFetch(respond) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, ...init, headers: { ...init.headers } });
    return respond(url, init);
  };
  return { fetch, requests };
}

/** A fetch Response, as far as api.js reads one. */
function response(status, body, headers = {}) {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => headers[name] ?? null },
    json: async () => {
      if (body === undefined) throw new SyntaxError('no body');
      return body;
    },
  };
}

function setup(respond, token = 'jwt-1') {
  const { fetch, requests } = fakeFetch(respond);
  let unauthorized = 0;
  const api = createApi({ getToken: () => token, onUnauthorized: () => unauthorized++, fetch });
  return { api, requests, unauthorized: () => unauthorized };
}

test('requests go to /api/v1 with the bearer token, JSON in and out, never from the HTTP cache', async () => {
  const { api, requests } = setup(() => response(200, { id: 'c-1' }));
  assert.deepEqual(await api.updateConversation('c-1', { status: 'resolved' }), { id: 'c-1' });
  const [req] = requests;
  assert.equal(req.url, `${API_PREFIX}/conversations/c-1`);
  assert.equal(req.method, 'PATCH');
  assert.equal(req.headers.Authorization, 'Bearer jwt-1');
  assert.equal(req.headers['Content-Type'], 'application/json');
  assert.equal(req.headers.Accept, 'application/json');
  assert.equal(req.body, '{"status":"resolved"}');
  assert.equal(req.cache, 'no-store');
});

test('a GET has no body; ids are encoded into the path', async () => {
  const { api, requests } = setup(() => response(200, { items: [], more: false }));
  await api.messages('a/b?c', { before_seq: 20, limit: 50 });
  assert.equal(requests[0].url, '/api/v1/conversations/a%2Fb%3Fc/messages?before_seq=20&limit=50');
  assert.equal(requests[0].method, 'GET');
  assert.equal(requests[0].body, undefined);
  assert.equal(requests[0].headers['Content-Type'], undefined);
});

test('the query string keeps only defined, non-empty values', () => {
  assert.equal(query({ status: 'open', assignee: undefined, q: '', cursor: null, limit: 0 }), '?status=open&limit=0');
  assert.equal(query({}), '');
  assert.equal(query({ q: 'a b&c' }), '?q=a+b%26c');
});

test('login sends no token; 204 answers null', async () => {
  const { api, requests } = setup((url) => (url.endsWith('/login') ? response(200, { token: 't' }) : response(204)));
  await api.login('a@example.com', 'pw');
  assert.equal(requests[0].headers.Authorization, undefined);
  assert.equal(requests[0].body, '{"email":"a@example.com","password":"pw"}');
  assert.equal(await api.deleteCanned('k-1'), null);
  assert.equal(requests[1].method, 'DELETE');
});

test('a login names the workspace only when one was chosen', async () => {
  const { api, requests } = setup(() => response(200, { token: 't' }));
  await api.login('a@example.com', 'pw', '0192e4a4-0000-7000-8000-000000000001');
  await api.login('a@example.com', 'pw', null);
  assert.equal(requests[0].body, '{"email":"a@example.com","password":"pw","workspace_id":"0192e4a4-0000-7000-8000-000000000001"}');
  assert.equal(requests[1].body, '{"email":"a@example.com","password":"pw"}');
});

test('a login that opens several workspaces fails with 409 and lists them', async () => {
  const workspaces = [{ id: 'w-1', name: 'Acme' }, { id: 'w-2', name: 'Globex' }, { id: 7, name: 'bad' }, null, { id: 'w-3' }];
  const { api, unauthorized } = setup(() => response(409, { error: { code: 'conflict', message: 'choose', workspaces } }));
  await assert.rejects(api.login('a@example.com', 'pw'), (err) => {
    assert.ok(err instanceof ApiError);
    assert.deepEqual([err.status, err.code], [409, 'conflict']);
    assert.deepEqual(err.workspaces, [{ id: 'w-1', name: 'Acme' }, { id: 'w-2', name: 'Globex' }], 'malformed entries are dropped');
    return true;
  });
  assert.equal(unauthorized(), 0);
});

test('other errors list no workspaces', async () => {
  const { api } = setup(() => response(409, { error: { code: 'conflict', message: 'taken' } }));
  await assert.rejects(api.createCanned({ shortcut: 's', title: 't', body: 'b' }), { status: 409, workspaces: null });
});

test("errors carry the contract's code, message, status and Retry-After", async () => {
  const { api } = setup(() => response(429, { error: { code: 'rate_limited', message: 'Slow down' } }, { 'Retry-After': '7' }));
  await assert.rejects(api.conversations({}), (err) => {
    assert.ok(err instanceof ApiError);
    assert.deepEqual([err.status, err.code, err.message, err.retryAfter], [429, 'rate_limited', 'Slow down', 7]);
    return true;
  });
});

test('an error without a JSON body still says what happened', async () => {
  const { api } = setup(() => response(502, undefined));
  await assert.rejects(api.me(), { name: 'ApiError', status: 502, code: 'error', message: 'Request failed (502)', retryAfter: null });
});

test('a network failure is an ApiError with status 0', async () => {
  const { api } = setup(() => {
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(api.sites(), { status: 0, code: 'network' });
});

test('a 401 on an authenticated call ends the session; a refused login does not', async () => {
  const { api, unauthorized } = setup(() => response(401, { error: { code: 'unauthorized', message: 'no' } }));
  await assert.rejects(api.me(), { status: 401, code: 'unauthorized' });
  assert.equal(unauthorized(), 1);
  await assert.rejects(api.login('a@example.com', 'wrong'), { status: 401 });
  assert.equal(unauthorized(), 1);
});

test('without a token no Authorization header is sent', async () => {
  const { api, requests } = setup(() => response(200, {}), null);
  await api.me();
  assert.equal(requests[0].headers.Authorization, undefined);
});

test('each endpoint has its method and path', async () => {
  const { api, requests } = setup(() => response(200, {}));
  await api.rotateSecret('s-1');
  await api.deliveries('w-1', 'cur 1');
  await api.createAgent({ email: 'b@example.com', name: 'B', password: 'pw', role: 'agent' });
  await api.sendMessage('c-1', { client_msg_id: 'm', kind: 'text', body: 'Hi' });
  assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), [
    'POST /api/v1/sites/s-1/rotate-secret',
    'GET /api/v1/webhooks/w-1/deliveries?cursor=cur+1',
    'POST /api/v1/agents',
    'POST /api/v1/conversations/c-1/messages',
  ]);
  assert.equal(requests[0].body, '{}', 'a POST without a body sends an empty object');
});
