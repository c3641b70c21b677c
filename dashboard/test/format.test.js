import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duration, fullTime, keyPrefix, loadText, parseUserAgent, shortTime, stars, waited } from '../lib/format.js';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  chromeIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  samsungTablet: 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Safari/537.36',
  chromeAndroidPhone: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  opera: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
  chromebook: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
};

test('browser, system and device of common user agents', () => {
  const seen = Object.fromEntries(Object.entries(UA).map(([name, ua]) => [name, parseUserAgent(ua)]));
  assert.deepEqual(seen.chromeWindows, { browser: 'Chrome 124', os: 'Windows', device: 'Desktop' });
  assert.deepEqual(seen.edge, { browser: 'Edge 124', os: 'Windows', device: 'Desktop' }, 'Edge before the Chrome it contains');
  assert.deepEqual(seen.safariIphone, { browser: 'Safari 17', os: 'iOS', device: 'Phone' });
  assert.deepEqual(seen.chromeIos, { browser: 'Chrome 124', os: 'iOS', device: 'Phone' });
  assert.deepEqual(seen.firefoxLinux, { browser: 'Firefox 125', os: 'Linux', device: 'Desktop' });
  assert.deepEqual(seen.samsungTablet, { browser: 'Samsung Internet 24', os: 'Android', device: 'Tablet' });
  assert.deepEqual(seen.chromeAndroidPhone, { browser: 'Chrome 124', os: 'Android', device: 'Phone' });
  assert.deepEqual(seen.ipad, { browser: 'Safari 17', os: 'iOS', device: 'Tablet' });
  assert.deepEqual(seen.safariMac, { browser: 'Safari 17', os: 'macOS', device: 'Desktop' });
  assert.deepEqual(seen.opera, { browser: 'Opera 109', os: 'Windows', device: 'Desktop' });
  assert.deepEqual(seen.headless, { browser: 'Headless Chrome 124', os: 'Linux', device: 'Desktop' });
  assert.deepEqual(seen.chromebook, { browser: 'Chrome 124', os: 'ChromeOS', device: 'Desktop' });
});

test('no user agent, or an unknown one', () => {
  for (const ua of [null, undefined, '']) assert.deepEqual(parseUserAgent(ua), { browser: 'Unknown', os: 'Unknown', device: 'Unknown' });
  assert.deepEqual(parseUserAgent('curl/8.5.0'), { browser: 'Other', os: 'Other', device: 'Desktop' });
});

test('times: nothing for no date or a bad one; today as a time, other days as a date', () => {
  for (const bad of [null, undefined, '', 'not a date']) {
    assert.equal(shortTime(bad), '');
    assert.equal(fullTime(bad), '');
  }
  const now = new Date();
  const today = shortTime(now.toISOString());
  const earlier = new Date(now.getFullYear() - 1, 0, 15, 12, 0).toISOString();
  assert.equal(today, now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  assert.equal(shortTime(earlier), new Date(earlier).toLocaleDateString([], { month: 'short', day: 'numeric' }));
  assert.equal(fullTime(earlier), new Date(earlier).toLocaleString());
});

test('durations in milliseconds under a second, in seconds above', () => {
  assert.equal(duration(0), '0 ms');
  assert.equal(duration(85), '85 ms');
  assert.equal(duration(999), '999 ms');
  assert.equal(duration(1000), '1.0 s');
  assert.equal(duration(10_042), '10.0 s');
  for (const bad of [null, undefined, -1, Number.NaN]) assert.equal(duration(bad), '');
});

test('an API key as the list shows it: its prefix and an ellipsis', () => {
  assert.equal(keyPrefix('sk_AbC1'), 'sk_AbC1…');
  assert.equal(keyPrefix('sk_AbC1…'), 'sk_AbC1…', 'not twice');
  assert.equal(keyPrefix(null), '—');
  assert.equal(keyPrefix(''), '—');
});

test('a rating as stars: filled up to the score, out of five', () => {
  assert.equal(stars(4), '★★★★☆');
  assert.equal(stars(1), '★☆☆☆☆');
  assert.equal(stars(5), '★★★★★');
});

test('waiting times to the unit that matters, never negative', () => {
  assert.equal(waited(0), '0 s');
  assert.equal(waited(-5_000), '0 s', 'a clock a little ahead of the server');
  assert.equal(waited(59_999), '59 s');
  assert.equal(waited(60_000), '1 min');
  assert.equal(waited(59 * 60_000 + 59_000), '59 min');
  assert.equal(waited(65 * 60_000), '1 h 05 min');
  assert.equal(waited(26 * 3_600_000), '1 d 2 h');
  assert.equal(waited(Number.NaN), '0 s');
});

test('an agent\'s load: assigned / capacity, or the count alone', () => {
  assert.equal(loadText({ assigned: 3, capacity: 5 }), '3 / 5');
  assert.equal(loadText({ assigned: 0, capacity: 0 }), '0 / 0');
  assert.equal(loadText({ assigned: 2, capacity: null }), '2');
});
