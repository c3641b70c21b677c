// @ts-check
/**
 * Measures the widget's first open in Chromium, as a visitor on a slow network gets it: not a
 * test (it asserts nothing), a measurement to run by hand, before and after a change to what
 * the widget loads.
 *
 *   PARLEY_BIN=target/debug/parley node tests/e2e/first-open.mjs [--rtt=300] [--runs=5]
 *
 * The server is reached through a small TCP proxy that holds every chunk for half the round
 * trip time in each direction (the server's public URL is the proxy's, so the loader, the
 * panel and its socket all go through it). Each run uses a fresh browser context (an empty
 * cache) and a German locale (so a translation is part of the first open). It reports, per
 * run and as medians: the requests to the Parley origin for the widget and their bytes as
 * transferred (response bodies, gzip), the time from `goto` to the launcher, from the click to
 * the composer, and from the click to the welcome (the token the panel hands to the loader).
 */
import net from 'node:net';
import { freePort, launchBrowser, startHostServer, startServer, waitFor } from './harness.js';

const arg = (/** @type {string} */ name, /** @type {number} */ fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const RTT_MS = arg('rtt', 300);
const RUNS = arg('runs', 5);

/** @type {(() => unknown)[]} */
const cleanups = [];
const t = { after: (/** @type {() => unknown} */ fn) => cleanups.push(fn) };

/**
 * Forwards `listenPort` to `targetPort`, each chunk delayed by `oneWayMs` (order kept).
 * @param {number} listenPort @param {number} targetPort @param {number} oneWayMs
 */
function latencyProxy(listenPort, targetPort, oneWayMs) {
  /** @param {net.Socket} from @param {net.Socket} to */
  const pipe = (from, to) => {
    from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), oneWayMs));
    from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    pipe(client, upstream);
    pipe(upstream, client);
  });
  return new Promise((resolve) => server.listen(listenPort, '127.0.0.1', () => resolve(server)));
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const serverPort = await freePort();
  const proxyPort = await freePort();
  const proxy = /** @type {net.Server} */ (await latencyProxy(proxyPort, serverPort, RTT_MS / 2));
  cleanups.push(() => proxy.close());
  const server = await startServer(t, {
    env: { PARLEY_BIND: `127.0.0.1:${serverPort}`, PARLEY_PUBLIC_URL: `http://127.0.0.1:${proxyPort}` },
  });
  const host = await startHostServer(t);
  const url = host.page('/', '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>'
    + `<body><h1>Our shop</h1>${server.snippet()}</body></html>`);
  const browser = await launchBrowser(t);
  const rows = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    /** @type {Promise<{path: string, bytes: number}>[]} */
    const finished = [];
    page.on('requestfinished', (request) => {
      const u = new URL(request.url());
      if (u.origin !== server.origin || !(u.pathname === '/widget.js' || u.pathname.startsWith('/widget/'))) return;
      finished.push(request.sizes().then((s) => ({ path: u.pathname, bytes: s.responseBodySize })));
    });
    const t0 = performance.now();
    await page.goto(url);
    await page.getByTestId('parley-launcher').waitFor({ state: 'visible' });
    const launcherMs = performance.now() - t0;
    const t1 = performance.now();
    await page.getByTestId('parley-launcher').click();
    const panel = page.frameLocator('[data-testid="parley-frame"]');
    await panel.getByTestId('parley-composer').waitFor({ state: 'visible' });
    const composerMs = performance.now() - t1;
    await waitFor(() => page.evaluate(() => localStorage.getItem('parley:token')), { timeout: 30_000, interval: 10, message: 'the welcome' });
    const welcomeMs = performance.now() - t1;
    await waitFor(async () => (await panel.getByTestId('parley-composer').getAttribute('placeholder')) !== 'Write a message…', { message: 'the German strings' });
    const files = await Promise.all(finished);
    rows.push({
      requests: files.length,
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
      launcherMs: Math.round(launcherMs),
      composerMs: Math.round(composerMs),
      welcomeMs: Math.round(welcomeMs),
      files: files.map((f) => `${f.path} ${f.bytes}`).join(', '),
    });
    await context.close();
  }
  for (const row of rows) console.log(JSON.stringify(row));
  console.log(JSON.stringify({
    rttMs: RTT_MS,
    runs: RUNS,
    requests: median(rows.map((r) => r.requests)),
    bytes: median(rows.map((r) => r.bytes)),
    launcherMs: median(rows.map((r) => r.launcherMs)),
    composerMs: median(rows.map((r) => r.composerMs)),
    welcomeMs: median(rows.map((r) => r.welcomeMs)),
  }));
}

try {
  await main();
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
