import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_PREFIX, ApiError, createApi, dispositionName, errorField, query } from '../lib/api.js';
import { FakeXhr } from '../../common/test/helpers/xhr.js';

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

test('webhooks: every endpoint with its method, path and body', async () => {
  const { api, requests } = setup(() => response(200, {}));
  await api.webhooks();
  await api.webhook('w/1');
  await api.createWebhook({ url: 'https://example.com/hook', events: ['message.created'] });
  await api.updateWebhook('w-1', { active: true });
  await api.rotateWebhookSecret('w-1');
  await api.testWebhook('w-1');
  await api.deliveries('w-1', null);
  await api.deliveries('w-1', 'cur/2');
  await api.redeliver('w-1', 'd 1');
  await api.deleteWebhook('w-1');
  assert.deepEqual(requests.map((r) => [r.method, r.url, r.body]), [
    ['GET', '/api/v1/webhooks', undefined],
    ['GET', '/api/v1/webhooks/w%2F1', undefined],
    ['POST', '/api/v1/webhooks', '{"url":"https://example.com/hook","events":["message.created"]}'],
    ['PATCH', '/api/v1/webhooks/w-1', '{"active":true}'],
    ['POST', '/api/v1/webhooks/w-1/rotate-secret', '{}'],
    ['POST', '/api/v1/webhooks/w-1/test', '{}'],
    ['GET', '/api/v1/webhooks/w-1/deliveries', undefined],
    ['GET', '/api/v1/webhooks/w-1/deliveries?cursor=cur%2F2', undefined],
    ['POST', '/api/v1/webhooks/w-1/deliveries/d%201/redeliver', '{}'],
    ['DELETE', '/api/v1/webhooks/w-1', undefined],
  ]);
});

test('API keys: list, create with a name and a role, revoke', async () => {
  const made = { id: 'k-1', name: 'CRM', role: 'agent', key: 'sk_secret', key_prefix: 'sk_secr', created_at: '2026-12-06T12:00:00Z', last_used_at: null };
  const { api, requests } = setup((url, init) => (init.method === 'DELETE' ? response(204) : response(init.method === 'POST' ? 201 : 200, init.method === 'POST' ? made : { items: [], next_cursor: null })));
  assert.deepEqual(await api.apiKeys(), { items: [], next_cursor: null });
  assert.deepEqual(await api.createApiKey({ name: 'CRM', role: 'agent' }), made);
  assert.equal(await api.deleteApiKey('k-1'), null);
  assert.deepEqual(requests.map((r) => [r.method, r.url, r.body]), [
    ['GET', '/api/v1/api-keys', undefined],
    ['POST', '/api/v1/api-keys', '{"name":"CRM","role":"agent"}'],
    ['DELETE', '/api/v1/api-keys/k-1', undefined],
  ]);
});

test('blocking: block a visitor with a reason (and its address), unblock, list the blocks', async () => {
  const made = { visitor_id: 'v-1', visitor_name: null, ip: '203.0.113.7', reason: 'Spam', blocked_by: 'a-1', created_at: '2026-12-06T13:15:27Z' };
  const { api, requests } = setup((url, init) => {
    if (init.method === 'DELETE') return response(204);
    return init.method === 'POST' ? response(201, made) : response(200, { items: [made], next_cursor: null });
  });
  assert.deepEqual(await api.blockVisitor('v/1', { reason: 'Spam', ip: true }), made);
  assert.equal(await api.unblockVisitor('v-1'), null);
  assert.deepEqual(await api.blocks(), { items: [made], next_cursor: null });
  assert.deepEqual(requests.map((r) => [r.method, r.url, r.body]), [
    ['POST', '/api/v1/visitors/v%2F1/block', '{"reason":"Spam","ip":true}'],
    ['DELETE', '/api/v1/visitors/v-1/block', undefined],
    ['GET', '/api/v1/blocks', undefined],
  ]);
});

test('unblocking a visitor without a block is a 404 with its code', async () => {
  const { api } = setup(() => response(404, { error: { code: 'not_found', message: 'not found' } }));
  await assert.rejects(api.unblockVisitor('v-1'), { name: 'ApiError', status: 404, code: 'not_found' });
});

test('a 422 naming a field says which one, for the form to show the message there', async () => {
  const refuse = (message, status = 422) => {
    const { api } = setup(() => response(status, { error: { code: 'unprocessable', message } }));
    return api.createWebhook({ url: 'http://127.0.0.1/', events: [] }).catch((err) => err);
  };
  const fields = ['url', 'events'];
  assert.equal(errorField(await refuse('url: 127.0.0.1 is a private address (PARLEY_WEBHOOK_ALLOW_PRIVATE allows it on-premise)'), fields), 'url');
  assert.equal(errorField(await refuse('url must be an http:// or https:// URL of at most 2048 bytes, without credentials'), fields), 'url');
  assert.equal(errorField(await refuse('events: unknown event "ping"'), fields), 'events');
  assert.equal(errorField(await refuse('events must name at least one event'), fields), 'events');
  assert.equal(errorField(await refuse('name: too long'), fields), null, 'a field the form does not have');
  assert.equal(errorField(await refuse('urls are hard'), fields), null, 'a word that only starts like a field');
  assert.equal(errorField(await refuse('url: taken', 409), fields), null, 'only a 422');
  assert.equal(errorField(new Error('url: not an ApiError'), fields), null);
});

test('routing: teams, capacities, the inbox by team, transfers with a note', async () => {
  const { api, requests } = setup((url, init) => (init.method === 'DELETE' ? response(204) : response(init.method === 'POST' ? 201 : 200, { id: 'x' })));
  const draft = { name: 'Billing', agent_ids: ['a-2'], assignment: 'least_busy', hours: { time_zone: 'UTC', weekly: [{ day: 'mon', from: '09:00', to: '17:00' }], exceptions: [] } };
  await api.teams();
  await api.team('t/1');
  await api.createTeam(draft);
  await api.updateTeam('t-1', { hours: null });
  await api.deleteTeam('t-1');
  await api.updateAgent('a-2', { capacity: 0 });
  await api.conversations({ status: 'open', assignee: 'none', team: 'none' });
  await api.updateConversation('c-1', { team_id: 't-1', note: 'VIP' });
  await api.updateConversation('c-1', { team_id: null });
  assert.deepEqual(requests.map((r) => [r.method, r.url, r.body]), [
    ['GET', '/api/v1/teams', undefined],
    ['GET', '/api/v1/teams/t%2F1', undefined],
    ['POST', '/api/v1/teams', JSON.stringify(draft)],
    ['PATCH', '/api/v1/teams/t-1', '{"hours":null}'],
    ['DELETE', '/api/v1/teams/t-1', undefined],
    ['PATCH', '/api/v1/agents/a-2', '{"capacity":0}'],
    ['GET', '/api/v1/conversations?status=open&assignee=none&team=none', undefined],
    ['PATCH', '/api/v1/conversations/c-1', '{"team_id":"t-1","note":"VIP"}'],
    ['PATCH', '/api/v1/conversations/c-1', '{"team_id":null}'],
  ]);
});

test("a team's or a site's 422 names its field: hours, agent_ids, team_id", async () => {
  const refuse = (message) => {
    const { api } = setup(() => response(422, { error: { code: 'unprocessable', message } }));
    return api.createTeam({ name: 'x', agent_ids: [], assignment: 'manual', hours: null }).catch((err) => err);
  };
  const fields = ['name', 'agent_ids', 'assignment', 'hours', 'team_id'];
  assert.equal(errorField(await refuse('hours: time_zone: unknown zone "Mars/Base"'), fields), 'hours');
  assert.equal(errorField(await refuse('agent_ids: 0192 is not an agent of this workspace'), fields), 'agent_ids');
  assert.equal(errorField(await refuse('team_id: no such team in this workspace'), fields), 'team_id');
  assert.equal(errorField(await refuse('name must show 1 to 200 characters'), fields), 'name');
});

test('password reset: the request and the reset send no token, and a refused token does not end the session', async () => {
  const { api, requests, unauthorized } = setup((url) => (url.endsWith('/auth/reset-request')
    ? response(202, {})
    : response(400, { error: { code: 'invalid_token', message: 'This link has expired.' } })));
  assert.deepEqual(await api.requestPasswordReset('bob@example.com'), {});
  await assert.rejects(api.resetPassword('tok-1', 'new password 1'), (err) => err instanceof ApiError && err.status === 400 && err.message === 'This link has expired.');
  assert.deepEqual(requests.map((r) => [r.method, r.url, JSON.parse(r.body), r.headers.Authorization]), [
    ['POST', `${API_PREFIX}/auth/reset-request`, { email: 'bob@example.com' }, undefined],
    ['POST', `${API_PREFIX}/auth/reset`, { token: 'tok-1', password: 'new password 1' }, undefined],
  ]);
  assert.equal(unauthorized(), 0);
});

test('an agent created without a password is invited: no password is sent', async () => {
  const { api, requests } = setup(() => response(201, { id: 'a-1', invited: true }));
  assert.deepEqual(await api.createAgent({ email: 'd@example.com', name: 'Dan', role: 'agent' }), { id: 'a-1', invited: true });
  assert.deepEqual(JSON.parse(requests[0].body), { email: 'd@example.com', name: 'Dan', role: 'agent' });
});

test("the agent's own profile: GET and PATCH /me, the notifications and a password change as sent", async () => {
  const { api, requests } = setup(() => response(200, {}));
  await api.me();
  await api.updateMe({ name: 'Ada' });
  await api.updateMe({ notify_email: false });
  await api.updateMe({ current_password: 'old one', new_password: 'new one!' });
  assert.deepEqual(requests.map((r) => [r.method, r.url, r.body]), [
    ['GET', '/api/v1/me', undefined],
    ['PATCH', '/api/v1/me', '{"name":"Ada"}'],
    ['PATCH', '/api/v1/me', '{"notify_email":false}'],
    ['PATCH', '/api/v1/me', '{"current_password":"old one","new_password":"new one!"}'],
  ]);
  // Too many wrong current passwords: the wait comes with the error.
  const limited = setup(() => response(429, { error: { code: 'rate_limited', message: 'too many requests' } }, { 'Retry-After': '30' }));
  await assert.rejects(limited.api.updateMe({ current_password: 'x', new_password: 'yyyyyyyy' }), { status: 429, code: 'rate_limited', retryAfter: 30 });
});

test('files upload by XMLHttpRequest to /api/v1/uploads with the token of the moment; a 401 ends the session', async () => {
  FakeXhr.reset();
  const made = FakeXhr.made;
  let token = 'jwt-1';
  let unauthorized = 0;
  const api = createApi({ getToken: () => token, onUnauthorized: () => unauthorized++, fetch: async () => response(200, {}), XMLHttpRequest: /** @type {any} */ (FakeXhr) });
  const upload = api.uploadTransport();
  const pdf = new File(['%PDF-1.4'], 'guide.pdf', { type: 'application/pdf' });
  const first = upload(pdf, () => {});
  assert.equal(made[0].method, 'POST');
  assert.equal(made[0].url, `${API_PREFIX}/uploads`);
  assert.equal(made[0].headers.Authorization, 'Bearer jwt-1');
  assert.equal(made[0].body.get('file').name, 'guide.pdf');
  made[0].respond(201, { id: 'u-1', name: 'guide.pdf', size: 8, content_type: 'application/pdf' });
  assert.equal((await first.promise).id, 'u-1');

  token = 'jwt-2';
  const second = upload(pdf, () => {});
  assert.equal(made[1].headers.Authorization, 'Bearer jwt-2');
  made[1].respond(401, { error: { code: 'unauthorized', message: 'expired' } });
  await assert.rejects(second.promise, { status: 401 });
  assert.equal(unauthorized, 1);

  const third = upload(pdf, () => {});
  made[2].respond(413, { error: { code: 'too_large', message: 'a file of at most 10485760 bytes' } });
  await assert.rejects(third.promise, { code: 'too_large', message: 'a file of at most 10485760 bytes' });
  assert.equal(unauthorized, 1, 'only a 401 ends the session');
});

test('a message sent over HTTP may carry files', async () => {
  const { api, requests } = setup(() => response(201, { id: 'm-1' }));
  await api.sendMessage('c-1', { client_msg_id: 'x', kind: 'text', body: '', attachments: ['u-1'] });
  assert.equal(requests[0].url, `${API_PREFIX}/conversations/c-1/messages`);
  assert.equal(requests[0].body, '{"client_msg_id":"x","kind":"text","body":"","attachments":["u-1"]}');
});

test("a download's name comes from Content-Disposition, the UTF-8 form first", () => {
  assert.equal(dispositionName('attachment; filename="conversation-2026-05-01.txt"'), 'conversation-2026-05-01.txt');
  assert.equal(dispositionName("attachment; filename=\"a.txt\"; filename*=UTF-8''Caf%C3%A9.txt"), 'Café.txt');
  assert.equal(dispositionName('attachment; filename=plain.txt'), 'plain.txt');
  assert.equal(dispositionName('attachment'), null);
  assert.equal(dispositionName(null), null);
});

test("a picture goes as its own bytes and type; contacts and refused origins are read with their filters", async () => {
  const { api, requests } = setup(() => response(200, { items: [], next_cursor: null, avatar_url: '/avatars/k' }));
  const picture = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
  await api.setAvatar(picture);
  await api.removeAvatar();
  await api.contacts({ q: 'ada', attribute: 'plan:gold', identified: true, cursor: undefined });
  await api.contact('v 1');
  await api.refusedOrigins('s-1');
  const [put, del, list, one, refused] = requests;
  assert.equal(put.method, 'PUT');
  assert.equal(put.url, `${API_PREFIX}/me/avatar`);
  assert.equal(put.headers['Content-Type'], 'image/png');
  assert.equal(put.body, picture, 'the Blob itself, not JSON');
  assert.equal(del.method, 'DELETE');
  assert.equal(del.url, `${API_PREFIX}/me/avatar`);
  assert.equal(list.url, `${API_PREFIX}/contacts?q=ada&attribute=plan%3Agold&identified=true`);
  assert.equal(one.url, `${API_PREFIX}/contacts/v%201`);
  assert.equal(refused.url, `${API_PREFIX}/sites/s-1/refused-origins`);
});
