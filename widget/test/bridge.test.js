import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bridge, parentOriginConfirmed, readFrameParams } from '../src/lib/bridge.js';

test('the panel reads its site key and parent origin from its URL', () => {
  assert.deepEqual(readFrameParams({ search: '?site_key=pk_1', hash: '#origin=https%3A%2F%2Fshop.example' }), {
    siteKey: 'pk_1',
    parentOrigin: 'https://shop.example',
  });
  assert.equal(readFrameParams({ search: '?site_key=pk_1', hash: '#origin=https%3A%2F%2Fshop.example%2Fpath' }), null, 'an origin, not a URL');
  assert.equal(readFrameParams({ search: '?site_key=pk_1', hash: '#origin=*' }), null);
  assert.equal(readFrameParams({ search: '', hash: '#origin=https%3A%2F%2Fshop.example' }), null);
});

test("the claimed parent origin must match what the browser reports", () => {
  assert.equal(parentOriginConfirmed('https://shop.example', ['https://shop.example'], ''), true);
  assert.equal(parentOriginConfirmed('https://shop.example', ['https://evil.example'], 'https://shop.example/'), false);
  assert.equal(parentOriginConfirmed('https://shop.example', undefined, 'https://evil.example/page'), false);
  assert.equal(parentOriginConfirmed('https://shop.example', undefined, 'https://shop.example/cart'), true);
});

test('the bridge accepts messages only from window.parent with the pinned origin, and posts only there', () => {
  const listeners = [];
  const posted = [];
  const parent = { postMessage: (data, target) => posted.push({ data, target }) };
  const win = { parent, addEventListener: (type, fn) => listeners.push(fn) };
  const got = [];
  const bridge = new Bridge(/** @type {any} */ (win), 'https://shop.example', (type, data) => got.push([type, data.x]));
  const deliver = (event) => listeners.forEach((fn) => fn(event));
  deliver({ source: parent, origin: 'https://evil.example', data: { parley: 1, type: 'init', x: 1 } });
  deliver({ source: {}, origin: 'https://shop.example', data: { parley: 1, type: 'init', x: 2 } });
  deliver({ source: parent, origin: 'https://shop.example', data: { type: 'init', x: 3 } });
  deliver({ source: parent, origin: 'https://shop.example', data: { parley: 1, type: 'init', x: 4 } });
  assert.deepEqual(got, [['init', 4]]);
  bridge.post('ready');
  assert.deepEqual(posted, [{ data: { parley: 1, type: 'ready' }, target: 'https://shop.example' }]);
});
