// The dashboard as served, from dist/dashboard (built by scripts/build-web.mjs; its `--check`
// runs in common/test/dist.test.js): one page naming one content-hashed script and stylesheet,
// and the chunks that script loads with import() when first needed (the HTTP transport, the
// Reports page's charts with uPlot), content-hashed too.
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

const entry = named.find((h) => h.endsWith('.js'))?.replace('/dashboard/', '') ?? '';
const entryCode = readFileSync(new URL(entry, dist), 'utf8');
/** The chunks the entry loads with import(), by file name. */
const chunks = [...entryCode.matchAll(/\bimport\("\.\/([^"]+)"\)/g)].map((m) => m[1]);

test('dist/dashboard holds the page, what it names and the chunks its script loads, nothing stale', () => {
  assert.deepEqual(readdirSync(dist).sort(), ['index.html', ...named.map((h) => h.replace('/dashboard/', '')), ...chunks].sort());
});

test('the entry imports nothing at its first load; each chunk is named by its content, imports nothing, writes no HTML', (t) => {
  assert.doesNotMatch(entryCode, /\bimport\s*[{*"']|\}from["']/, 'no static import in the entry');
  for (const name of [entry, ...chunks]) {
    const content = readFileSync(new URL(name, dist));
    const code = content.toString('utf8');
    if (name !== entry) {
      assert.match(name, /^[a-z-]+-[0-9a-f]{12}\.js$/);
      assert.ok(createHash('sha256').update(content).digest('hex').startsWith(/-([0-9a-f]{12})\./.exec(name)?.[1] ?? '-'), `${name} is named by its content`);
      assert.doesNotMatch(code, /\bimport\s*\(|\bimport\s*[{*"']|\}from["']/, `${name} imports nothing`);
      t.diagnostic(`${name}: ${content.length} B, ${gzipSync(content, { level: 9 }).length} B gzipped`);
    }
    assert.doesNotMatch(code, /\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, name);
  }
});

test("uPlot is in the Reports page's chunk only, not in the entry", () => {
  const charts = chunks.filter((c) => c.startsWith('report-charts-'));
  assert.equal(charts.length, 1);
  assert.match(readFileSync(new URL(charts[0], dist), 'utf8'), /u-cursor-pt/);
  assert.doesNotMatch(entryCode, /u-cursor-pt|"uplot"/);
});
