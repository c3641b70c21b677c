// "Delete my conversations": the request and what its answers mean, the chat forgetting the
// visitor (and not coming back as a new one until they write), the confirmation's DOM (in the
// fake document), and the loader forgetting every parley: key when the panel says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chat } from '../src/lib/chat.js';
import { createForget, eraseVisitor, erased } from '../src/lib/forget.js';
import { EN, format } from '../src/lib/i18n.js';
import { el, svgIcon } from '../src/lib/view.js';
import { ToLoader, ToPanel, PanelKeys } from '../src/lib/messages.js';
import { FakeClock, settle } from '../../common/test/helpers/clock.js';
import { fakeSockets } from '../../common/test/helpers/socket.js';
import { createPage, FakeStorage, channelBus } from './helpers/dom.js';

const AUTH = { token: 'tok-1', siteKey: 'pk test' };

test('204 erased the visitor; 401 and 404 mean there is nothing left; anything else is worth another try', () => {
  for (const status of [204, 401, 404]) assert.equal(erased(status), true, String(status));
  for (const status of [0, 200, 400, 403, 429, 500, 502, 503]) assert.equal(erased(status), false, String(status));
});

test('the request: DELETE /api/v1/widget/me with the site key and the visitor token as the bearer', async () => {
  const calls = [];
  const answer = (status) => async (url, init) => {
    calls.push({ url, init });
    return { status };
  };
  assert.equal(await eraseVisitor(AUTH, answer(204)), true);
  assert.equal(calls[0].url, '/api/v1/widget/me?site_key=pk%20test');
  assert.deepEqual(calls[0].init, { method: 'DELETE', headers: { Authorization: 'Bearer tok-1' }, credentials: 'omit' });
  assert.equal(await eraseVisitor(AUTH, answer(401)), true, 'the token is refused: already gone');
  assert.equal(await eraseVisitor(AUTH, answer(429)), false);
  assert.equal(await eraseVisitor(AUTH, answer(503)), false);
  assert.equal(await eraseVisitor(AUTH, async () => {
    throw new TypeError('Failed to fetch');
  }), false, 'no answer: keep everything');
  const before = calls.length;
  assert.equal(await eraseVisitor(null, answer(500)), true, 'no token: the server never knew this browser');
  assert.equal(calls.length, before, 'and nothing is asked');
});

/** A chat wired to fakes, welcomed with a conversation; `kept` plays the loader's storage. */
async function chatting() {
  const clock = new FakeClock();
  const net = fakeSockets();
  const kept = new Map([['token', 'tok-1']]);
  let n = 0;
  const chat = new Chat(
    { url: 'wss://chat.example.com/ws/visitor?site_key=pk', WebSocket: net.WebSocket, clock: clock.api, random: () => 0.5, uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
    {
      persist: (key, value) => (value === null ? kept.delete(key) : kept.set(key, value)),
      outbox: { put: () => {}, remove: () => {} },
      changed: () => {},
      live: () => {},
      unread: () => {},
      settings: () => {},
    },
    { token: 'tok-1' },
  );
  chat.start({ page: { url: 'https://shop.example/', title: 'Shop', referrer: '' } });
  net.current.open();
  net.current.welcome({ token: 'tok-1', conversation: { id: 'c-1', status: 'open', assignee: null, last_seq: 0 } });
  await settle();
  return { chat, net, clock, kept };
}

test('forgotten: nothing of the visitor stays, and no socket opens until they write again', async () => {
  const { chat, net, clock } = await chatting();
  assert.equal(chat.conversation?.id, 'c-1');
  let erasing = true;
  const done = chat.forget(async () => {
    // The server closes the visitor's sockets while it erases them (as it does for a block,
    // 4003): no reconnect meanwhile, and no "unavailable" left behind.
    net.current.drop(4003);
    clock.advance(60_000);
    erasing = false;
    return true;
  });
  assert.equal(await done, true);
  assert.equal(erasing, false);
  assert.equal(net.sockets.length, 1, 'no new visitor was made');
  assert.equal(chat.token, null);
  assert.equal(chat.conversation, null);
  assert.equal(chat.status, 'idle');
  assert.deepEqual(chat.entries(), []);
  clock.advance(60_000);
  chat.nudge(); // the tab shown again, the network back
  assert.equal(net.sockets.length, 1);

  assert.equal(chat.send('Hello again'), 'queued');
  assert.equal(net.sockets.length, 2, 'the next message connects');
  net.current.open();
  assert.equal(net.current.last('hello').token, null, 'as a new visitor');
  net.current.welcome({ token: 'tok-2', visitor_id: 'v-2' });
  await settle();
  assert.equal(net.current.last('send').body, 'Hello again');
});

test('a refused token (4001) during the erasure makes no new visitor either', async () => {
  const { chat, net, clock } = await chatting();
  await chat.forget(async () => {
    net.current.drop(4001);
    clock.advance(60_000);
    return true;
  });
  assert.equal(net.sockets.length, 1);
  assert.equal(chat.status, 'idle');
});

test('not erased: everything is kept and the connection comes back', async () => {
  const { chat, net, clock, kept } = await chatting();
  const done = await chat.forget(async () => {
    net.current.drop(1006);
    return false;
  });
  assert.equal(done, false);
  assert.equal(chat.token, 'tok-1');
  assert.equal(kept.get('token'), 'tok-1');
  assert.equal(chat.conversation?.id, 'c-1');
  clock.advance(1000);
  assert.equal(net.sockets.length, 2, 'reconnected');
  net.current.open();
  assert.equal(net.current.last('hello').token, 'tok-1');
});

test('identify after being forgotten connects at once', async () => {
  const { chat, net } = await chatting();
  await chat.forget(async () => true);
  chat.identify({ jwt: 'j' });
  assert.equal(net.sockets.length, 2);
});

/** The confirmation built in the fake document, with the panel's Kit. */
function confirmation(forget) {
  const { doc } = createPage();
  const announced = [];
  /** @type {import('../src/lib/view.js').Kit} */
  const kit = {
    doc: /** @type {any} */ (doc),
    el,
    bind: (node, attr, key) => {
      if (attr === 'text') node.textContent = EN[key];
      else node.setAttribute(attr, EN[key]);
      return node;
    },
    strings: () => EN,
    format,
    announce: (text) => announced.push(text),
    isEmail: () => true,
    limits: { MAX_BODY_CHARS: 4000, MAX_COMMENT_CHARS: 1000 },
    lang: () => 'en',
    icon: (d) => svgIcon(/** @type {any} */ (doc), d),
    closeIcon: '',
  };
  const closed = [];
  const ui = createForget(kit, { auth: () => AUTH, forget, closed: (done) => closed.push(done) });
  doc.body.appendChild(ui.element);
  return { doc, ui, closed, find: (testid) => doc.byTestId(testid) };
}

test('the confirmation says what is erased, Cancel has the focus, Cancel closes it', () => {
  const { doc, ui, closed, find } = confirmation(async () => true);
  assert.equal(find('parley-forget-bar').hidden, true);
  ui.open();
  assert.equal(find('parley-forget-bar').hidden, false);
  assert.match(find('parley-forget-bar').textContent, /conversations, messages and files on this site.*cannot be recovered/);
  assert.equal(doc.activeElement, find('parley-forget-cancel'));
  find('parley-forget-cancel').click();
  assert.equal(find('parley-forget-bar').hidden, true);
  assert.deepEqual(closed, [false]);
});

test('confirmed: the chat forgets once erased, and the line says so; an error keeps the confirmation for another try', async () => {
  const realFetch = globalThis.fetch;
  const statuses = [503, 204];
  const asked = [];
  globalThis.fetch = /** @type {any} */ (async (url, init) => {
    asked.push([url, init.method]);
    return { status: statuses.shift() };
  });
  try {
    const results = [];
    const { ui, closed, find } = confirmation(async (erase) => {
      const done = await erase();
      results.push(done);
      return done;
    });
    ui.open();
    find('parley-forget-confirm').click();
    await settle();
    assert.deepEqual(results, [false]);
    assert.equal(find('parley-forget-error').hidden, false);
    assert.equal(find('parley-forget-error').textContent, EN.forget_failed);
    assert.equal(find('parley-forget-bar').hidden, false, 'still there to retry');
    assert.equal(find('parley-forget-confirm').hasAttribute('disabled'), false);
    assert.deepEqual(closed, []);

    find('parley-forget-confirm').click();
    await settle();
    assert.deepEqual(results, [false, true]);
    assert.equal(find('parley-forget-bar').hidden, true);
    assert.equal(find('parley-forget-done').hidden, false);
    assert.equal(find('parley-forget-done').textContent, EN.forget_done);
    assert.deepEqual(closed, [true]);
    assert.deepEqual(asked, [['/api/v1/widget/me?site_key=pk%20test', 'DELETE'], ['/api/v1/widget/me?site_key=pk%20test', 'DELETE']]);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test('the panel saying the visitor was erased makes the loader forget every parley: key, in every tab', () => {
  const BroadcastChannel = channelBus();
  const storage = new FakeStorage({ cart: '3 items' });
  const open = () => {
    const page = createPage({ storage, BroadcastChannel }).load();
    page.parley('open');
    page.fromPanel({ type: ToLoader.READY });
    return page;
  };
  const tab1 = open();
  const tab2 = open();
  tab1.fromPanel({ type: ToLoader.SET, key: PanelKeys.TOKEN, value: 'tok-1' });
  tab1.fromPanel({ type: ToLoader.SET, key: PanelKeys.CONVERSATION, value: 'c-1' });
  tab1.fromPanel({ type: ToLoader.RESET });
  assert.deepEqual(tab1.kept(), {});
  assert.equal(storage.getItem('cart'), '3 items');
  assert.equal(tab2.postedOfType(ToPanel.RESET).length, 1, 'the other tab forgets the visitor too');
});
