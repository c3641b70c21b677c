import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as P from '../protocol.js';
import {
  enumVariants, numericArms, numericConsts, numericField, rustSources, screamingSnake, snakeCase, textEnumValues,
} from './helpers/rust.js';

// ---- the server's sources and this module agree -----------------------------------------------
// Wherever the server's definitions live under src/, each one found must say what
// common/protocol.js says; a definition that cannot be found at all fails too (update the
// helper, not the constants, if the server only moved it).

const sources = rustSources();

/** @param {string} name */
function variantsOf(name) {
  const found = enumVariants(sources, name);
  assert.ok(found.length > 0, `no \`enum ${name}\` found under src/`);
  return found;
}

test('error codes are those of the server (plus the client-only `disconnected`)', () => {
  const ours = Object.values(P.ErrorCode).filter((c) => c !== P.ErrorCode.DISCONNECTED).sort();
  for (const { file, variants } of variantsOf('ErrorCode')) {
    assert.deepEqual(variants.map(snakeCase).sort(), ours, `ErrorCode in src/${file}`);
  }
  assert.ok(!sources.some(({ text }) => text.includes('"disconnected"')), 'the server never sends `disconnected`');
});

test('close codes are those of the server, with the same numbers', () => {
  const arms = numericArms(sources, 'Close');
  const named = Object.fromEntries(Object.entries(arms).map(([variant, code]) => [screamingSnake(variant), code]));
  assert.deepEqual(named, { ...P.Close });
  for (const { file, variants } of variantsOf('Close')) {
    assert.deepEqual(variants.map(screamingSnake).sort(), Object.keys(P.Close).sort(), `Close in src/${file}`);
  }
});

test('client frame types are the variants of ClientFrame', () => {
  for (const { file, variants } of variantsOf('ClientFrame')) {
    assert.deepEqual(variants.map(snakeCase).sort(), Object.values(P.Client).sort(), `ClientFrame in src/${file}`);
  }
});

test('every server frame type is one the server writes', () => {
  const taggedEnums = new Set();
  for (const { text } of sources) {
    for (const m of text.matchAll(/#\[serde\([^\]]*\btag\s*=\s*"type"[^\]]*\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?enum\s+(\w+)/g)) {
      taggedEnums.add(m[1]);
    }
  }
  const variants = new Set([...taggedEnums].flatMap((name) => enumVariants(sources, name).flatMap((e) => e.variants.map(snakeCase))));
  const all = sources.map((s) => s.text).join('\n');
  for (const type of Object.values(P.Server)) {
    assert.ok(variants.has(type) || all.includes(`"${type}"`), `the server never writes a \`${type}\` frame`);
  }
});

test('message kinds, author kinds and agent statuses are those of the server', () => {
  /** @param {string} name @param {string[]} ours */
  const same = (name, ours) => {
    const found = [
      ...textEnumValues(sources, name).map((e) => ({ file: e.file, values: e.values })),
      ...enumVariants(sources, name).map((e) => ({ file: e.file, values: e.variants.map(snakeCase) })),
    ];
    assert.ok(found.length > 0, `no ${name} found under src/`);
    for (const { file, values } of found) assert.deepEqual([...values].sort(), [...ours].sort(), `${name} in src/${file}`);
  };
  same('MessageKind', Object.values(P.Kind));
  same('AuthorKind', Object.values(P.AuthorKind));
  same('AgentStatus', Object.values(P.AgentStatus));
});

test("limits are the server's defaults", () => {
  const consts = numericConsts(sources);
  for (const name of ['MAX_REF_CHARS', 'SYNC_PAGE', 'HISTORY_MAX', 'HISTORY_DEFAULT', 'MAX_URL_CHARS', 'MAX_TITLE_CHARS', 'MAX_PREVIEW_CHARS', 'MAX_COMMENT_CHARS']) {
    assert.ok(consts[name]?.length, `no const ${name} under src/`);
    for (const value of consts[name]) assert.equal(value, P.Limits[name], name);
  }
  assert.deepEqual(numericField(sources, 'max_body_chars'), [P.Limits.MAX_BODY_CHARS], 'max_body_chars default');
  const [burst] = numericField(sources, 'send_burst');
  assert.ok(burst > 0 && P.Limits.SEND_WINDOW <= burst / 2, `the send window (${P.Limits.SEND_WINDOW}) leaves room in the burst (${burst})`);
});

test("clients ping well before the server's idle timeout, and give up on a silent socket before it", () => {
  const [idle] = numericField(sources, 'idle_timeout');
  assert.ok(idle > 0, 'idle_timeout default found');
  assert.ok(P.Timing.PING_INTERVAL_MS + P.Timing.PONG_TIMEOUT_MS < idle * 1000);
  assert.ok(P.Timing.TYPING_REPEAT_MS < P.Timing.TYPING_TTL_MS, 'a repeated `typing on` arrives before the other side forgets');
});

// ---- behaviour both clients rely on -----------------------------------------------------------

test('a close code means one thing per role', () => {
  assert.equal(P.closeAction('visitor', 4003), 'stop');
  assert.equal(P.closeAction('visitor', 4001), 'fresh');
  assert.equal(P.closeAction('agent', 4001), 'logout');
  assert.equal(P.closeAction('agent', 4003), 'logout');
  for (const code of [1000, 1001, 1006, 1008, 1011, 1012, 1013, 0]) {
    assert.equal(P.closeAction('visitor', code), 'retry', `visitor ${code}`);
    assert.equal(P.closeAction('agent', code), 'retry', `agent ${code}`);
  }
});

test('only unavailable, rate_limited, conflict and a lost connection are worth a resend', () => {
  assert.deepEqual([...P.RETRYABLE].sort(), ['conflict', 'disconnected', 'rate_limited', 'unavailable']);
});

test('socket URLs follow the page: ws for http, wss for https, the site key for visitors', () => {
  assert.equal(P.socketUrl('https://chat.example.com', 'visitor', 'pk_a b'), 'wss://chat.example.com/ws/visitor?site_key=pk_a+b');
  assert.equal(P.socketUrl('http://127.0.0.1:8080', 'agent'), 'ws://127.0.0.1:8080/ws/agent');
});

test('hello: a visitor sends its page (clipped) and identity; an agent only its token', () => {
  const page = { url: `https://shop.example/${'x'.repeat(3000)}`, title: 'T'.repeat(1200), referrer: '' };
  const hello = P.helloFrame('1', null, { page, identity: { jwt: 'j' } });
  assert.equal(hello.token, null);
  assert.equal(hello.page.url.length, P.Limits.MAX_URL_CHARS);
  assert.equal(hello.page.title.length, P.Limits.MAX_TITLE_CHARS);
  assert.equal('referrer' in hello.page, false);
  assert.deepEqual(hello.identity, { jwt: 'j' });
  assert.deepEqual(P.helloFrame('hello-1', 'jwt-token'), { type: 'hello', ref: 'hello-1', token: 'jwt-token' });
});

test('send: text by default, notes for agents, no conversation id for a first visitor message, files by id', () => {
  assert.deepEqual(P.sendFrame('2', null, 'm-1', 'Hi'), { type: 'send', ref: '2', client_msg_id: 'm-1', kind: 'text', body: 'Hi' });
  assert.deepEqual(P.sendFrame('3', 'c-1', 'm-2', 'FYI', 'note'),
    { type: 'send', ref: '3', conversation_id: 'c-1', client_msg_id: 'm-2', kind: 'note', body: 'FYI' });
  const ids = ['u-1', 'u-2'];
  const withFiles = P.sendFrame('4', 'c-1', 'm-3', '', 'text', ids);
  assert.deepEqual(withFiles, { type: 'send', ref: '4', conversation_id: 'c-1', client_msg_id: 'm-3', kind: 'text', body: '', attachments: ['u-1', 'u-2'] });
  assert.notEqual(withFiles.attachments, ids, 'a copy: the caller keeps its array');
  assert.equal('attachments' in P.sendFrame('5', null, 'm-4', 'Hi', 'text', []), false, 'no attachments field without files');
});

test('history asks for at most HISTORY_MAX; sync, read, status, page, profile, end and rate have their shapes', () => {
  assert.equal(P.historyFrame('1', 'c', null, 500).limit, P.Limits.HISTORY_MAX);
  assert.deepEqual(P.historyFrame('1', 'c', 7, 20), { type: 'history', ref: '1', conversation_id: 'c', before_seq: 7, limit: 20 });
  assert.deepEqual(P.syncFrame('1', 'c', 3), { type: 'sync', ref: '1', conversation_id: 'c', after_seq: 3 });
  assert.deepEqual(P.readFrame('c', 4), { type: 'read', conversation_id: 'c', seq: 4 });
  assert.deepEqual(P.readFrame('c', 4, '9'), { type: 'read', conversation_id: 'c', seq: 4, ref: '9' });
  assert.deepEqual(P.statusFrame('1', 'away'), { type: 'status', ref: '1', status: 'away' });
  assert.deepEqual(P.pageFrame({ url: 'https://s.example/', title: 'S' }), { type: 'page', url: 'https://s.example/', title: 'S' });
  assert.deepEqual(P.profileFrame('1', 'a@b.example'), { type: 'profile', ref: '1', email: 'a@b.example' });
  assert.deepEqual(P.profileFrame('1', 'a@b.example', 'Ada'), { type: 'profile', ref: '1', email: 'a@b.example', name: 'Ada' });
  assert.deepEqual(P.endFrame('1', 'c'), { type: 'end', ref: '1', conversation_id: 'c' });
  assert.deepEqual(P.transcriptFrame('1', 'c'), { type: 'transcript', ref: '1', conversation_id: 'c' });
  assert.deepEqual(P.rateFrame('1', 'c', 4, 'Quick'), { type: 'rate', ref: '1', conversation_id: 'c', score: 4, comment: 'Quick' });
  assert.deepEqual(P.rateFrame('1', 'c', 5, ''), { type: 'rate', ref: '1', conversation_id: 'c', score: 5 }, 'no comment: left out');
  assert.deepEqual(P.pingFrame(), { type: 'ping' });
});

test('prechat carries the answers as given, by field name', () => {
  assert.deepEqual(P.prechatFrame('4', { name: 'Ada', terms: true }), { type: 'prechat', ref: '4', answers: { name: 'Ada', terms: true } });
  assert.equal(P.Client.PRECHAT, 'prechat');
  assert.equal(P.Server.QUEUE, 'queue');
});

test('typing carries a clipped preview only with `on`', () => {
  assert.deepEqual(P.typingFrame('c', 'on'), { type: 'typing', conversation_id: 'c', state: 'on' });
  assert.equal(P.typingFrame('c', 'on', 'é'.repeat(5000)).preview.length, P.Limits.MAX_PREVIEW_CHARS);
  assert.equal('preview' in P.typingFrame('c', 'off', 'draft'), false);
});

test('a score is an integer from 1 to 5', () => {
  for (const good of [1, 2, 3, 4, 5]) assert.equal(P.isScore(good), true, String(good));
  for (const bad of [0, 6, 4.5, -1, '4', null, undefined, NaN]) assert.equal(P.isScore(bad), false, String(bad));
});

test('lengths are counted, and text cut, in code points as the server does', () => {
  assert.equal(P.codePoints('a😀b'), 3);
  assert.equal('a😀b'.length, 4);
  assert.equal(P.clip('😀😀😀', 2), '😀😀');
  assert.equal(P.clip(null, 5), '');
  assert.equal(P.clip('short', 10), 'short');
});
