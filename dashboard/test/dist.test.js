// The dashboard as served, from dist/dashboard (built by scripts/build-web.mjs; its `--check`
// runs in common/test/dist.test.js): one page naming one content-hashed script and stylesheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dist = new URL('../../dist/dashboard/', import.meta.url);
const html = readFileSync(new URL('index.html', dist), 'utf8');
const named = [...html.matchAll(/\s(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]);

test('index.html names one module script and one stylesheet, content-hashed, and nothing inline', (t) => {
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script>');
  assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=/, 'no inline style or handler');
  assert.match(html, /<script type="module" src="\/dashboard\/app-[0-9a-f]{12}\.js">/);
  assert.match(html, /<link rel="stylesheet" href="\/dashboard\/app-[0-9a-f]{12}\.css">/);
  assert.equal(named.length, 2);
  for (const href of named) {
    const content = readFileSync(new URL(href.replace('/dashboard/', ''), dist));
    const hash = /-([0-9a-f]{12})\./.exec(href)?.[1] ?? '';
    assert.ok(createHash('sha256').update(content).digest('hex').startsWith(hash), `${href} is named by its content`);
    t.diagnostic(`${href}: ${content.length} B, ${gzipSync(content, { level: 9 }).length} B gzipped`);
  }
});

test('dist/dashboard holds the page and what it names, nothing stale', () => {
  assert.deepEqual(readdirSync(dist).sort(), ['index.html', ...named.map((h) => h.replace('/dashboard/', ''))].sort());
});

test('the bundle imports nothing and writes no HTML from strings', () => {
  const code = readFileSync(new URL(named.find((h) => h.endsWith('.js')).replace('/dashboard/', ''), dist), 'utf8');
  assert.doesNotMatch(code, /\bimport\s*\(|\bimport\s*[{*"']|\}from["']/);
  assert.doesNotMatch(code, /\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
});
