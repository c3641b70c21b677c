#!/usr/bin/env node
// Builds Parley's browser code into dist/, which the server embeds and serves as it is:
//
//   node scripts/build-web.mjs            writes dist/ (after `npm ci` at the repository root)
//   node scripts/build-web.mjs --check    builds into a temporary folder and exits 1, naming
//                                         the files, when dist/ differs from that fresh build
//
// Each entry becomes one minified file, bundled by esbuild (the version pinned in
// package-lock.json): the widget's loader (a classic script, served as /widget.js under this
// stable name), the widget's panel (an ES module) and the dashboard (an ES module), and each
// stylesheet. The panel's and the dashboard's code and styles get content-hashed names,
// `<name>-<first 12 hex chars of the sha256 of the content>.<ext>`, which the server caches
// for good; the HTML documents name them. The panel is split: what it loads with `import()`
// (the forms, the rating prompt) becomes a chunk of its own, hashed alike, fetched only when
// first needed; the build fails if the panel's first-open file would import anything (a module
// shared by the panel and a lazy part would become such a chunk). The dashboard is split alike
// (the Reports page's charts, with uPlot, are its chunk). The output depends only on
// the sources and the esbuild version: the same sources always give the same bytes. See
// docs/web.md.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
/** The language level of the sources (jsconfig.json): nothing is lowered, nothing polyfilled. */
const TARGET = 'es2022';
/** Hex characters of the sha256 kept in a hashed name. */
const HASH_CHARS = 12;
/** Files of the dashboard folder that its page uses at run time, besides its code and style. */
const DASHBOARD_STATIC = /\.(svg|png|ico|webp|mp3|ogg|wav|woff2)$/;

/** @typedef {Map<string, Buffer>} Output relative path under dist/ → content */

async function main() {
  const check = process.argv.includes('--check');
  const unknown = process.argv.slice(2).filter((a) => a !== '--check');
  if (unknown.length) fail(`unknown argument ${unknown.join(' ')}; usage: node scripts/build-web.mjs [--check]`);
  const esbuild = await loadEsbuild();
  const output = await buildAll(esbuild);
  if (check) {
    const tmp = mkdtempSync(path.join(tmpdir(), 'parley-web-'));
    try {
      writeTree(tmp, output);
      const problems = compare(readTree(DIST), readTree(tmp));
      if (problems.length) {
        console.error(`dist/ is stale: it differs from a fresh build of the sources (esbuild ${esbuild.version}):`);
        for (const p of problems) console.error(`  ${p}`);
        console.error('Run `node scripts/build-web.mjs` and commit dist/.');
        process.exit(1);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`dist/ is up to date (${output.size} files, esbuild ${esbuild.version})`);
    return;
  }
  rmSync(DIST, { recursive: true, force: true });
  writeTree(DIST, output);
  report(output);
}

/** esbuild, at the version package.json pins (another one would build other bytes). */
async function loadEsbuild() {
  const wanted = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies.esbuild;
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    fail('esbuild is not installed: run `npm ci` at the repository root');
  }
  if (esbuild.version !== wanted) fail(`esbuild ${esbuild.version} is installed, package.json pins ${wanted}: run \`npm ci\``);
  return esbuild;
}

/** @param {typeof import('esbuild')} esbuild @returns {Promise<Output>} */
async function buildAll(esbuild) {
  /** @type {Output} */
  const out = new Map();

  // The widget: the loader under its stable name, the panel's code and style hashed.
  out.set('widget/loader.js', await bundle(esbuild, 'widget/src/loader.js', 'iife'));
  const [panelJs, ...chunks] = await split(esbuild, 'widget/src/panel.js', 'widget/panel');
  const panelCss = hashedName('widget/panel', 'css', await bundle(esbuild, 'widget/src/panel.css'));
  for (const file of [panelJs, ...chunks, panelCss]) out.set(file.path, file.content);
  out.set('widget/panel.html', html('widget/src/panel.html', {
    '/widget/panel.js': `/${panelJs.path}`,
    '/widget/panel.css': `/${panelCss.path}`,
  }));
  for (const name of list('widget/src/i18n', /\.json$/)) out.set(`widget/i18n/${name}`, read(`widget/src/i18n/${name}`));
  // The demo page is filled in by the server (__PUBLIC_URL__, __SITE_KEY__): copied as it is.
  for (const name of ['demo.html', 'demo.css', 'demo.js']) out.set(`widget/${name}`, read(`widget/src/${name}`));

  // The dashboard, split like the panel: the Reports page's charts (uPlot) are a chunk of their own.
  const [appJs, ...appChunks] = await split(esbuild, 'dashboard/app.js', 'dashboard/app');
  const appCss = hashedName('dashboard/app', 'css', await bundle(esbuild, 'dashboard/app.css'));
  for (const file of [appJs, ...appChunks, appCss]) out.set(file.path, file.content);
  out.set('dashboard/index.html', html('dashboard/index.html', {
    '/dashboard/app.js': `/${appJs.path}`,
    '/dashboard/app.css': `/${appCss.path}`,
  }));
  for (const name of walk('dashboard').filter((f) => DASHBOARD_STATIC.test(f))) out.set(`dashboard/${name}`, read(`dashboard/${name}`));
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * One entry and everything it imports, as one minified file. Any esbuild warning fails the
 * build: it would ship.
 * @param {typeof import('esbuild')} esbuild
 * @param {string} entry relative to the repository
 * @param {'iife' | 'esm'} [format] for scripts
 * @returns {Promise<Buffer>}
 */
async function bundle(esbuild, entry, format) {
  const result = await esbuild.build(options(entry, entry.endsWith('.css') ? undefined : format));
  await refuseWarnings(esbuild, entry, result);
  if (result.outputFiles.length !== 1) fail(`${entry} gave ${result.outputFiles.length} files, not one`);
  return Buffer.from(result.outputFiles[0].contents);
}

/**
 * What every build of an entry shares: bundled, minified, in memory, for browsers at `TARGET`.
 * @param {string} entry @param {'iife' | 'esm' | undefined} format
 * @returns {import('esbuild').BuildOptions & {write: false}}
 */
function options(entry, format) {
  return {
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    outdir: 'out',
    platform: 'browser',
    target: TARGET,
    format,
    charset: 'utf8',
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'silent',
  };
}

/**
 * Any esbuild warning fails the build: it would ship.
 * @param {typeof import('esbuild')} esbuild @param {string} entry @param {import('esbuild').BuildResult} result
 */
async function refuseWarnings(esbuild, entry, result) {
  if (!result.warnings.length) return;
  const text = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
  fail(`esbuild warned about ${entry}:\n${text.join('\n')}`);
}

/**
 * An ES module entry split by esbuild: the entry and the chunks it loads with `import()`, each
 * named `<name>-<hash>.js` from its content (after the names of the chunks it imports are put
 * in it), all in the entry's folder so that the imports' relative paths hold. The entry must
 * import nothing statically: its first load is one request.
 * @param {typeof import('esbuild')} esbuild
 * @param {string} entry relative to the repository
 * @param {string} base the entry's built name without hash and extension, e.g. `widget/panel`
 * @returns {Promise<{path: string, content: Buffer}[]>} the entry first, then its chunks by name
 */
async function split(esbuild, entry, base) {
  const result = await esbuild.build({
    ...options(entry, 'esm'),
    splitting: true,
    metafile: true,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
  });
  await refuseWarnings(esbuild, entry, result);
  /** esbuild's output name (`out/x.js`) → its content and the output names it imports. */
  const built = new Map(result.outputFiles.map((f) => {
    const name = path.relative(ROOT, f.path);
    const imports = result.metafile.outputs[name].imports.filter((i) => !i.external);
    return [name, { content: Buffer.from(f.contents), imports }];
  }));
  const entryName = [...built.keys()].find((name) => result.metafile.outputs[name].entryPoint === entry);
  if (!entryName) fail(`${entry}: esbuild named no output for it`);
  const eager = built.get(entryName)?.imports.filter((i) => i.kind !== 'dynamic-import') ?? [];
  if (eager.length) {
    fail(`${entry} would import ${eager.map((i) => i.path).join(', ')} at its first load: a module it shares with a part it `
      + 'loads with import() went into a chunk of its own. Give that part what it needs as an argument instead (see widget/src/lib/view.js, Kit).');
  }
  const dir = path.posix.dirname(base);
  /** esbuild's name → the hashed file */
  const named = new Map();
  /** @param {string} name */
  const rename = (name) => {
    const done = named.get(name);
    if (done) return done;
    const file = /** @type {{content: Buffer, imports: {path: string}[]}} */ (built.get(name));
    let text = file.content.toString('utf8');
    for (const { path: imported } of file.imports) {
      const from = `"./${path.posix.basename(imported)}"`;
      const to = `"./${path.posix.basename(rename(imported).path)}"`;
      if (!text.includes(from)) fail(`${name} does not name ${from} as esbuild said it imports it`);
      text = text.split(from).join(to);
    }
    const stem = name === entryName ? base : `${dir}/${path.posix.basename(name).replace(/-[A-Z0-9]+\.js$/, '')}`;
    const hashed = hashedName(stem, 'js', Buffer.from(text, 'utf8'));
    named.set(name, hashed);
    return hashed;
  };
  const entryFile = rename(entryName);
  const chunks = [...built.keys()].filter((name) => name !== entryName).map(rename);
  return [entryFile, ...chunks.sort((a, b) => (a.path < b.path ? -1 : 1))];
}

/**
 * `<base>-<hash>.<ext>`, the hash being the first hex characters of the content's sha256.
 * @param {string} base @param {string} ext @param {Buffer} content
 */
function hashedName(base, ext, content) {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, HASH_CHARS);
  return { path: `${base}-${hash}.${ext}`, content };
}

/**
 * An HTML document whose references to the sources' names are replaced by the built files'
 * names. Each reference must appear exactly once, as an attribute value.
 * @param {string} file @param {Record<string, string>} names source URL → built URL
 */
function html(file, names) {
  let text = read(file).toString('utf8');
  for (const [from, to] of Object.entries(names)) {
    const attribute = new RegExp(`(\\s(?:src|href)=")${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(")`, 'g');
    const count = [...text.matchAll(attribute)].length;
    if (count !== 1) fail(`${file} must reference ${from} exactly once (found ${count})`);
    text = text.replace(attribute, `$1${to}$2`);
  }
  return Buffer.from(text, 'utf8');
}

/** @param {string} file relative to the repository */
function read(file) {
  return readFileSync(path.join(ROOT, file));
}

/** Names in a folder matching `pattern`, sorted. @param {string} dir @param {RegExp} pattern */
function list(dir, pattern) {
  return readdirSync(path.join(ROOT, dir)).filter((n) => pattern.test(n)).sort();
}

/** Every file under `dir` (relative to it, sorted), skipping node_modules and tests. @param {string} dir */
function walk(dir, prefix = '') {
  const files = [];
  for (const entry of readdirSync(path.join(ROOT, dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test') files.push(...walk(dir, rel));
    } else {
      files.push(rel);
    }
  }
  return files.sort();
}

/** @param {string} dir @param {Output} output */
function writeTree(dir, output) {
  for (const [rel, content] of output) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** Every file under `dir`, relative path → content; empty when it does not exist. @param {string} dir @returns {Output} */
function readTree(dir) {
  /** @type {Output} */
  const out = new Map();
  /** @param {string} sub */
  const visit = (sub) => {
    let entries;
    try {
      entries = readdirSync(path.join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(rel);
      else out.set(rel, readFileSync(path.join(dir, rel)));
    }
  };
  visit('');
  return out;
}

/** What differs between the committed and the fresh tree. @param {Output} committed @param {Output} fresh */
function compare(committed, fresh) {
  const problems = [];
  for (const [rel, content] of fresh) {
    const held = committed.get(rel);
    if (!held) problems.push(`missing: dist/${rel}`);
    else if (!held.equals(content)) problems.push(`differs: dist/${rel}`);
  }
  for (const rel of committed.keys()) if (!fresh.has(rel)) problems.push(`not built from the sources: dist/${rel}`);
  return problems.sort();
}

/** Sizes as a browser receives them (each file gzipped on its own). @param {Output} output */
function report(output) {
  const gz = (/** @type {Buffer} */ b) => gzipSync(b, { level: 9 }).length;
  const rows = [...output].map(([rel, content]) => [`dist/${rel}`, content.length, gz(content)]);
  const width = Math.max(...rows.map(([name]) => String(name).length));
  for (const [name, bytes, gzip] of rows) console.log(`${String(name).padEnd(width)}  ${String(bytes).padStart(7)} B  ${String(gzip).padStart(6)} B gzip`);
  console.log(`${output.size} files written to dist/`);
}

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`build-web: ${message}`);
  process.exit(1);
}

await main();
