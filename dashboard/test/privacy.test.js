// Privacy and data without the DOM: the retention as the form shows it and sends it (the
// server's bounds), what erasing a visitor says, an erased visitor's conversations leaving the
// workspace, and the API's privacy calls (paths, methods, a file's name from its
// Content-Disposition).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createApi } from '../lib/api.js';
import { Workspace } from '../lib/workspace.js';
import { conversation } from './helpers.js';
import {
  RETENTION_MAX_DAYS, RETENTION_MIN_DAYS, eraseQuestion, parseRetention, retentionForm, retentionSentence,
} from '../lib/privacy.js';

test("the retention's bounds are the database's", () => {
  const dir = new URL('../../migrations/postgres/', import.meta.url);
  const sql = readdirSync(dir).map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
  const check = /retention_days integer check \(retention_days between (\d+) and (\d+)\)/.exec(sql);
  assert.ok(check, 'no check on retention_days in migrations/postgres');
  assert.deepEqual([RETENTION_MIN_DAYS, RETENTION_MAX_DAYS], [Number(check[1]), Number(check[2])]);
});

test('the retention held shows as on with its days, or off (kept forever)', () => {
  assert.deepEqual(retentionForm(30), { on: true, days: '30' });
  assert.deepEqual(retentionForm(3650), { on: true, days: '3650' });
  for (const held of [null, undefined, 0, 3651, 2.5, '30']) {
    assert.equal(retentionForm(held).on, false, String(held));
    assert.equal(retentionForm(held).days, '365', 'a sensible number when switched on');
  }
});

test('off sends null whatever the field holds; on needs whole days from 1 to 3650', () => {
  assert.deepEqual(parseRetention(false, 'nonsense'), { days: null });
  assert.deepEqual(parseRetention(true, '30'), { days: 30 });
  assert.deepEqual(parseRetention(true, ' 1 '), { days: 1 });
  assert.deepEqual(parseRetention(true, '3650'), { days: 3650 });
  for (const text of ['', '  ', '0', '3651', '-5', '2.5', '1e3', 'ten', '30 days']) {
    const parsed = parseRetention(true, text);
    assert.ok('error' in parsed, `${JSON.stringify(text)} is refused`);
  }
  assert.match(/** @type {{error: string}} */ (parseRetention(true, '0')).error, /1 to 3650/);
  assert.equal(/** @type {{error: string}} */ (parseRetention(true, '')).error, 'Enter a number of days.');
});

test('the saved retention in a sentence', () => {
  assert.equal(retentionSentence(null), 'Conversations are kept until someone deletes them.');
  assert.equal(retentionSentence(1), 'Conversations resolved more than 1 day ago are deleted, with their messages and files.');
  assert.match(retentionSentence(30), /more than 30 days ago/);
});

test('erasing a visitor names what goes, and that it cannot be undone', () => {
  assert.equal(eraseQuestion('Ana', 2), 'Erase “Ana”? Their profile and their 2 conversations, with every message and file, are deleted for good. This cannot be undone.');
  assert.match(eraseQuestion('Ana', 1), /their 1 conversation,/);
  assert.match(eraseQuestion('Anonymous visitor', null), /Their profile and their conversations, with every message and file/);
});

test("the API's privacy calls: paths, methods, the file's own name", async () => {
  /** @type {{url: string, method: string, body?: string, auth?: string}[]} */
  const calls = [];
  const api = createApi({
    getToken: () => 'tok',
    onUnauthorized: () => {},
    fetch: /** @type {any} */ (async (/** @type {string} */ url, /** @type {any} */ init) => {
      calls.push({ url, method: init.method, body: init.body, auth: init.headers.Authorization });
      if (init.method === 'DELETE') return new Response(null, { status: 204 });
      if (url.endsWith('/export')) {
        const name = url.includes('/visitors/') ? 'visitor-v 1.json' : 'workspace.ndjson';
        return new Response('{"type":"workspace"}\n', { status: 200, headers: { 'Content-Disposition': `attachment; filename="${name}"` } });
      }
      return Response.json({ id: 'w-1', name: 'Acme', retention_days: 30 });
    }),
  });
  assert.deepEqual(await api.workspace(), { id: 'w-1', name: 'Acme', retention_days: 30 });
  await api.updateWorkspace({ retention_days: null });
  assert.equal((await api.exportVisitor('v 1')).name, 'visitor-v 1.json');
  const workspace = await api.exportWorkspace();
  assert.equal(workspace.name, 'workspace.ndjson');
  assert.equal(await workspace.blob.text(), '{"type":"workspace"}\n');
  assert.equal(await api.eraseVisitor('v 1'), null);
  assert.deepEqual(calls.map((c) => `${c.method} ${c.url}`), [
    'GET /api/v1/workspace',
    'PATCH /api/v1/workspace',
    'GET /api/v1/visitors/v%201/export',
    'GET /api/v1/workspace/export',
    'DELETE /api/v1/visitors/v%201',
  ]);
  assert.equal(calls[1].body, '{"retention_days":null}');
  assert.ok(calls.every((c) => c.auth === 'Bearer tok'));
});

test("an erased visitor's conversations leave the workspace; the others stay", () => {
  const ws = new Workspace();
  ws.upsertConversation({ ...conversation({ id: 'c-1', visitor_id: 'v-1' }), unread: 2 });
  ws.upsertConversation(conversation({ id: 'c-2', visitor_id: 'v-1' }));
  ws.upsertConversation(conversation({ id: 'c-3', visitor_id: 'v-2' }));
  ws.visitorChanged({ id: 'v-1', name: 'Ana' });
  const told = [];
  ws.on('conversation', (c) => told.push(c.id));
  ws.forgetVisitor('v-1');
  assert.deepEqual([...ws.conversations.keys()], ['c-3']);
  assert.deepEqual(told.sort(), ['c-1', 'c-2'], 'the inbox is told');
  assert.equal(ws.visitors.has('v-1'), false);
  assert.equal(ws.unreadTotal(), 0);
});
