// Emoji in messages: which messages are shown large, links that end before an emoji, texts cut
// on code points, and the pages seen before a first hello.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emojiOnly } from '../src/lib/view.js';
import { splitLinks } from '../../common/linkify.js';
import { MAX_PAGES_SEEN, clip, helloFrame } from '../../common/protocol.js';

test('one to three emoji alone are shown large, counted as a reader sees them', () => {
  for (const text of ['👍', ' 🎉 ', '❤️', '👍🏽 👨‍👩‍👧 🇫🇷']) assert.equal(emojiOnly(text), true, text);
  for (const text of ['👍👍👍👍', 'ok 👍', '123', '', 'a']) assert.equal(emojiOnly(text), false, text);
});

test('a link ends before an emoji, and the emoji stays whole in the text', () => {
  assert.deepEqual(splitLinks('see https://shop.example/a👍🏽 ok'), [
    { text: 'see ' },
    { text: 'https://shop.example/a', href: 'https://shop.example/a' },
    { text: '👍🏽 ok' },
  ]);
});

test('a cut never splits an emoji', () => {
  assert.equal(clip('ab👍cd', 3), 'ab👍');
});

test('a hello carries the pages seen before, at most the last 20, without broken ones', () => {
  const page = (n) => ({ url: `https://shop.example/${n}`, title: `Page ${n}`, referrer: '', seen_at: '2026-01-01T00:00:00.000Z' });
  const pages = Array.from({ length: 25 }, (_, n) => page(n));
  const frame = helloFrame('1', null, { page: { url: 'https://shop.example/now', title: 'Now' }, pages: [...pages, /** @type {any} */ ({ url: 'x' })] });
  assert.equal(frame.pages.length, MAX_PAGES_SEEN);
  assert.deepEqual(frame.pages.at(-1), page(24));
  assert.equal(helloFrame('1', null, { pages: [] }).pages, undefined, 'no field without pages');
});
