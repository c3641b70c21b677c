// What the widget ships, as built into dist/widget by scripts/build-web.mjs (`--check`, run by
// common/test/dist.test.js, proves dist/ is what the sources build to): size budgets measured
// as the browser receives the files (each gzipped on its own), the layout the server serves
// (the panel's one file for the first open, and the chunks it imports only when needed: the
// forms, the rating prompt, files), and no way to write HTML from strings, in the sources and in the
// bundles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const src = new URL('../src/', import.meta.url);
const dist = new URL('../../dist/widget/', import.meta.url);
const gz = (/** @type {URL} */ url) => gzipSync(readFileSync(url), { level: 9 }).length;
const KB = 1024;
/** A name the server may cache for good: `<name>-<12 hex>.<ext>`. */
const HASHED = /^(.+)-([0-9a-f]{12})\.(js|css)$/;

/** The panel document as served, and the files it names. */
function panelDocument() {
  const html = readFileSync(new URL('panel.html', dist), 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]);
  const styles = [...html.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
  return { html, scripts, styles };
}

/** @param {string} href an absolute path under /widget/ @returns {URL} the file in dist/widget */
const built = (href) => new URL(href.replace(/^\/widget\//, ''), dist);

/** Every module panel.js reaches through static and dynamic imports (common/ included), as URLs. */
function moduleGraph() {
  const seen = new Map();
  /** @param {URL} url */
  const visit = (url) => {
    if (seen.has(url.href)) return;
    seen.set(url.href, url);
    const text = readFileSync(url, 'utf8');
    for (const [, spec] of text.matchAll(/^\s*import\s[^'"]*['"](\.[^'"]+)['"]/gm)) visit(new URL(spec, url));
    for (const [, spec] of text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) visit(new URL(spec, url));
  };
  visit(new URL('panel.js', src));
  return [...seen.values()];
}

/** What a built module imports: `import("./x.js")` (lazily) and `import … from "./x.js"` (at once). @param {string} code */
function importsOf(code) {
  return {
    lazy: [...code.matchAll(/\bimport\("\.\/([^"]+)"\)/g)].map((m) => m[1]),
    eager: [...code.matchAll(/(?:\bimport\s*["']|\bimport\s*[{*][^;]*?from\s*["']|\}from["'])(\.\/[^"']+)/g)].map((m) => m[1]),
  };
}

/** The chunks the panel loads only when needed (named in its bundle), as file names in dist/widget. */
function lazyChunks() {
  const { scripts } = panelDocument();
  const names = new Set();
  /** @param {string} file */
  const visit = (file) => {
    const { lazy, eager } = importsOf(readFileSync(new URL(file, dist), 'utf8'));
    for (const name of [...lazy, ...eager.map((e) => e.replace(/^\.\//, ''))]) {
      if (names.has(name)) continue;
      names.add(name);
      visit(name);
    }
  };
  visit(scripts[0].replace(/^\/widget\//, ''));
  return [...names].sort();
}

test('the loader, as served, is at most 10 KB gzipped', (t) => {
  const size = gz(new URL('loader.js', dist));
  t.diagnostic(`dist/widget/loader.js: ${size} B gzipped`);
  assert.ok(size <= 10 * KB, `loader.js: ${size} bytes gzipped`);
});

test('the first open loads at most 40 KB gzipped, in five requests', (t) => {
  const { scripts, styles } = panelDocument();
  const largestLanguage = Math.max(...readdirSync(new URL('i18n/', dist)).map((f) => gz(new URL(`i18n/${f}`, dist))));
  const files = [new URL('loader.js', dist), new URL('panel.html', dist), ...scripts.map(built), ...styles.map(built)];
  const sizes = files.map((f) => [f.pathname.split('/dist/')[1], gz(f)]);
  const total = sizes.reduce((sum, [, size]) => sum + Number(size), 0) + largestLanguage;
  t.diagnostic(`first open: ${total} B gzipped in ${files.length + 1} requests: ${sizes.map(([f, s]) => `${f} ${s}`).join(', ')}, largest i18n ${largestLanguage}`);
  assert.equal(files.length + 1, 5, 'loader, panel.html, one script, one stylesheet, one translation');
  assert.ok(total <= 40 * KB, `first open: ${total} bytes gzipped`);

  // A site with a pre-chat form shows it at the first open, a visitor may send a screenshot,
  // and a chat may come to its rating on that page: with every lazily loaded chunk too, the
  // budget still holds. Left out: the "delete my conversations" step, which ends the chat it
  // is loaded in (nothing else is fetched for that conversation afterwards); it is counted in
  // its own budget below.
  const all = lazyChunks().map((name) => [name, gz(new URL(name, dist))]);
  const forget = all.filter(([f]) => String(f).startsWith('forget-'));
  assert.equal(forget.length, 1, 'the forget step is a chunk of its own');
  assert.ok(Number(forget[0][1]) <= 1 * KB, `the forget step: ${forget[0][1]} bytes gzipped`);
  const chunks = all.filter(([f]) => !String(f).startsWith('forget-'));
  const everything = total + chunks.reduce((sum, [, size]) => sum + Number(size), 0);
  t.diagnostic(`with every chunk loaded when needed: ${everything} B gzipped (${chunks.map(([f, size]) => `${f} ${size}`).join(', ')})`);
  for (const name of ['forms', 'rating', 'attachments']) {
    assert.ok(chunks.some(([f]) => String(f).startsWith(`${name}-`)), `${name} is a chunk of its own`);
  }
  // (40 KB until the desk's and the privacy wave's entries grew the panel; the first open
  // itself stays within 40 KB above.)
  assert.ok(everything <= 42 * KB, `first open with the forms, the rating prompt and files: ${everything} bytes gzipped`);
});

test('panel.html names one module script and one stylesheet, content-hashed, with no inline script or style', () => {
  const { html, scripts, styles } = panelDocument();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline <script>');
  assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style');
  assert.doesNotMatch(html, /\son\w+=/, 'no inline handlers');
  assert.doesNotMatch(html, /__PANEL_VERSION__|\?v=/, 'hashed names replace the version query');
  for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(url, /^\/widget\/[^/]/, url);
  assert.equal(scripts.length, 1);
  assert.match(html, /<script type="module" src="/);
  assert.equal(styles.length, 1);
  for (const href of [...scripts, ...styles]) {
    const name = href.split('/').pop() ?? '';
    const [, base, hash] = HASHED.exec(name) ?? [];
    assert.equal(base, 'panel', `${href} is panel-<hash>`);
    const sha = createHash('sha256').update(readFileSync(built(href))).digest('hex');
    assert.ok(sha.startsWith(hash), `${href}: the name's hash is its content's (cached for good by the server)`);
  }
});

test('dist/widget holds exactly what the server serves', () => {
  const { scripts, styles } = panelDocument();
  const names = readdirSync(dist).sort();
  const expected = ['demo.css', 'demo.html', 'demo.js', 'i18n', 'loader.js', 'panel.html',
    ...[...scripts, ...styles].map((href) => href.split('/').pop()), ...lazyChunks()].sort();
  assert.deepEqual(names, expected, 'no stale bundle is left behind');
  assert.deepEqual(readdirSync(new URL('i18n/', dist)).sort(), readdirSync(new URL('i18n/', src)).sort());
  for (const f of ['demo.html', 'demo.css', 'demo.js', 'i18n/de.json']) {
    assert.ok(readFileSync(new URL(f, dist)).equals(readFileSync(new URL(f, src))), `${f} is copied as it is`);
  }
  assert.match(readFileSync(new URL('demo.html', dist), 'utf8'), /__PUBLIC_URL__[\s\S]*__SITE_KEY__/, 'the server fills the demo page in');
});

test('the panel opens with one file; what it imports later are content-hashed chunks beside it', () => {
  const { scripts } = panelDocument();
  const code = readFileSync(built(scripts[0]), 'utf8');
  assert.doesNotMatch(code, /\bimport\s*[{*"']|\}from["']/, 'no static import: the first open is one script');
  const { lazy } = importsOf(code);
  assert.deepEqual(lazy.map((f) => f.replace(/-[0-9a-f]{12}\.js$/, '')).sort(), ['attachments', 'emoji', 'forget', 'forms', 'http-transport', 'proactive', 'rating']);
  for (const name of lazyChunks()) {
    const [, base, hash] = HASHED.exec(name) ?? [];
    assert.ok(base && hash, `${name} is <name>-<hash>.js (cached for good by the server)`);
    const sha = createHash('sha256').update(readFileSync(new URL(name, dist))).digest('hex');
    assert.ok(sha.startsWith(hash), `${name}: the name's hash is its content's`);
  }
  assert.doesNotMatch(readFileSync(new URL('loader.js', dist), 'utf8'), /\bimport\s*\(|\bimport\s*[{*"']|\}from["']/);
});

test('no widget code writes HTML from strings, in the sources or in what is served', () => {
  const modules = moduleGraph();
  assert.ok(modules.some((m) => m.pathname.endsWith('/lib/chat.js')) && modules.some((m) => m.pathname.endsWith('/common/timeline.js')), 'the module graph was followed');
  for (const lazy of ['/lib/forms.js', '/lib/rating.js', '/lib/attachments.js', '/common/uploads.js', '/lib/emoji.js', '/lib/proactive.js', '/lib/forget.js', '/common/http-transport.js']) {
    assert.ok(modules.some((m) => m.pathname.endsWith(lazy)), `lazily imported modules too: ${lazy}`);
  }
  const { scripts } = panelDocument();
  const chunks = lazyChunks().map((name) => new URL(name, dist));
  const files = [new URL('loader.js', src), ...modules, new URL('loader.js', dist), ...scripts.map(built), ...chunks];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, f.pathname);
  }
});
