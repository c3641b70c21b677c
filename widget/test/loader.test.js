// The loader runs as the browser runs it: the real widget/src/loader.js evaluated with node:vm
// in a fake page (test/helpers/dom.js). The panel's side of postMessage is played by the test
// with the constants of src/lib/messages.js, so the two sides cannot drift apart silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPage, FakeStorage, PARLEY_ORIGIN, channelBus } from './helpers/dom.js';
import { settle } from '../../common/test/helpers/clock.js';
import { ToLoader, ToPanel, PanelKeys } from '../src/lib/messages.js';

/** Objects made inside the vm have another realm's prototypes: compare plain copies. */
const plain = (value) => JSON.parse(JSON.stringify(value));

/** Loads the page, opens the chat and plays the panel saying it is ready. */
function openedPage(options) {
  const page = createPage(options).load();
  page.parley('open');
  page.fromPanel({ type: ToLoader.READY });
  return page;
}

test('calls queued before the loader ran are replayed in order', () => {
  const seen = [];
  const page = createPage({
    queue: [
      ['on', 'open', () => seen.push('open')],
      ['on', 'close', () => seen.push('close')],
      ['open'],
      ['close'],
      ['open'],
    ],
  }).load();
  assert.deepEqual(seen, ['open', 'close', 'open']);
  assert.equal(page.find('parley-launcher').getAttribute('aria-expanded'), 'true');
});

test('calls made after the loader ran work, and on handlers fire', () => {
  const page = createPage().load();
  const events = [];
  page.parley('on', 'open', () => events.push('open'));
  page.parley('on', 'close', () => events.push('close'));
  page.parley('on', 'unread', (n) => events.push(`unread:${n}`));
  page.parley('on', 'message', (m) => events.push(`message:${m.body}`));
  page.parley('toggle');
  page.fromPanel({ type: ToLoader.READY });
  page.fromPanel({ type: ToLoader.MESSAGE, message: { body: 'Hi there' } });
  page.parley('close');
  page.fromPanel({ type: ToLoader.UNREAD, count: 2 });
  assert.deepEqual(events, ['open', 'message:Hi there', 'close', 'unread:2']);
});

test('a handler that throws does not stop the others', () => {
  const page = createPage().load();
  const events = [];
  page.parley('on', 'open', () => {
    throw new Error('host bug');
  });
  page.parley('on', 'open', () => events.push('second'));
  page.parley('open');
  assert.deepEqual(events, ['second']);
});

test('the loader defines no global but Parley', () => {
  const page = createPage();
  const before = new Set(Object.keys(page.win));
  page.load();
  const added = Object.keys(page.win).filter((k) => !before.has(k));
  assert.deepEqual(added, ['Parley']);
  assert.equal(typeof page.win.Parley, 'function');
});

test('nothing is stored and no panel is loaded until the visitor opens the chat', async () => {
  const page = createPage().load();
  page.win.history.pushState({}, '', '/shoes');
  page.parley('close');
  page.parley('reset');
  page.parley('on', 'unread', () => {});
  page.clock.advance(5000);
  await settle();
  assert.equal(page.storage.writes, 0);
  assert.equal(page.frame, null);
  assert.ok(page.find('parley-launcher'), 'the launcher is drawn');

  page.find('parley-launcher').click();
  assert.ok(page.frame, 'the panel iframe exists after the first open');
  assert.equal(page.kept()['parley:open'], '1');
});

test('a stored token alone does not load the panel; a stored conversation does', () => {
  const tokenOnly = createPage({ storage: new FakeStorage({ 'parley:token': 't' }) }).load();
  assert.equal(tokenOnly.frame, null);

  const withConversation = createPage({
    storage: new FakeStorage({ 'parley:token': 't', 'parley:conversation': 'c-1' }),
  }).load();
  assert.ok(withConversation.frame, 'the panel connects to show replies as unread');
});

test('identify loads the panel and hands the identity to it', () => {
  const page = createPage({ queue: [['identify', { jwt: 'eyJ.signed.jwt', extra: 'dropped' }]] }).load();
  assert.ok(page.frame);
  page.fromPanel({ type: ToLoader.READY });
  const [init] = page.postedOfType(ToPanel.INIT);
  assert.deepEqual(plain(init.identity), { jwt: 'eyJ.signed.jwt' });

  page.parley('identify', { id: 'u-42', name: 'Ada', email: 'ada@example.com', hash: 'abc' });
  const [again] = page.postedOfType(ToPanel.IDENTIFY);
  assert.deepEqual(plain(again.identity), { id: 'u-42', name: 'Ada', email: 'ada@example.com', hash: 'abc' });
});

test('the iframe comes from the Parley origin and is told the host origin', () => {
  const page = openedPage();
  const src = new URL(page.frame.src);
  assert.equal(src.origin, PARLEY_ORIGIN);
  assert.equal(src.pathname, '/widget/panel.html');
  assert.equal(src.searchParams.get('site_key'), 'pk_test');
  assert.equal(new URLSearchParams(src.hash.slice(1)).get('origin'), 'https://shop.example');
  for (const { target } of page.posted()) assert.equal(target, PARLEY_ORIGIN, 'postMessage pinned to the Parley origin');
});

test('messages from another origin or another window are ignored', () => {
  const page = openedPage();
  page.fromPanel({ type: ToLoader.SET, key: PanelKeys.TOKEN, value: 'evil' }, { origin: 'https://evil.example' });
  page.fromPanel({ type: ToLoader.SET, key: PanelKeys.TOKEN, value: 'evil' }, { source: {} });
  page.fromPanel({ type: ToLoader.UNREAD, count: 5 }, { origin: 'https://evil.example' });
  assert.equal(page.kept()['parley:token'], undefined);
  assert.equal(page.find('parley-badge').hasAttribute('hidden'), true);

  page.fromPanel({ type: ToLoader.SET, key: PanelKeys.TOKEN, value: 'good' });
  assert.equal(page.kept()['parley:token'], 'good');
});

test('a panel whose page failed to load is replaced, at growing intervals, until it says ready', () => {
  const page = createPage().load();
  page.parley('open');
  const first = page.frame;
  const iframes = () => page.doc.documentElement.findAll((e) => e.tagName === 'IFRAME');
  first.dispatch('load'); // an error page: the server was down, no `ready` came
  page.clock.advance(999);
  assert.equal(page.frame, first);
  page.clock.advance(1);
  const second = page.frame;
  assert.notEqual(second, first);
  assert.equal(second.src, first.src);
  assert.deepEqual(iframes(), [second]);

  second.dispatch('load');
  page.clock.advance(1999);
  assert.equal(page.frame, second, 'the second wait is longer');
  page.clock.advance(1);
  const third = page.frame;
  assert.notEqual(third, second);

  page.fromPanel({ type: ToLoader.READY });
  assert.equal(page.postedOfType(ToPanel.INIT).length, 1, 'the panel that started gets init');
  third.dispatch('load');
  page.clock.advance(120_000);
  assert.equal(page.frame, third, 'a panel that started is kept');
});

test('a panel whose ready comes just after its load event is kept', () => {
  const page = createPage().load();
  page.parley('open');
  const frame = page.frame;
  frame.dispatch('load');
  page.fromPanel({ type: ToLoader.READY });
  page.clock.advance(120_000);
  assert.equal(page.frame, frame);
});

test('an unknown site key is not retried', async () => {
  const page = createPage({ configStatus: 404 }).load();
  await settle();
  page.parley('open');
  const frame = page.frame;
  frame.dispatch('load');
  page.clock.advance(120_000);
  assert.equal(page.frame, frame);
});

test('the panel can write only its own keys', () => {
  const page = openedPage();
  page.fromPanel({ type: ToLoader.SET, key: 'open', value: '0' });
  page.fromPanel({ type: ToLoader.SET, key: '../cart', value: 'x' });
  assert.equal(page.kept()['parley:open'], '1');
  assert.equal(page.storage.getItem('parley:../cart'), null);
});

test('outbox changes are kept in host storage and handed back to the panel after a reload', () => {
  const storage = new FakeStorage();
  const first = openedPage({ storage });
  const item = (id, body) => ({ client_msg_id: id, body, created_at: '2024-05-01T10:00:00.000Z' });
  first.fromPanel({ type: ToLoader.OUTBOX, op: 'put', item: item('id-1', 'one') });
  first.fromPanel({ type: ToLoader.OUTBOX, op: 'put', item: item('id-2', 'two') });
  first.fromPanel({ type: ToLoader.OUTBOX, op: 'put', item: item('id-3', 'three') });
  first.fromPanel({ type: ToLoader.OUTBOX, op: 'remove', id: 'id-2' });
  first.fromPanel({ type: ToLoader.SET, key: PanelKeys.TOKEN, value: 'tok' });
  first.fromPanel({ type: ToLoader.SET, key: PanelKeys.SEEN, value: '7' });

  const reloaded = createPage({ storage }).load();
  assert.ok(reloaded.frame, 'unsent messages make the panel load at once');
  reloaded.fromPanel({ type: ToLoader.READY });
  const [init] = reloaded.postedOfType(ToPanel.INIT);
  assert.deepEqual(plain(init.state.outbox), [item('id-1', 'one'), item('id-3', 'three')]);
  assert.equal(init.state.token, 'tok');
  assert.equal(init.state.seen, 7);

  reloaded.fromPanel({ type: ToLoader.OUTBOX, op: 'remove', id: 'id-1' });
  reloaded.fromPanel({ type: ToLoader.OUTBOX, op: 'remove', id: 'id-3' });
  assert.equal(reloaded.kept()['parley:outbox'], undefined, 'an empty outbox leaves no key');
});

test('an unsent message keeps its files (well-formed, ten at most, no links) through a reload', () => {
  const storage = new FakeStorage();
  const first = openedPage({ storage });
  const file = (id) => ({ id, name: `${id}.png`, size: 10, content_type: 'image/png' });
  const files = [file('u-1'), { name: 'no id' }, null, { id: 'u-2', name: 'a.pdf', size: 'x', content_type: 3, url: 'https://x/y', extra: true },
    ...Array.from({ length: 12 }, (_, i) => file(`u-${i + 3}`))];
  first.fromPanel({ type: ToLoader.OUTBOX, op: 'put', item: { client_msg_id: 'id-1', body: '', created_at: '2024-05-01T10:00:00.000Z', attachments: files } });
  first.fromPanel({ type: ToLoader.OUTBOX, op: 'put', item: { client_msg_id: 'id-2', body: 'no files', created_at: '2024-05-01T10:00:01.000Z', attachments: 'x' } });

  const reloaded = createPage({ storage }).load();
  reloaded.fromPanel({ type: ToLoader.READY });
  const [init] = reloaded.postedOfType(ToPanel.INIT);
  const [withFiles, without] = plain(init.state.outbox);
  assert.equal(withFiles.attachments.length, 10);
  assert.deepEqual(withFiles.attachments.slice(0, 3), [file('u-1'), { id: 'u-2', name: 'a.pdf', size: 0, content_type: '3' }, file('u-3')]);
  assert.deepEqual(without, { client_msg_id: 'id-2', body: 'no files', created_at: '2024-05-01T10:00:01.000Z' });
});

test('the conversation rated is kept and handed back to the panel after a reload', () => {
  const storage = new FakeStorage();
  const first = openedPage({ storage });
  first.fromPanel({ type: ToLoader.SET, key: PanelKeys.CONVERSATION, value: 'c-1' });
  first.fromPanel({ type: ToLoader.SET, key: PanelKeys.RATED, value: 'c-1' });
  assert.equal(first.kept()['parley:rated'], 'c-1');

  const reloaded = createPage({ storage }).load();
  reloaded.fromPanel({ type: ToLoader.READY });
  const [init] = reloaded.postedOfType(ToPanel.INIT);
  assert.equal(init.state.rated, 'c-1');
  assert.equal(openedPage().postedOfType(ToPanel.INIT)[0].state.rated, null, 'nothing rated yet');
});

test('init carries the page, and SPA navigation is forwarded once the panel exists', () => {
  const page = createPage().load();
  const original = page.win.history.pushState;
  page.win.history.pushState({}, '', '/before-open');
  assert.equal(page.win.history.pushState, original, 'history is left alone until the panel exists');

  page.parley('open');
  page.fromPanel({ type: ToLoader.READY });
  const [init] = page.postedOfType(ToPanel.INIT);
  assert.deepEqual(plain(init.page), { url: 'https://shop.example/before-open', title: 'Shop', referrer: 'https://search.example/' });

  page.win.history.pushState({}, '', '/shoes');
  page.doc.title = 'Shoes';
  page.clock.advance(300);
  page.win.history.replaceState({}, '', '/shoes');
  page.clock.advance(300);
  page.location.href = 'https://shop.example/shoes#red';
  page.win.dispatch('hashchange');
  page.clock.advance(300);
  const pages = page.postedOfType(ToPanel.PAGE).map((m) => plain(m.page));
  assert.deepEqual(pages, [
    { url: 'https://shop.example/shoes', title: 'Shoes' },
    { url: 'https://shop.example/shoes#red', title: 'Shoes' },
  ]);
});

/** A Navigation API stand-in: the browser's event for every history entry change, pushState included. */
function withNavigationApi(page) {
  const navigation = { listeners: [], addEventListener(type, fn) { if (type === 'currententrychange') this.listeners.push(fn); } };
  page.win.navigation = navigation;
  const push = page.win.history.pushState;
  page.win.history.pushState = function (...args) {
    push.apply(this, args);
    for (const fn of navigation.listeners) fn({});
  };
  return page;
}

/** The urls of the pages `init` carried. */
const initPages = (page) => plain(page.postedOfType(ToPanel.INIT)[0].pages).map((p) => p.url);

test('before the first open, the pages of this page load are held in memory only, and the first init carries them', () => {
  const page = withNavigationApi(createPage({ url: 'https://shop.example/b' }));
  page.doc.referrer = 'https://shop.example/a';
  page.load();
  page.win.history.pushState({}, '', '/c');
  page.doc.title = 'C';
  page.clock.advance(300);
  page.win.history.pushState({}, '', '/d');
  page.clock.advance(300);
  assert.equal(page.storage.writes, 0, 'nothing stored before the first open');
  assert.equal(page.frame, null);

  page.parley('open');
  page.fromPanel({ type: ToLoader.READY });
  const [init] = page.postedOfType(ToPanel.INIT);
  assert.equal(init.page.url, 'https://shop.example/d', 'the current page is the hello\'s `page`');
  const pages = plain(init.pages);
  assert.deepEqual(pages.map((p) => p.url), ['https://shop.example/a', 'https://shop.example/b', 'https://shop.example/c']);
  assert.deepEqual([pages[0].title, pages[0].referrer], ['', ''], 'the page that led here: its address only');
  assert.equal(pages[2].title, 'C');
  for (const p of pages) assert.match(p.seen_at, /^\d{4}-\d\d-\d\dT/);

  // Once a hello carried them they are forgotten.
  page.fromPanel({ type: ToLoader.SET, key: PanelKeys.PAGES, value: null });
  assert.equal(page.kept()['parley:pages'], undefined);
});

test('a referrer of another site, or this very page (a reload), is not a page seen before', () => {
  const other = createPage({ url: 'https://shop.example/b' });
  other.load();
  other.parley('open');
  other.fromPanel({ type: ToLoader.READY });
  assert.deepEqual(initPages(other), [], 'https://search.example/ is another site');

  const reload = createPage({ url: 'https://shop.example/b' });
  reload.doc.referrer = 'https://shop.example/b';
  reload.load();
  reload.parley('open');
  reload.fromPanel({ type: ToLoader.READY });
  assert.deepEqual(initPages(reload), []);
});

test('after a first open, the pages of later page loads are kept in storage until a hello carries them', () => {
  // The visitor opened the chat once and closed it: no conversation, so no panel at load.
  const storage = new FakeStorage({ 'parley:open': '0', 'parley:token': 't' });
  const x = createPage({ storage, url: 'https://shop.example/x' });
  x.doc.referrer = 'https://shop.example/elsewhere';
  x.load();
  assert.equal(x.frame, null, 'no panel for pages alone');
  const y = createPage({ storage, url: 'https://shop.example/y' });
  y.doc.referrer = 'https://shop.example/x';
  y.load();
  createPage({ storage, url: 'https://shop.example/y' }).load(); // a reload
  const z = createPage({ storage, url: 'https://shop.example/z' }).load();
  const kept = JSON.parse(storage.getItem('parley:pages'));
  assert.deepEqual(kept.map((p) => p.url), ['https://shop.example/x', 'https://shop.example/y', 'https://shop.example/z'], 'the referrer is not added: that page was kept when it loaded');

  z.parley('open');
  z.fromPanel({ type: ToLoader.READY });
  assert.deepEqual(initPages(z), ['https://shop.example/x', 'https://shop.example/y']);
  z.fromPanel({ type: ToLoader.SET, key: PanelKeys.PAGES, value: null });
  assert.equal(storage.getItem('parley:pages'), null);
});

test('the pages kept are the last 20', () => {
  const storage = new FakeStorage({ 'parley:open': '0' });
  for (let n = 0; n < 25; n++) createPage({ storage, url: `https://shop.example/p${n}` }).load();
  const kept = JSON.parse(storage.getItem('parley:pages'));
  assert.equal(kept.length, 20);
  assert.equal(kept[0].url, 'https://shop.example/p5');
});

test('unread replies show a badge and blink the title while the panel is closed', () => {
  const page = openedPage();
  page.parley('close');
  page.fromPanel({ type: ToLoader.UNREAD, count: 2 });
  const badge = page.find('parley-badge');
  assert.equal(badge.textContent, '2');
  assert.equal(badge.hasAttribute('hidden'), false);
  assert.match(page.find('parley-launcher').getAttribute('aria-label'), /\(2\)/);

  page.clock.advance(1000);
  assert.equal(page.doc.title, '(2) New message');
  page.clock.advance(1000);
  assert.equal(page.doc.title, 'Shop');
  page.clock.advance(1000);

  page.fromPanel({ type: ToLoader.UNREAD, count: 0 });
  assert.equal(page.doc.title, 'Shop', 'the title is given back');
  assert.equal(badge.hasAttribute('hidden'), true);
  page.clock.advance(5000);
  assert.equal(page.doc.title, 'Shop', 'the blinking stopped');
});

test('the panel asking to close closes, and focus goes back to the launcher', () => {
  const page = createPage().load();
  const launcher = page.find('parley-launcher');
  launcher.focus();
  launcher.click();
  page.fromPanel({ type: ToLoader.READY });
  page.frame.focus();
  page.fromPanel({ type: ToLoader.CLOSE });
  assert.equal(launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(page.kept()['parley:open'], '0');
  assert.equal(page.doc.activeElement, page.find('parley-widget'), 'focus is inside the widget (on the launcher)');
  assert.equal(page.postedOfType(ToPanel.CLOSE).length, 1);
});

test('opening from page code on load does not take focus', () => {
  const page = createPage({ queue: [['open']] }).load();
  assert.equal(page.doc.activeElement, page.doc.body);
  page.fromPanel({ type: ToLoader.READY });
  const [init] = page.postedOfType(ToPanel.INIT);
  assert.equal(init.open, true);
  assert.equal(init.focus, false);
});

test('reset clears parley: keys only, and tells the panel and the other tabs', () => {
  const BroadcastChannel = channelBus();
  const storage = new FakeStorage({ 'cart': '3 items' });
  const tab1 = openedPage({ storage, BroadcastChannel });
  const tab2 = openedPage({ storage, BroadcastChannel });
  tab1.fromPanel({ type: ToLoader.SET, key: PanelKeys.TOKEN, value: 'tok' });
  tab1.fromPanel({ type: ToLoader.SET, key: PanelKeys.CONVERSATION, value: 'c-1' });
  tab1.fromPanel({ type: ToLoader.UNREAD, count: 1 });

  tab1.parley('reset');
  assert.deepEqual(tab1.kept(), {});
  assert.equal(storage.getItem('cart'), '3 items');
  assert.equal(tab1.postedOfType(ToPanel.RESET).length, 1);
  assert.equal(tab1.find('parley-badge').hasAttribute('hidden'), true);
  assert.equal(tab2.postedOfType(ToPanel.RESET).length, 1, 'the other tab forgets the visitor too');
});

test('site settings colour and place the launcher', async () => {
  const page = createPage({ config: { color: '#facc15', position: 'left', locale: 'fr' } }).load();
  await settle();
  await settle();
  const root = page.find('parley-launcher').parentNode;
  assert.equal(root.style.props['--a'], '#facc15');
  assert.equal(root.style.props['--f'], '#111827', 'dark text on a light colour');
  assert.ok(root.classList.contains('left'));
  assert.ok(!root.classList.contains('wait'), 'the launcher is revealed');
  assert.equal(page.find('parley-launcher').getAttribute('aria-label'), 'Ouvrir le chat');
  assert.equal(page.fetchCalls[0].url, `${PARLEY_ORIGIN}/api/v1/widget/config?site_key=pk_test`);

  // settings relayed by the panel are checked as well
  page.parley('open');
  page.fromPanel({ type: ToLoader.READY });
  page.fromPanel({ type: ToLoader.SETTINGS, settings: { color: 'red;background:url(x)' } });
  assert.equal(root.style.props['--a'], '#facc15', 'a colour that is not #hex is refused');
});

test('the launcher is revealed even when the config cannot be fetched', async () => {
  const page = createPage({ config: null }).load();
  await settle();
  await settle();
  assert.ok(!page.find('parley-launcher').parentNode.classList.contains('wait'));
});

test('styles use a constructable stylesheet, or a <style> carrying data-nonce', () => {
  const page = createPage().load();
  const shadow = page.find('parley-widget').shadowRoot;
  assert.equal(shadow.adoptedStyleSheets.length, 1);
  assert.match(shadow.adoptedStyleSheets[0].text, /\.l\{/);

  const old = createPage({ constructable: false, scriptAttrs: { 'data-nonce': 'n0nce' } }).load();
  const style = old.find('parley-widget').shadowRoot.childNodes.find((n) => n.tagName === 'STYLE');
  assert.ok(style, 'a <style> element in the shadow root');
  assert.equal(style.getAttribute('nonce'), 'n0nce');
});

test('the launcher lives in a shadow root and the page keeps its own DOM', () => {
  const page = createPage().load();
  const host = page.find('parley-widget');
  assert.equal(host.parentNode, page.doc.body);
  assert.equal(page.doc.body.childNodes.length, 1, 'one element added to the page');
  assert.ok(host.shadowRoot, 'everything else is in the shadow root');
  assert.equal(page.find('parley-launcher').shadowHost(), host);
});

test('a second copy of the script does nothing', () => {
  const page = createPage().load();
  const api = page.win.Parley;
  page.load();
  assert.equal(page.win.Parley, api);
  assert.equal(page.doc.body.childNodes.length, 1);
});

/** Whether the launcher is drawn: the `off` class hides it while the chat is closed (CSS). */
function launcherHidden(page) {
  const root = page.find('parley-launcher').parentNode;
  return root.classList.contains('off') && !root.classList.contains('open');
}

test("offline 'hidden': no launcher while nobody is available, a launcher once somebody is", async () => {
  const hidden = createPage({ config: { offline: 'hidden', available: false, agents_online: 0 } }).load();
  await settle();
  await settle();
  assert.equal(launcherHidden(hidden), true);
  const shadow = hidden.find('parley-widget').shadowRoot;
  assert.match(shadow.adoptedStyleSheets[0].text, /\.off:not\(\.open\) \.l\{display:none\}/, 'hidden for screen readers too, not only out of sight');
  assert.equal(hidden.frame, null, 'and nothing loaded');

  const available = createPage({ config: { offline: 'hidden', available: true, agents_online: 1 } }).load();
  await settle();
  await settle();
  assert.equal(launcherHidden(available), false);

  const otherPolicy = createPage({ config: { offline: 'message', available: false } }).load();
  await settle();
  await settle();
  assert.equal(launcherHidden(otherPolicy), false, 'the message policy takes messages while away');
});

test("offline 'hidden' keeps the launcher for a visitor who already has a conversation here", async () => {
  const page = createPage({
    config: { offline: 'hidden', available: false },
    storage: new FakeStorage({ 'parley:token': 't', 'parley:conversation': 'c-1' }),
  }).load();
  await settle();
  await settle();
  assert.equal(launcherHidden(page), false);
});

test("offline 'hidden' also reads a config with the settings and the chat's availability nested", async () => {
  const page = createPage({ config: { settings: { offline: 'hidden', color: '#facc15' }, chat: { available: false } } }).load();
  await settle();
  await settle();
  assert.equal(launcherHidden(page), true);
  assert.equal(page.find('parley-launcher').parentNode.style.props['--a'], '#facc15');
  page.parley('open');
  assert.equal(launcherHidden(page), false, 'opened by the page: the launcher is there to close it');
});

test('a page opened with ?parley=open (the reply email link) opens the chat once and drops the parameter', () => {
  const replaced = [];
  const page = createPage({ url: 'https://shop.example/cart?item=7&parley=open&q=a%20b#top' });
  const replaceState = page.win.history.replaceState;
  page.win.history.replaceState = function (...args) {
    replaced.push(args[2]);
    return replaceState.apply(this, args);
  };
  page.load();
  assert.deepEqual(replaced, ['/cart?item=7&q=a%20b#top'], 'the rest of the query and the hash are kept, as written');
  assert.equal(page.location.href, 'https://shop.example/cart?item=7&q=a%20b#top');
  assert.equal(page.find('parley-launcher').getAttribute('aria-expanded'), 'true');
  assert.ok(page.frame, 'the panel loads');
  assert.equal(page.kept()['parley:open'], '1');
  page.fromPanel({ type: ToLoader.READY });
  const [init] = page.postedOfType(ToPanel.INIT);
  assert.equal(init.open, true);
  assert.equal(init.page.url, 'https://shop.example/cart?item=7&q=a%20b#top', 'the panel is told the clean URL');

  const alone = createPage({ url: 'https://shop.example/cart?parley=open' }).load();
  assert.equal(alone.location.href, 'https://shop.example/cart');
  assert.ok(alone.frame);

  for (const url of ['https://shop.example/cart?parley=closed', 'https://shop.example/cart#parley=open', 'https://shop.example/cart?xparley=open']) {
    const other = createPage({ url }).load();
    assert.equal(other.location.href, url, `${url} is left alone`);
    assert.equal(other.frame, null, `${url} does not open the chat`);
  }
});

// Proactive messages: the site's rules (settings.proactive, at the top level of the config).

const RULE = { id: 'plans', message: 'Questions about plans?', agent: { name: 'Alice', avatar_url: '/avatars/abc' }, url: '/pricing*', delay_s: 2, returning: false };

/** A page with the given rules, its config answered and settled. */
async function proactivePage({ url = 'https://shop.example/pricing', rules = [RULE], available = true, storage } = {}) {
  const page = createPage({ url, storage, config: { title: 'Chat', available, agents_online: available ? 1 : 0, proactive: rules } }).load();
  await settle();
  return page;
}

test('a proactive rule opens the chat on a matching page after its delay, with its message for the panel', async () => {
  const page = await proactivePage();
  page.clock.advance(1999);
  assert.equal(page.frame, null, 'not before its delay');
  assert.equal(page.storage.writes, 0);
  page.clock.advance(1);
  assert.ok(page.frame, 'the chat opened');
  assert.equal(page.find('parley-launcher').getAttribute('aria-expanded'), 'true');
  assert.deepEqual(JSON.parse(page.kept()['parley:proactive']), ['plans'], 'remembered: storage is allowed as by an open');
  page.fromPanel({ type: ToLoader.READY });
  const [init] = page.postedOfType(ToPanel.INIT);
  assert.deepEqual(plain(init.proactive), { id: 'plans', message: 'Questions about plans?', agent: { name: 'Alice', avatar_url: '/avatars/abc' } });
});

test('a proactive rule shows once per browser, only on its pages, only while somebody is available', async () => {
  const storage = new FakeStorage();
  const first = await proactivePage({ storage });
  first.clock.advance(2000);
  assert.ok(first.frame);
  first.parley('close');
  const again = await proactivePage({ storage });
  again.clock.advance(10_000);
  assert.equal(again.find('parley-launcher').getAttribute('aria-expanded'), 'false', 'not shown twice');

  for (const url of ['https://shop.example/about', 'https://shop.example/x/pricing']) {
    const other = await proactivePage({ url });
    other.clock.advance(10_000);
    assert.equal(other.frame, null, url);
  }
  const withQuery = await proactivePage({ url: 'https://shop.example/pricing-team?plan=pro' });
  withQuery.clock.advance(2000);
  assert.ok(withQuery.frame, 'the pattern covers the path and the query');

  const nobody = await proactivePage({ available: false });
  nobody.clock.advance(10_000);
  assert.equal(nobody.frame, null, 'nobody available');
  assert.equal(nobody.storage.writes, 0);
});

test('a visitor who opens the chat first cancels the proactive message; "returning" rules wait for a second visit', async () => {
  const page = await proactivePage();
  page.parley('open');
  page.parley('close');
  page.clock.advance(10_000);
  assert.equal(page.find('parley-launcher').getAttribute('aria-expanded'), 'false');
  assert.equal(page.kept()['parley:proactive'], undefined);

  const returning = { ...RULE, id: 'back', returning: true };
  const fresh = await proactivePage({ rules: [returning] });
  fresh.clock.advance(10_000);
  assert.equal(fresh.frame, null, 'an unknown browser is not returning');

  // A browser that opened the chat here before counts its visits.
  const storage = new FakeStorage({ 'parley:open': '0' });
  const back = await proactivePage({ rules: [returning], storage });
  back.clock.advance(2000);
  assert.ok(back.frame, 'shown to a returning browser');
  assert.equal(storage.getItem('parley:visits'), '2');
});
