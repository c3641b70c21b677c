// @ts-check
/** Small formatting helpers: times, durations, waiting times, loads, ratings, API key prefixes, user agents. */

/** @param {string | null | undefined} iso */
export function shortTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** @param {string | null | undefined} iso */
export function fullTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString();
}

/** `85 ms`, `1.2 s`. @param {number | null | undefined} ms */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * How long something has waited, to the unit that matters: `35 s`, `4 min`, `1 h 05 min`,
 * `2 d 3 h`. Nothing negative (a clock a little ahead of the server's reads `0 s`).
 * @param {number} ms
 */
export function waited(ms) {
  const seconds = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * An agent's load as the top bar shows it: `3 / 5` (open conversations assigned to them, their
 * capacity), or just the count when the capacity is not known.
 * @param {{assigned: number, capacity: number | null}} load
 */
export function loadText(load) {
  return load.capacity === null ? String(load.assigned) : `${load.assigned} / ${load.capacity}`;
}

/** Five stars filled up to a rating's score: `★★★★☆` for 4. @param {number} score 1 to 5 */
export function stars(score) {
  const n = Math.max(0, Math.min(5, Math.round(score)));
  return '★'.repeat(n) + '☆'.repeat(5 - n);
}

/**
 * An API key as the list shows it: its first characters and an ellipsis (`sk_AbC1…`), the rest
 * being known only to whoever copied it when it was made.
 * @param {string | null | undefined} prefix
 */
export function keyPrefix(prefix) {
  if (!prefix) return '—';
  return prefix.endsWith('…') ? prefix : `${prefix}…`;
}

/**
 * Browser, operating system and device class from a user agent, simply: the first match wins.
 * @param {string | null | undefined} ua
 * @returns {{browser: string, os: string, device: string}}
 */
export function parseUserAgent(ua) {
  const text = ua ?? '';
  if (!text) return { browser: 'Unknown', os: 'Unknown', device: 'Unknown' };
  /** @type {[RegExp, string][]} */
  const browsers = [
    [/Edg(?:e|A|iOS)?\/([\d]+)/, 'Edge'],
    [/OPR\/([\d]+)/, 'Opera'],
    [/SamsungBrowser\/([\d]+)/, 'Samsung Internet'],
    [/Firefox\/([\d]+)/, 'Firefox'],
    [/FxiOS\/([\d]+)/, 'Firefox'],
    [/CriOS\/([\d]+)/, 'Chrome'],
    [/(?:Chrome|Chromium)\/([\d]+)/, 'Chrome'],
    [/Version\/([\d]+).*Safari\//, 'Safari'],
  ];
  let browser = 'Other';
  for (const [pattern, name] of browsers) {
    const m = text.match(pattern);
    if (m) {
      browser = `${name} ${m[1]}`;
      break;
    }
  }
  if (/HeadlessChrome/.test(text)) browser = browser.replace('Chrome', 'Headless Chrome');
  /** @type {[RegExp, string][]} */
  const systems = [
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Android/, 'Android'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ];
  const os = systems.find(([p]) => p.test(text))?.[1] ?? 'Other';
  const device = /iPad|Tablet/.test(text) || (/Android/.test(text) && !/Mobile/.test(text))
    ? 'Tablet'
    : /Mobi|iPhone|iPod/.test(text) ? 'Phone' : 'Desktop';
  return { browser, os, device };
}
