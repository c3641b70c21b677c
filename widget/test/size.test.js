// Size budgets, measured as the browser receives the files: each one gzipped on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const src = new URL('../src/', import.meta.url);
const gz = (path) => gzipSync(readFileSync(new URL(path, src)), { level: 9 }).length;
const KB = 1024;

/** Every module panel.js reaches through static imports, starting from panel.js. */
function moduleGraph(entry) {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const text = readFileSync(new URL(path, src), 'utf8');
    for (const [, spec] of text.matchAll(/^\s*import\s[^'"]*['"](\.[^'"]+)['"]/gm)) {
      visit(new URL(spec, new URL(path, src)).pathname.slice(src.pathname.length));
    }
  };
  visit(entry);
  return [...seen];
}

test('the loader is at most 10 KB gzipped', () => {
  const size = gz('loader.js');
  assert.ok(size <= 10 * KB, `loader.js: ${size} bytes gzipped`);
});

test('an opened chat loads at most 40 KB gzipped', () => {
  const modules = moduleGraph('panel.js');
  assert.ok(modules.includes('lib/chat.js') && modules.includes('lib/view.js'), 'the module graph was followed');
  const largestLanguage = Math.max(...readdirSync(new URL('i18n/', src)).map((f) => gz(`i18n/${f}`)));
  const files = ['loader.js', 'panel.html', 'panel.css', ...modules];
  const total = files.reduce((sum, f) => sum + gz(f), 0) + largestLanguage;
  assert.ok(total <= 40 * KB, `opened chat: ${total} bytes gzipped (${files.join(', ')} + one i18n file)`);
});

test('panel.html loads only same-origin files under /widget/, with no inline script or style', () => {
  const html = readFileSync(new URL('panel.html', src), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script>');
  assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style');
  assert.doesNotMatch(html, /\son\w+=/, 'no inline handlers');
  for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(url, /^\/widget\//, url);
  assert.match(html, /\/widget\/panel\.js\?v=__PANEL_VERSION__/);
  assert.match(html, /\/widget\/panel\.css\?v=__PANEL_VERSION__/);
  const preloaded = [...html.matchAll(/rel="modulepreload" href="\/widget\/([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(preloaded, moduleGraph('panel.js').filter((m) => m !== 'panel.js').sort(), 'every module is preloaded');
});

test('no widget code writes HTML from strings', () => {
  const files = ['loader.js', ...moduleGraph('panel.js')];
  for (const f of files) {
    const text = readFileSync(new URL(f, src), 'utf8');
    assert.doesNotMatch(text, /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, f);
  }
});
