import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EN, LANGUAGES, format, loadStrings, pickLanguage } from '../src/lib/i18n.js';

const file = (lang) => JSON.parse(readFileSync(new URL(`../src/i18n/${lang}.json`, import.meta.url), 'utf8'));

test('every translation has exactly the English keys and keeps the placeholders', () => {
  for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
    const table = file(lang);
    assert.deepEqual(Object.keys(table).sort(), Object.keys(EN).sort(), lang);
    for (const [key, english] of Object.entries(EN)) {
      const placeholders = (s) => (s.match(/\{\w+\}/g) ?? []).sort();
      assert.deepEqual(placeholders(table[key]), placeholders(english), `${lang}.${key}`);
    }
  }
});

test('the site locale wins unless it is auto; then the browser; then English', () => {
  assert.equal(pickLanguage('de', ['fr-FR']), 'de');
  assert.equal(pickLanguage('auto', ['it-IT', 'es-MX']), 'es');
  assert.equal(pickLanguage('auto', ['ja']), 'en');
  assert.equal(pickLanguage('pt', ['fr']), 'fr');
  assert.equal(pickLanguage(undefined, []), 'en');
});

test('English needs no fetch; other languages are fetched from /widget/i18n/', async () => {
  const urls = [];
  const fetchJson = async (url) => {
    urls.push(url);
    return { ok: true, json: async () => file('fr') };
  };
  assert.equal((await loadStrings('en', fetchJson)).send, 'Send');
  assert.deepEqual(urls, []);
  assert.equal((await loadStrings('fr', fetchJson)).send, 'Envoyer');
  assert.deepEqual(urls, ['/widget/i18n/fr.json']);
  const failing = async () => {
    throw new TypeError('offline');
  };
  assert.equal((await loadStrings('de', failing)).send, 'Send', 'English when the file cannot be had');
});

test('format fills placeholders', () => {
  assert.equal(format(EN.typing, { name: 'Alice' }), 'Alice is typing…');
});
