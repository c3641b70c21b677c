// @ts-check
/**
 * Parley's end-to-end harness: the real server binary, a host-page server on another origin,
 * Debian's Chromium driven by playwright-core, an agent talking over HTTP and WebSocket, and a
 * real SMTP server (tests/support/smtp_sink.py). Shared by every suite under tests/e2e/
 * (widget, dashboard, email, attachments). The last section holds what several suites do with
 * the widget's panel and the dashboard in a page (open the chat, read its messages, sign in);
 * everything above it knows nothing about either.
 *
 *   import { test } from 'node:test';
 *   import { startServer, startHostServer, launchBrowser, login, connectAgent } from './harness.js';
 *
 *   test('a visitor message reaches an agent', async (t) => {
 *     const server = await startServer(t);            // fresh SQLite database, random port
 *     const host = await startHostServer(t);          // http://localhost:<port>, another origin
 *     host.page('/', `<!doctype html><body>${server.snippet()}</body>`);
 *     const browser = await launchBrowser(t);
 *     const page = await (await browser.newContext()).newPage();
 *     await page.goto(host.url('/'));
 *     const agent = await connectAgent(t, server, (await login(server)).token);
 *     …
 *   });
 *
 * Every helper that starts something takes the test context `t` first and registers its own
 * cleanup with `t.after`, so processes and sockets go away even when the test fails. A last
 * resort kills every server still running when the Node process exits.
 *
 * Environment:
 * - `PARLEY_BIN`: the server binary (default `<repo>/target/debug/parley`).
 * - `PARLEY_CHROMIUM`: the browser (default `/usr/bin/chromium`, Debian's package).
 * - `PARLEY_TEST_PG_URL`: an admin URL of a Postgres server; `startServer(t, {postgres: true})`
 *   creates a throw-away database on it (with `psql`) and drops it afterwards. Required by the
 *   Postgres tests: without it, or when it is unreachable, they fail (they never skip).
 * - `PARLEY_E2E_DATABASE=postgres`: every `startServer` without an explicit choice uses Postgres.
 */
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

const run = promisify(execFile);

/** The repository's root. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Screenshots and other by-products; gitignored. */
export const ARTIFACTS = path.join(REPO, 'artifacts');
/** The admin that `startServer` creates on its empty database. */
export const ADMIN = Object.freeze({ email: 'admin@example.com', password: 'correct horse battery' });
/**
 * `startServer`'s `env` for reconnecting visitors and agents, fast senders and repeated logins:
 * no per-IP or per-connection limits.
 */
export const NO_LIMITS = Object.freeze({ PARLEY_WS_CONNECT_PER_MIN: '0', PARLEY_SEND_RATE: '0', PARLEY_LOGIN_PER_MIN: '0' });

/** Flags for Debian's Chromium: headless, quiet (no calls home, no updates), no sandbox (CI runs as root). */
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
]);

/** How long a server may take to print its banner. */
const START_TIMEOUT_MS = 30_000;
/** How long a SIGTERM may take before the process is killed. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * @typedef {{ after: (fn: () => unknown) => void }} Cleanup a node:test context (or anything with `after`)
 */

// ---------------------------------------------------------------------------------------------
// Small utilities

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a truthy value (which is returned), or throws after `timeout`.
 * @template T
 * @param {() => T | Promise<T>} check
 * @param {{timeout?: number, interval?: number, message?: string | (() => string)}} [options]
 * @returns {Promise<NonNullable<Awaited<T>>>}
 */
export async function waitFor(check, { timeout = 10_000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  /** @type {unknown} */
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return /** @type {NonNullable<Awaited<T>>} */ (value);
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const what = typeof message === 'function' ? message() : message;
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${why}`);
    }
    await sleep(interval);
  }
}

/** A fresh temporary directory, removed by the test's cleanup. @param {Cleanup} t @param {string} [prefix] */
export function tempDir(t, prefix = 'parley-e2e-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Path of an artifact (screenshot…) under `<repo>/artifacts/`, creating the folder. @param {string} name */
export function artifactPath(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/** A TCP port free right now on 127.0.0.1. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The Parley server

/** Servers still running, killed if the test process exits without stopping them. */
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/**
 * @typedef {object} ServerOptions
 * @property {boolean} [postgres] a throw-away Postgres database on `PARLEY_TEST_PG_URL` instead of SQLite
 * @property {Record<string, string>} [env] extra variables (limits such as `PARLEY_WS_CONNECT_PER_MIN`)
 * @property {string} [bin] the binary (default `PARLEY_BIN`, else `<repo>/target/debug/parley`)
 */

/**
 * Starts the real server on a random port with a fresh database and waits for its banner.
 * @param {Cleanup} t
 * @param {ServerOptions} [options]
 */
export async function startServer(t, options = {}) {
  const postgres = options.postgres ?? process.env.PARLEY_E2E_DATABASE === 'postgres';
  const dir = tempDir(t, 'parley-server-');
  let databaseUrl = `sqlite://${path.join(dir, 'parley.db')}`;
  if (postgres) databaseUrl = await createPgDatabase(t);
  const server = new ParleyServer({
    // Resolved here: the server runs in a temporary directory, where a relative path fails.
    bin: path.resolve(options.bin ?? process.env.PARLEY_BIN ?? path.join(REPO, 'target', 'debug', 'parley')),
    dir,
    databaseUrl,
    env: options.env ?? {},
  });
  t.after(() => server.stop());
  await server.start();
  return server;
}

export class ParleyServer {
  /** @param {{bin: string, dir: string, databaseUrl: string, env: Record<string, string>}} config */
  constructor(config) {
    this.bin = config.bin;
    /** the server's working directory (so no `.env` of the repository is read) */
    this.dir = config.dir;
    this.databaseUrl = config.databaseUrl;
    this.extraEnv = config.env;
    /** @type {number} 0 until the first start has bound a port; restarts reuse it */
    this.port = 0;
    /** e.g. `http://127.0.0.1:40123` (the public URL, also the Parley origin) */
    this.url = '';
    /** the demo site's key, from the first start's banner */
    this.siteKey = '';
    /** stdout and stderr of every run so far, for failure messages */
    this.output = '';
    /** @type {import('node:child_process').ChildProcess | null} */
    this.child = null;
    /** @type {Promise<number | null> | null} resolves with the exit code (null if killed by a signal) */
    this.exited = null;
  }

  get origin() {
    return new URL(this.url).origin;
  }

  /** The contract's embed snippet for this server's demo site. @param {string} [siteKey] */
  snippet(siteKey = this.siteKey) {
    return `<script async src="${this.url}/widget.js" data-site-key="${siteKey}"></script>`;
  }

  /** Starts the process (on the port of the previous run, if any) and waits for its banner. */
  async start() {
    if (this.child) throw new Error('server already running');
    // No retry on "address in use": the server binds with std's `TcpListener::bind`, which sets
    // SO_REUSEADDR on Unix, so the port of a process killed a moment ago (its connections in
    // TIME_WAIT) is bindable at once. If something else holds the port, that is a real failure.
    await this.spawnOnce(this.env());
  }

  /**
   * The binary's environment: none of the caller's Parley settings, this server's database.
   * @returns {Record<string, string | undefined>}
   */
  env() {
    /** @type {Record<string, string | undefined>} */
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!/^(PARLEY_|DATABASE_URL$|REDIS_URL$|RUST_LOG$)/.test(key)) env[key] = value;
    }
    return Object.assign(env, {
      DATABASE_URL: this.databaseUrl,
      PARLEY_BIND: `127.0.0.1:${this.port}`,
      PARLEY_ADMIN_EMAIL: ADMIN.email,
      PARLEY_ADMIN_PASSWORD: ADMIN.password,
      PARLEY_DB_WAIT_S: '5',
      RUST_LOG: 'warn',
      ...this.extraEnv,
    });
  }

  /**
   * Runs a command of the binary on this server's database (`workspace create …`) and returns
   * what it printed on stdout; a failing status rejects with its stderr.
   * @param {...string} args
   */
  async cli(...args) {
    try {
      const { stdout } = await run(this.bin, args, { cwd: this.dir, env: this.env(), timeout: START_TIMEOUT_MS });
      return stdout;
    } catch (err) {
      const e = /** @type {{stderr?: string, message: string}} */ (err);
      throw new Error(`parley ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
    }
  }

  /**
   * Spawns the binary and resolves once its banner is printed; rejects, with what this run
   * printed (stdout and stderr), if it exits or prints no banner within `START_TIMEOUT_MS`.
   * @param {Record<string, string | undefined>} env
   */
  spawnOnce(env) {
    const bind = env.PARLEY_BIND;
    const mark = this.output.length;
    const thisRun = () => this.output.slice(mark).split('\n').slice(-60).join('\n');
    const child = spawn(this.bin, [], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        running.delete(child);
        if (this.child === child) this.child = null;
        resolve(code);
      });
      child.on('error', (err) => {
        this.output += `\n[spawn error] ${err.message}\n`;
        running.delete(child);
        if (this.child === child) this.child = null;
        resolve(null);
      });
    });
    /** Resolves once the process is gone and both pipes are drained (all of stderr read). */
    const closed = new Promise((resolve) => {
      child.on('close', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
      child.on('error', (err) => resolve(`spawn error: ${err.message}`));
    });
    let stdout = '';
    // Keep reading both pipes for the whole run: a closed pipe would make the server's
    // writes fail.
    child.stderr?.on('data', (chunk) => {
      this.output += chunk;
    });
    return new Promise((resolve, reject) => {
      let started = false;
      const timer = setTimeout(() => {
        reject(new Error(`${this.bin} printed no banner within ${START_TIMEOUT_MS} ms (PARLEY_BIND=${bind}); its output:\n${thisRun()}`));
      }, START_TIMEOUT_MS);
      child.stdout?.on('data', (chunk) => {
        this.output += chunk;
        stdout += chunk;
        const url = /Parley is running at (https?:\/\/\S+)/.exec(stdout);
        if (!url || started) return;
        started = true;
        const key = /data-site-key="(pk_[A-Za-z0-9]+)"/.exec(stdout);
        if (key) this.siteKey = key[1];
        // The banner is printed all at once; the key only on an empty database.
        this.url = url[1].replace(/\/$/, '');
        this.port = Number(new URL(this.url).port);
        clearTimeout(timer);
        resolve(undefined);
      });
      closed.then((how) => {
        clearTimeout(timer);
        if (!started) reject(new Error(`${this.bin} failed to start (PARLEY_BIND=${bind}): exited (${how}) before its banner; its output:\n${thisRun()}`));
      });
    });
  }

  /** The last lines of the server's output. */
  tail(lines = 40) {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM (graceful: sockets closed with 1012), then SIGKILL if it takes too long. */
  async stop() {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: a crash, nothing flushed, no close frames. */
  async kill() {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Stops (SIGTERM, or SIGKILL with `{crash: true}`) and starts again on the same port and database. */
  async restart({ crash = false } = {}) {
    await (crash ? this.kill() : this.stop());
    await this.start();
  }
}

/**
 * Creates a throw-away database on `PARLEY_TEST_PG_URL` (dropped by the test's cleanup) and
 * returns its URL.
 * @param {Cleanup} t
 */
export async function createPgDatabase(t) {
  const admin = process.env.PARLEY_TEST_PG_URL;
  if (!admin) throw new Error('PARLEY_TEST_PG_URL is not set (scripts/services.sh ensure_postgres sets it)');
  const name = `parley_e2e_${randomBytes(6).toString('hex')}`;
  try {
    await run('psql', [admin, '-Atqc', `create database ${name}`]);
  } catch (err) {
    // Not a skip: the test command guarantees a Postgres (scripts/services.sh ensure_postgres).
    const where = new URL(admin);
    where.password = where.password ? '***' : '';
    const why = /** @type {{stderr?: string}} */ (err).stderr?.trim() || String(err);
    throw new Error(`cannot create a test database on the Postgres at PARLEY_TEST_PG_URL (${where}): ${why}`);
  }
  t.after(() => run('psql', [admin, '-Atqc', `drop database if exists ${name} with (force)`]).catch(() => {}));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// Host pages on another origin

/**
 * @typedef {object} Route
 * @property {string | Buffer} body
 * @property {Record<string, string>} [headers] e.g. `{'Content-Security-Policy': '…'}`
 * @property {number} [status]
 */

/**
 * A tiny HTTP server for the pages that embed Parley, on its own random port and reached as
 * `http://localhost:<port>`: another origin, and another site, than the Parley server's
 * `http://127.0.0.1:<port>`, as a real shop is.
 * @param {Cleanup} t
 */
export async function startHostServer(t) {
  /** @type {Map<string, Route>} */
  const routes = new Map();
  /** @type {string[]} */
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname + url.search);
    const route = routes.get(url.pathname);
    if (!route && url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(route.status ?? 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...route.headers });
    res.end(route.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://localhost:${port}`;
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve(undefined));
  }));
  return {
    origin,
    port,
    /** paths requested so far (with their query) */
    requests,
    /** @param {string} pathname */
    url: (pathname) => origin + pathname,
    /** Serves `body` (HTML unless the headers say otherwise) at `pathname`. @param {string} pathname @param {string | Buffer} body @param {Record<string, string>} [headers] */
    page(pathname, body, headers = {}) {
      routes.set(pathname, { body, headers });
      return origin + pathname;
    },
    /** @param {string} pathname @param {Route} route */
    route(pathname, route) {
      routes.set(pathname, route);
      return origin + pathname;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The browser

/**
 * Launches Debian's Chromium (never a downloaded browser) headless, with a fresh profile
 * (playwright-core creates a temporary user-data dir and removes it on close). Use one
 * `browser.newContext()` per test for separate storage.
 * @param {Cleanup} t
 * @param {import('playwright-core').LaunchOptions} [options]
 */
export async function launchBrowser(t, options = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 30_000,
    ...options,
  });
  t.after(() => browser.close().catch(() => {}));
  return browser;
}

/**
 * Resolves once a document has loaded its fonts and every finite CSS transition and animation
 * in it (open shadow roots included) has finished: what a measurement or a screenshot waits for
 * instead of a guessed delay. Endless animations (a spinner) are not waited for.
 * @param {import('playwright-core').Page | import('playwright-core').Frame} target
 */
export async function animationsFinished(target) {
  await target.evaluate(async () => {
    await document.fonts.ready;
    /** @param {Document | ShadowRoot} root @returns {Animation[]} */
    const animations = (root) => [
      ...root.getAnimations(),
      ...[...root.querySelectorAll('*')].flatMap((el) => (el.shadowRoot ? animations(el.shadowRoot) : [])),
    ];
    for (;;) {
      // getAnimations() updates styles first, so a transition that a class change has just
      // started is already there.
      const running = animations(document).filter((a) =>
        a.playState !== 'finished' && a.playState !== 'idle' && a.effect?.getComputedTiming().endTime !== Infinity);
      if (running.length === 0) return;
      await Promise.all(running.map((a) => a.finished.catch(() => undefined)));
    }
  });
}

/**
 * @typedef {object} PageErrors
 * @property {string[]} violations CSP violations, `<frame url>: <directive> blocked <url> (<source>:<line>)`
 * @property {string[]} consoleErrors `console.error` calls and the browser's own errors (failed
 *   loads, refused frames…), `<url>: <text>`
 * @property {string[]} pageErrors uncaught exceptions and unhandled rejections
 * @property {() => Promise<void>} flush resolves once every report made by any frame of the page
 *   before the call has been received here
 */

/**
 * Records what goes wrong in a page and all its frames: CSP violations (from a
 * `securitypolicyviolation` listener installed in every document before its own scripts),
 * console errors and uncaught exceptions. Call before the first navigation.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<PageErrors>}
 */
export async function watchPageErrors(page) {
  /** @type {string[]} */
  const violations = [];
  /** @type {string[]} */
  const consoleErrors = [];
  /** @type {string[]} */
  const pageErrors = [];
  /** flush markers seen so far */
  const markers = new Set();
  await page.exposeBinding('__parleyReportViolation', ({ frame }, text) => {
    violations.push(`${frame.url()}: ${text}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      // @ts-ignore injected by exposeBinding
      window.__parleyReportViolation(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.location().url}: ${message.text()}`);
    else if (message.type() === 'debug' && message.text().startsWith(FLUSH_MARKER)) markers.add(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));

  /**
   * Each frame logs a marker; a frame's console messages, binding calls and exceptions reach
   * us in the order it made them, so once its marker is here, so is everything before it.
   * Frames that go away meanwhile (a panel replaced, an error page) have nothing more to say.
   */
  async function flush() {
    /** @type {string[]} */
    const expected = [];
    for (const frame of page.frames()) {
      const marker = `${FLUSH_MARKER} ${randomBytes(4).toString('hex')}`;
      const logged = await frame.evaluate((m) => { console.debug(m); return true; }, marker).catch(() => false);
      if (logged) expected.push(marker);
    }
    await waitFor(() => expected.every((m) => markers.has(m)), {
      timeout: 5_000,
      message: () => `the flush markers of ${page.frames().map((f) => f.url()).join(', ')}`,
    });
  }
  return { violations, consoleErrors, pageErrors, flush };
}

/** What `watchPageErrors` asks each frame to log to know that it has heard everything. */
const FLUSH_MARKER = '[parley-e2e flush]';

/**
 * Asserts that nothing went wrong in a page watched by `watchPageErrors`: no CSP violation, no
 * uncaught exception, and no console error but those matching one of `allowedConsoleErrors`.
 * Those are for errors the test provokes on purpose (a server stopped on purpose makes the
 * browser log failed connections): keep each pattern as narrow as the error it stands for, and
 * say why next to it. Reports made before the call are all counted (see `flush`).
 * @param {PageErrors} errors
 * @param {{where?: string, allowedConsoleErrors?: RegExp[]}} [options]
 */
export async function assertNoPageErrors(errors, { where = 'the page', allowedConsoleErrors = [] } = {}) {
  await errors.flush();
  assert.deepEqual(errors.violations, [], `no CSP violation in ${where}`);
  assert.deepEqual(errors.pageErrors, [], `no uncaught exception in ${where}`);
  const unexpected = errors.consoleErrors.filter((e) => !allowedConsoleErrors.some((pattern) => pattern.test(e)));
  assert.deepEqual(unexpected, [], `no console error in ${where}`);
}

// ---------------------------------------------------------------------------------------------
// Agents: HTTP API and WebSocket

/**
 * Calls the HTTP API. Returns the status and the parsed JSON body (null when empty).
 * @param {ParleyServer} server
 * @param {string | null} token
 * @param {string} method
 * @param {string} route path under /api/v1, e.g. `/sites`
 * @param {unknown} [body]
 */
export async function api(server, token, method, route, body) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/**
 * Logs an agent in: `{token, agent}`.
 * @param {ParleyServer} server
 * @param {{email: string, password: string}} [who] the admin by default
 */
export async function login(server, who = ADMIN) {
  const { status, body } = await api(server, null, 'POST', '/auth/login', who);
  if (status !== 200) throw new Error(`login failed: ${status} ${JSON.stringify(body)}`);
  return /** @type {{token: string, agent: {id: string, name: string, email: string, role: string}}} */ (body);
}

/**
 * The demo site (the one the server made on its empty database: `server.siteKey`), as
 * `GET /sites` lists it.
 * @param {ParleyServer} server @param {string} token
 */
export async function demoSite(server, token) {
  const { body } = await api(server, token, 'GET', '/sites');
  return body.items.find((/** @type {any} */ s) => s.site_key === server.siteKey);
}

/**
 * Changes the demo site (`PATCH /sites/{id}`: settings are merged into its current ones);
 * anything but a 200 fails. Resolves with the site as changed.
 * @param {ParleyServer} server @param {string} token @param {Record<string, unknown>} patch
 */
export async function patchSite(server, token, patch) {
  const patched = await api(server, token, 'PATCH', `/sites/${(await demoSite(server, token)).id}`, patch);
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  return patched.body;
}

/**
 * An agent's WebSocket, welcomed. Node 20 has no global WebSocket; this uses `ws`, without an
 * `Origin` header (as a server-side integration would).
 * @param {Cleanup} t
 * @param {ParleyServer} server
 * @param {string} token
 */
export async function connectAgent(t, server, token) {
  const agent = new AgentSocket(`${server.url.replace(/^http/, 'ws')}/ws/agent`);
  t.after(() => agent.close());
  await agent.opened;
  agent.welcome = await agent.request({ type: 'hello', token });
  return agent;
}

export class AgentSocket {
  /** @param {string} url */
  constructor(url) {
    this.ws = new WebSocket(url);
    /** @type {any[]} every frame received, in order */
    this.frames = [];
    /** @type {any} */
    this.welcome = null;
    /** @type {{code: number, reason: string} | null} */
    this.closed = null;
    this.nextRef = 1;
    /** @type {Set<() => void>} */
    this.listeners = new Set();
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      for (const listener of [...this.listeners]) listener();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      for (const listener of [...this.listeners]) listener();
    });
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
  }

  /** @param {object} frame */
  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  /**
   * Waits for a frame matching `predicate`, among those already received (from index `from`)
   * and those to come.
   * @param {(frame: any) => boolean} predicate
   * @param {{timeout?: number, from?: number}} [options]
   * @returns {Promise<any>}
   */
  next(predicate, { timeout = 10_000, from = 0 } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = from; i < this.frames.length; i++) {
          if (predicate(this.frames[i])) {
            done();
            resolve(this.frames[i]);
            return;
          }
        }
        if (this.closed) {
          done();
          reject(new Error(`agent socket closed (${this.closed.code} ${this.closed.reason})`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching agent frame within ${timeout} ms; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /**
   * Sends `frame` with a fresh `ref` and returns the reply with that `ref`; an `error` reply
   * throws.
   * @param {Record<string, unknown>} frame
   * @param {{timeout?: number}} [options]
   */
  async request(frame, options = {}) {
    const ref = `e2e-${this.nextRef++}`;
    const from = this.frames.length;
    this.send({ ...frame, ref });
    const reply = await this.next((f) => f.ref === ref, { ...options, from });
    if (reply.type === 'error') throw new Error(`${frame.type} failed: ${reply.code} ${reply.message}`);
    return reply;
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// Email: a real SMTP server

/**
 * @typedef {object} SmtpSink
 * @property {number} port where it listens on 127.0.0.1 (`PARLEY_SMTP_URL: smtp://127.0.0.1:<port>`)
 * @property {() => string[]} messages the messages received so far, in order, raw (latin1)
 */

/**
 * Starts the SMTP sink of tests/support/smtp_sink.py (aiosmtpd, with `python3`) on a free port;
 * resolves once it prints "ready". Killed by the test's cleanup, its folder removed.
 * @param {Cleanup} t
 * @returns {Promise<SmtpSink>}
 */
export async function startSmtpSink(t) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-smtp-'));
  const child = spawn('python3', [path.join(REPO, 'tests/support/smtp_sink.py'), String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SMTP sink printed no "ready" within 15 s:\n${output}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (/^ready$/m.test(output)) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    exited.then((code) => { clearTimeout(timer); reject(new Error(`the SMTP sink exited (${code}) before "ready" (is aiosmtpd installed?):\n${output}`)); });
  });
  return {
    port,
    messages: () => fs.readdirSync(dir).filter((f) => /^\d{4}\.eml$/.test(f)).sort().map((f) => fs.readFileSync(path.join(dir, f), 'latin1')),
  };
}

/**
 * Quoted-printable undone: soft line breaks `=\r\n` go, `=XX` are bytes, read as UTF-8. On a
 * whole raw message (as `SmtpSink.messages()` gives it), its QP parts become readable text.
 * @param {string} text latin1, one character a byte
 */
export function decodeQuotedPrintable(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const hex = soft[i] === '=' ? soft.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// The widget and the dashboard in a page (what several suites do with them)

/** The dashboard's viewport in the tests. */
export const LAPTOP = Object.freeze({ width: 1400, height: 860 });

/**
 * A shop's page (served by `startHostServer`, another origin than Parley's), e.g. with
 * `server.snippet()` in its body.
 * @param {{head?: string, body?: string}} parts
 */
export function hostHtml({ head = '', body = '' }) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>${head}</head>` +
    `<body><h1>Our shop</h1><p>Products.</p>${body}</body></html>`;
}

/** The widget's panel iframe, inside the launcher's shadow root. @param {import('playwright-core').Page} page */
export const panelOf = (page) => page.frameLocator('[data-testid="parley-frame"]');

/** The panel's Frame, for `evaluate`. @param {import('playwright-core').Page} page */
export async function panelFrame(page) {
  const handle = await page.locator('[data-testid="parley-frame"]').elementHandle();
  const frame = await handle?.contentFrame();
  assert.ok(frame, 'the panel iframe has a document');
  return frame;
}

/** Clicks the widget's launcher and waits for the composer; resolves with the panel. @param {import('playwright-core').Page} page */
export async function openChat(page) {
  await page.getByTestId('parley-launcher').click();
  const panel = panelOf(page);
  await panel.getByTestId('parley-composer').waitFor({ state: 'visible' });
  return panel;
}

/**
 * The messages the panel shows, in DOM order.
 * @param {import('playwright-core').FrameLocator} panel
 * @returns {Promise<{seq: number | null, author: string, state: string | null, body: string}[]>}
 */
export function shown(panel) {
  return panel.getByTestId('parley-message').evaluateAll((nodes) =>
    nodes.map((n) => ({
      seq: n.getAttribute('data-seq') === null ? null : Number(n.getAttribute('data-seq')),
      author: n.getAttribute('data-author') ?? '',
      state: n.getAttribute('data-state'),
      body: n.querySelector('.bubble')?.textContent ?? '',
    })),
  );
}

/**
 * Opens the dashboard (at `hash`) in a fresh context of `LAPTOP` size, its errors watched, and
 * signs in through the form; resolves once the agent socket is welcomed (the top bar shows the
 * agent's name).
 * @param {import('playwright-core').Browser} browser @param {ParleyServer} server
 * @param {{email: string, password: string}} [who] @param {string} [hash]
 */
export async function openDashboard(browser, server, who = ADMIN, hash = '#/inbox/open') {
  const context = await browser.newContext({ viewport: LAPTOP });
  const page = await context.newPage();
  const errors = await watchPageErrors(page);
  await page.goto(`${server.url}/dashboard${hash}`);
  await signIn(page, who);
  return { page, errors };
}

/** Signs in through the dashboard's form; resolves once the top bar shows the agent's name. @param {import('playwright-core').Page} page @param {{email: string, password: string}} who */
export async function signIn(page, who) {
  await page.getByTestId('login-email').fill(who.email);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="me-name"]')?.textContent);
}
