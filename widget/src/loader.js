/*
 * Parley widget loader, served as /widget.js.
 *
 *   <script async src="https://chat.example.com/widget.js" data-site-key="pk_…"></script>
 *
 * A classic script with one global, `Parley`. It draws the launcher in a Shadow DOM of its own
 * <parley-widget> element, keeps what must survive a reload in this page's localStorage under
 * `parley:` keys, and loads the chat panel (an iframe from the Parley origin, which holds the
 * WebSocket) only when it is needed: on the first open, on `identify`, or when this browser
 * already has a conversation. The two talk by postMessage, pinned to exact origins both ways;
 * the message names are those of widget/src/lib/messages.js.
 */
// @ts-check
(() => {
  'use strict';

  /** @type {any} the page's window: only `Parley` is added to it */
  const w = window;
  const d = document;
  const stub = w.Parley;
  if (stub && stub.loaded) return;

  /** postMessage types (widget/src/lib/messages.js: ToPanel and ToLoader). */
  const MSG = {
    INIT: 'init',
    OPEN: 'open',
    CLOSE: 'close',
    PAGE: 'page',
    IDENTIFY: 'identify',
    RESET: 'reset',
    READY: 'ready',
    SET: 'set',
    OUTBOX: 'outbox',
    UNREAD: 'unread',
    MESSAGE: 'message',
    SETTINGS: 'settings',
    PROACTIVE: 'proactive',
  };
  const PREFIX = 'parley:';
  /** Keys the panel may write (PanelKeys in messages.js); `outbox` and `open` are the loader's. */
  const PANEL_KEYS = ['token', 'conversation', 'seen', 'sound', 'email', 'rated'];
  const EVENTS = ['message', 'open', 'close', 'unread'];
  /** Launcher words, before the panel (and its translations) exist: open, close, new message, chat. */
  const WORDS = {
    en: ['Open chat', 'Close chat', 'New message', 'Chat'],
    fr: ['Ouvrir le chat', 'Fermer le chat', 'Nouveau message', 'Chat'],
    es: ['Abrir el chat', 'Cerrar el chat', 'Nuevo mensaje', 'Chat'],
    de: ['Chat öffnen', 'Chat schließen', 'Neue Nachricht', 'Chat'],
  };
  const SANDBOX = 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox';
  const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  /** Delays before reloading a panel whose page failed to load: 1 s, doubling up to 30 s. */
  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 30000;
  /** Pages of this site remembered until the panel connects (`parley:pages`), the newest kept. */
  const PAGES_KEPT = 20;
  // The same as common/launcher.js (the dashboard's preview draws them; a test compares).
  const ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 5v2h10V9zm0 4v2h7v-2z';
  const ICON_CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z';
  const CSS = [
    ':host{all:initial!important;display:block!important}',
    '.r{--a:#4f46e5;--f:#fff}',
    '.wait .l{visibility:hidden}',
    '.no{display:none!important}',
    '.off:not(.open) .l{display:none}',
    '.l{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:60px;height:60px;margin:0;padding:0;border:0;border-radius:50%;background:var(--a);color:var(--f);box-shadow:0 4px 16px rgba(0,0,0,.25);cursor:pointer;display:flex;align-items:center;justify-content:center;transition:transform .15s}',
    '.l:hover{transform:scale(1.05)}',
    '.l:focus-visible{outline:3px solid var(--a);outline-offset:3px}',
    '.l svg{width:28px;height:28px;fill:currentColor}',
    '.l .x,.open .l .c{display:none}',
    '.open .l .x{display:block}',
    '.b{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#dc2626;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}',
    '.b[hidden]{display:none}',
    '.f{position:fixed;z-index:2147483000;bottom:92px;right:20px;width:380px;max-width:calc(100vw - 40px);height:640px;max-height:calc(100vh - 112px);max-height:calc(100dvh - 112px);border:0;border-radius:16px;background:#fff;box-shadow:0 12px 48px rgba(0,0,0,.25);visibility:hidden;opacity:0;transform:translateY(16px);transition:opacity .2s,transform .2s,visibility 0s linear .2s}',
    '.left .l,.left .f{right:auto;left:20px}',
    '.open .f{visibility:visible;opacity:1;transform:none;transition:opacity .2s,transform .2s}',
    '@media (max-width:480px){.f{top:var(--vt,0);bottom:auto;left:0!important;right:0;width:100%;max-width:none;height:100vh;height:var(--vh,100dvh);max-height:none;border-radius:0}.open .l{display:none}}',
    '@media (prefers-reduced-motion:reduce){.l,.f{transition:none}}',
  ].join('');

  const script = /** @type {HTMLScriptElement | null} */ (d.currentScript || d.querySelector('script[data-site-key]'));
  const siteKey = script && script.getAttribute('data-site-key');
  if (!siteKey) {
    warn('the script tag needs data-site-key');
    return;
  }
  const origin = new URL(script.src, location.href).origin;
  const nonce = script.getAttribute('data-nonce') || script.nonce || '';

  /** Everything the loader knows. */
  const state = {
    open: false,
    /** storage may be written: after the first open, `identify`, or an existing conversation */
    keep: false,
    /** this browser kept something here before (an open, a token): pages seen go to storage */
    known: false,
    /** @type {any[]} pages seen on this page load while nothing may be stored, oldest first */
    pages: [],
    unread: 0,
    identity: null,
    frame: null,
    ready: false,
    /** the visitor asked for the panel and should land in it once it has loaded */
    focusWanted: false,
    handlers: { message: [], open: [], close: [], unread: [] },
    lang: 'en',
    memory: {},
    title: '',
    alt: '',
    blink: 0,
    audio: null,
    channel: null,
    hooked: false,
    lastUrl: '',
    pageTimer: 0,
    viewport: false,
    retries: 0,
    retry: 0,
    unknownSite: false,
    /** the site does not allow this page's origin: no launcher, no panel */
    forbidden: false,
    /** page loads of this browser here, counted only once storage is allowed (0: not known) */
    visits: 0,
    /** @type {any} the proactive rule shown on this page, handed to the panel */
    proactive: null,
    proactiveTimer: 0,
  };
  let host;
  let root;
  let launcher;
  let badge;
  let started = false;

  if (d.body) start();
  else d.addEventListener('DOMContentLoaded', start);

  function start() {
    if (started) return;
    started = true;
    build();
    state.keep = !!(kept('conversation') || kept('outbox') || kept('open') === '1');
    state.known = state.keep || kept('open') !== null || kept('token') !== null;
    if (state.known) countVisit(Number(kept('visits')) || 1); // known from before the counter
    state.lastUrl = location.href;
    firstPages();
    watchNavigation();
    const api = function Parley() {
      run(arguments);
    };
    api.loaded = true;
    const queued = (stub && stub.q) || [];
    w.Parley = api;
    w.addEventListener('message', onMessage);
    if (kept('open') === '1' && !isPhone()) setOpen(true, false);
    for (let i = 0; i < queued.length; i++) run(queued[i]);
    if (linkOpens()) setOpen(true, false);
    if (state.keep || state.identity) ensureFrame();
    fetchConfig();
  }

  /**
   * A reply email links to the visitor's page with `?parley=open`: the chat opens, and the
   * parameter leaves the address bar (the rest of the URL and its hash kept) so that a reload
   * does not open it again.
   */
  function linkOpens() {
    const url = new URL(location.href);
    const parts = url.search.slice(1).split('&');
    const rest = parts.filter((p) => p !== 'parley=open');
    if (rest.length === parts.length) return false;
    const search = rest.join('&');
    try {
      w.history.replaceState(w.history.state, '', url.pathname + (search ? '?' + search : '') + url.hash);
      state.lastUrl = location.href; // not a page of its own
    } catch (err) {
      /* opened all the same */
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // Commands: Parley('open' | 'close' | 'toggle' | 'identify' | 'reset' | 'on', …)

  function run(args) {
    const name = args[0];
    try {
      switch (name) {
        case 'open':
          return setOpen(true, userActive());
        case 'close':
          return setOpen(false, false);
        case 'toggle':
          return setOpen(!state.open, userActive());
        case 'identify':
          return identify(args[1]);
        case 'reset':
          return reset();
        case 'on':
          return on(args[1], args[2]);
        default:
          warn('unknown command ' + String(name));
      }
    } catch (err) {
      warn(err);
    }
  }

  function setOpen(want, focus) {
    if (state.forbidden) return;
    if (want === state.open) {
      if (want && focus) focusPanel();
      return;
    }
    const focusInside = d.activeElement === host;
    state.open = want;
    if (want) {
      clearTimeout(state.proactiveTimer);
      allowStorage();
      ensureFrame();
      watchViewport();
    } else {
      state.focusWanted = false;
    }
    root.classList.toggle('open', want);
    launcher.setAttribute('aria-expanded', String(want));
    label();
    keep('open', want ? '1' : '0');
    send(want ? MSG.OPEN : MSG.CLOSE, { focus: !!focus });
    if (want && focus) focusPanel();
    if (!want && focusInside) launcher.focus();
    emit(want ? 'open' : 'close');
  }

  function focusPanel() {
    state.focusWanted = true;
    if (state.frame) state.frame.focus();
  }

  function identify(value) {
    const identity = cleanIdentity(value);
    if (!identity) {
      warn("identify takes {jwt} or {id, name, email, hash}");
      return;
    }
    state.identity = identity;
    allowStorage();
    if (state.frame) send(MSG.IDENTIFY, { identity });
    else ensureFrame();
  }

  function cleanIdentity(value) {
    if (!value || typeof value !== 'object') return null;
    if (typeof value.jwt === 'string' && value.jwt) return { jwt: value.jwt };
    const out = {};
    let any = false;
    if (value.id != null && value.id !== '') {
      out.id = String(value.id);
      any = true;
    }
    for (const key of ['name', 'email', 'hash']) {
      if (typeof value[key] === 'string' && value[key]) {
        out[key] = value[key];
        any = true;
      }
    }
    return any ? out : null;
  }

  /** Logout: forget the visitor here and in this page's other tabs. */
  function reset() {
    forgetAll();
    forgetVisitor();
    try {
      channel().postMessage('reset');
    } catch (err) {
      /* no BroadcastChannel: other tabs keep their session until reloaded */
    }
  }

  /** Also run when another tab of this site reset (it already cleared the shared storage). */
  function forgetVisitor() {
    state.identity = null;
    setUnread(0);
    state.keep = !!state.frame;
    state.known = state.keep;
    state.pages = [];
    if (state.frame) send(MSG.RESET, {});
  }

  function channel() {
    if (!state.channel) {
      state.channel = new w.BroadcastChannel('parley');
      state.channel.onmessage = (event) => {
        if (event.data === 'reset') forgetVisitor();
      };
    }
    return state.channel;
  }

  function on(event, fn) {
    if (EVENTS.indexOf(event) < 0 || typeof fn !== 'function') {
      warn("on takes 'message' | 'open' | 'close' | 'unread' and a function");
      return;
    }
    state.handlers[event].push(fn);
  }

  function emit(event, value) {
    for (const fn of state.handlers[event].slice()) {
      try {
        fn(value);
      } catch (err) {
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // The panel: an iframe from the Parley origin, and the messages it exchanges with us

  function ensureFrame() {
    if (state.frame || state.forbidden) return;
    allowStorage();
    state.frame = makeFrame();
    root.appendChild(state.frame);
    if (w.BroadcastChannel) channel();
    hookNavigation();
  }

  function makeFrame() {
    const frame = d.createElement('iframe');
    frame.className = 'f';
    frame.id = 'parley-frame';
    frame.title = words()[3];
    frame.setAttribute('data-testid', 'parley-frame');
    frame.setAttribute('sandbox', SANDBOX);
    frame.addEventListener('load', () => panelLoaded(frame));
    frame.src =
      origin + '/widget/panel.html?site_key=' + encodeURIComponent(siteKey) + '#origin=' + encodeURIComponent(location.origin);
    return frame;
  }

  /** A load without `ready` is an error page (Parley was down): a fresh iframe replaces it, later. */
  function panelLoaded(frame) {
    if (state.ready || frame !== state.frame || state.unknownSite) return;
    clearTimeout(state.retry);
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * Math.pow(2, state.retries++));
    state.retry = setTimeout(() => {
      if (state.ready || frame !== state.frame) return;
      const fresh = makeFrame();
      state.frame = fresh;
      root.removeChild(frame);
      root.appendChild(fresh);
    }, delay);
  }

  function onMessage(event) {
    const frame = state.frame;
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
    const m = event.data;
    if (!m || m.parley !== 1 || typeof m.type !== 'string') return;
    switch (m.type) {
      case MSG.READY:
        state.ready = true;
        state.lastUrl = location.href; // `init` carries this page
        state.retries = 0;
        clearTimeout(state.retry);
        if (state.open && state.focusWanted && (d.activeElement === host || d.activeElement === d.body)) frame.focus();
        send(MSG.INIT, {
          open: state.open,
          focus: state.open && state.focusWanted,
          identity: state.identity,
          page: page(),
          pages: pagesBefore(),
          proactive: state.proactive,
          state: {
            token: kept('token'),
            conversation: kept('conversation'),
            seen: Number(kept('seen')) || 0,
            outbox: outbox(),
            sound: kept('sound') === '1',
            email: kept('email') === '1',
            rated: kept('rated'),
          },
        });
        break;
      case MSG.SET:
        if (PANEL_KEYS.indexOf(m.key) >= 0) keep(m.key, m.value == null ? null : String(m.value));
        else if (m.key === 'pages' && m.value == null) store('pages', null); // a hello carried them
        break;
      case MSG.OUTBOX:
        changeOutbox(m);
        break;
      case MSG.UNREAD:
        setUnread(m.count);
        break;
      case MSG.MESSAGE:
        emit('message', m.message);
        break;
      case MSG.CLOSE:
        setOpen(false, false);
        break;
      case MSG.SETTINGS:
        applySettings(m.settings);
        break;
      case MSG.RESET: // the visitor was erased at their request
        reset();
        break;
    }
  }

  /** Before `ready` nothing is sent: `init` carries the whole current state. */
  function send(type, fields) {
    if (!state.ready || !state.frame || !state.frame.contentWindow) return;
    const message = Object.assign({}, fields, { parley: 1, type });
    state.frame.contentWindow.postMessage(message, origin);
  }

  // ---------------------------------------------------------------------------------------
  // Storage: this page's localStorage, `parley:` keys, written only once `keep` is set

  function kept(key) {
    try {
      return w.localStorage.getItem(PREFIX + key);
    } catch (err) {
      return key in state.memory ? state.memory[key] : null;
    }
  }

  function keep(key, value) {
    if (state.keep) store(key, value);
  }

  function store(key, value) {
    try {
      if (value == null) w.localStorage.removeItem(PREFIX + key);
      else w.localStorage.setItem(PREFIX + key, value);
    } catch (err) {
      if (value == null) delete state.memory[key];
      else state.memory[key] = value;
    }
  }

  function forgetAll() {
    state.memory = {};
    try {
      const ls = w.localStorage;
      for (let i = ls.length - 1; i >= 0; i--) {
        const key = ls.key(i);
        if (key && key.indexOf(PREFIX) === 0) ls.removeItem(key);
      }
    } catch (err) {
      /* nothing was stored */
    }
  }

  function outbox() {
    try {
      const items = JSON.parse(kept('outbox') || '[]');
      return Array.isArray(items) ? items : [];
    } catch (err) {
      return [];
    }
  }

  /** Applies one change to the stored outbox, read fresh so that other tabs' changes stay. */
  function changeOutbox(m) {
    let items = outbox();
    if (m.op === 'put' && m.item && typeof m.item.client_msg_id === 'string') {
      /** @type {Record<string, unknown>} */
      const item = { client_msg_id: m.item.client_msg_id, body: String(m.item.body), created_at: String(m.item.created_at) };
      // The files uploaded for it: what the message needs to be sent again after a reload.
      const files = Array.isArray(m.item.attachments) ? m.item.attachments.filter(isFile).slice(0, 10).map(fileRef) : [];
      if (files.length) item.attachments = files;
      items = items.filter((i) => i && i.client_msg_id !== item.client_msg_id);
      items.push(item);
    } else if (m.op === 'remove' && typeof m.id === 'string') {
      items = items.filter((i) => i && i.client_msg_id !== m.id);
    } else {
      return;
    }
    keep('outbox', items.length ? JSON.stringify(items) : null);
  }

  function isFile(f) {
    return !!f && typeof f === 'object' && typeof f.id === 'string' && f.id.length > 0;
  }

  function fileRef(f) {
    return { id: f.id, name: String(f.name || 'file'), size: Number(f.size) || 0, content_type: String(f.content_type || '') };
  }

  // ---------------------------------------------------------------------------------------
  // Unread replies: badge, title blink, optional sound, `on('unread')`

  function setUnread(value) {
    const count = Math.max(0, Math.floor(Number(value)) || 0);
    const before = state.unread;
    if (count === before) return;
    state.unread = count;
    badge.textContent = count > 9 ? '9+' : String(count);
    if (count) badge.removeAttribute('hidden');
    else badge.setAttribute('hidden', '');
    label();
    if (count > before && (!state.open || d.hidden)) {
      blink();
      if (kept('sound') === '1') chime();
    }
    if (!count) stopBlink();
    emit('unread', count);
  }

  function blink() {
    if (state.blink) return;
    state.title = d.title;
    state.blink = setInterval(() => {
      if (d.title === state.alt) {
        d.title = state.title;
        return;
      }
      state.title = d.title; // the page may have changed its title meanwhile
      state.alt = '(' + state.unread + ') ' + words()[2];
      d.title = state.alt;
    }, 1000);
  }

  function stopBlink() {
    if (!state.blink) return;
    clearInterval(state.blink);
    state.blink = 0;
    if (d.title === state.alt) d.title = state.title;
  }

  function pageTitle() {
    return state.blink && d.title === state.alt ? state.title : d.title;
  }

  /** Two short tones with WebAudio; only when the visitor turned sound on in the panel. */
  function chime() {
    try {
      const Context = w.AudioContext || w.webkitAudioContext;
      if (!Context) return;
      const ctx = state.audio || (state.audio = new Context());
      if (ctx.state === 'suspended') ctx.resume();
      const t = ctx.currentTime;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.setValueAtTime(880, t);
      osc.frequency.setValueAtTime(1320, t + 0.12);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.4);
    } catch (err) {
      /* no sound, no harm */
    }
  }

  // ---------------------------------------------------------------------------------------
  // Page tracking: single-page apps navigate without loading this script again

  function hookNavigation() {
    if (state.hooked) return;
    state.hooked = true;
    const history = w.history;
    for (const name of ['pushState', 'replaceState']) {
      const original = history[name];
      if (typeof original !== 'function') continue;
      history[name] = function () {
        const result = original.apply(this, arguments);
        navigated();
        return result;
      };
    }
  }

  /**
   * Navigation seen without touching the page's objects (history is wrapped only once the panel
   * exists): back, forward, the hash, and where the browser has the Navigation API, every
   * `pushState` too.
   */
  function watchNavigation() {
    w.addEventListener('popstate', navigated);
    w.addEventListener('hashchange', navigated);
    if (w.navigation && typeof w.navigation.addEventListener === 'function') w.navigation.addEventListener('currententrychange', navigated);
  }

  /**
   * The new page usually sets its title a moment after the URL changes. A panel that is ready
   * is told; before that the page joins those seen before.
   */
  function navigated() {
    clearTimeout(state.pageTimer);
    state.pageTimer = setTimeout(() => {
      if (location.href === state.lastUrl) return;
      state.lastUrl = location.href;
      if (state.ready) send(MSG.PAGE, { page: { url: location.href, title: pageTitle() } });
      else addPage(Object.assign(page(), { seen_at: now() }));
    }, 300);
  }

  function page() {
    return { url: location.href, title: pageTitle(), referrer: d.referrer || '' };
  }

  function now() {
    return new Date().toISOString();
  }

  /**
   * The pages seen before the panel connects, so that agents see where the visitor went before
   * writing. While nothing may be stored (the chat never opened in this browser), they live in
   * memory for this page load only: this page, the same-origin page that led here, and where a
   * single-page app navigates. Once storage is allowed they are kept in `parley:pages` across
   * page loads until a hello carries them.
   */
  function firstPages() {
    const here = Object.assign(page(), { seen_at: now() });
    if (!state.known) {
      const from = sameOriginReferrer();
      if (from && from !== location.href) state.pages.push({ url: from, title: '', referrer: '', seen_at: here.seen_at });
    }
    addPage(here);
  }

  function sameOriginReferrer() {
    try {
      return d.referrer && new URL(d.referrer).origin === location.origin ? d.referrer : '';
    } catch (err) {
      return '';
    }
  }

  /** A reload (the same URL again) is not a new page. */
  function addPage(seen) {
    const pages = pagesSeen();
    const last = pages[pages.length - 1];
    if (last && last.url === seen.url) return;
    pages.push(seen);
    savePages(pages);
  }

  function storesPages() {
    return state.keep || state.known;
  }

  function pagesSeen() {
    if (!storesPages()) return state.pages.slice();
    try {
      const pages = JSON.parse(kept('pages') || '[]');
      return Array.isArray(pages) ? pages.filter((p) => p && typeof p.url === 'string') : [];
    } catch (err) {
      return [];
    }
  }

  function savePages(pages) {
    if (storesPages()) store('pages', JSON.stringify(pages.slice(-PAGES_KEPT)));
    else state.pages = pages.slice(-PAGES_KEPT);
  }

  /**
   * Storage is allowed from now on (the chat opens, the page identifies the visitor, a stored
   * conversation): the pages held in memory move to `parley:pages`.
   */
  function allowStorage() {
    if (state.keep) return;
    const held = state.pages;
    const wasKnown = state.known;
    state.keep = true;
    state.known = true;
    state.pages = [];
    if (!wasKnown) {
      held.forEach(addPage);
      countVisit(0);
    }
  }

  /** The pages seen before this one, oldest first: this one goes as the hello's `page`. */
  function pagesBefore() {
    const pages = pagesSeen();
    const last = pages[pages.length - 1];
    return last && last.url === location.href ? pages.slice(0, -1) : pages;
  }

  // ---------------------------------------------------------------------------------------
  // The launcher

  function build() {
    host = d.createElement('parley-widget');
    host.setAttribute('data-testid', 'parley-widget');
    const shadow = host.attachShadow({ mode: 'open' });
    adoptStyle(shadow);
    root = d.createElement('div');
    root.className = 'r wait';
    launcher = d.createElement('button');
    launcher.type = 'button';
    launcher.className = 'l';
    launcher.setAttribute('data-testid', 'parley-launcher');
    launcher.setAttribute('aria-haspopup', 'dialog');
    launcher.setAttribute('aria-controls', 'parley-frame');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.appendChild(icon('c', ICON_CHAT));
    launcher.appendChild(icon('x', ICON_CLOSE));
    badge = d.createElement('span');
    badge.className = 'b';
    badge.setAttribute('data-testid', 'parley-badge');
    badge.setAttribute('aria-hidden', 'true');
    badge.setAttribute('hidden', '');
    launcher.appendChild(badge);
    launcher.addEventListener('click', () => setOpen(!state.open, true));
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && state.open) setOpen(false, false);
    });
    root.appendChild(launcher);
    shadow.appendChild(root);
    (d.body || d.documentElement).appendChild(host);
    state.lang = language();
    label();
  }

  /** A constructable stylesheet where supported; else a <style> with the page's nonce. */
  function adoptStyle(shadow) {
    try {
      const sheet = new w.CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
      return;
    } catch (err) {
      /* fall back below */
    }
    const style = d.createElement('style');
    if (nonce) style.setAttribute('nonce', nonce);
    style.textContent = CSS;
    shadow.appendChild(style);
  }

  function icon(className, path) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = d.createElementNS(ns, 'svg');
    svg.setAttribute('class', className);
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const p = d.createElementNS(ns, 'path');
    p.setAttribute('d', path);
    svg.appendChild(p);
    return svg;
  }

  function label() {
    const word = words();
    const unread = state.unread ? ' (' + state.unread + ')' : '';
    launcher.setAttribute('aria-label', (state.open ? word[1] : word[0]) + unread);
    if (state.frame) state.frame.title = word[3];
  }

  function words() {
    return WORDS[state.lang] || WORDS.en;
  }

  function language(setting) {
    /** @type {{languages?: readonly string[], language?: string}} */
    const nav = w.navigator || {};
    const tags = [].concat(setting && setting !== 'auto' ? [setting] : [], nav.languages || [], nav.language || []);
    for (const tag of tags) {
      const lang = String(tag).toLowerCase().split(/[-_]/)[0];
      if (WORDS[lang]) return lang;
    }
    return 'en';
  }

  /** Colour, side and language of the launcher, from the public site settings. */
  function applySettings(s) {
    if (!s || typeof s !== 'object') return;
    if (typeof s.color === 'string' && HEX.test(s.color)) {
      root.style.setProperty('--a', s.color);
      root.style.setProperty('--f', light(s.color) ? '#111827' : '#fff');
    }
    if (s.position === 'left' || s.position === 'right') root.classList.toggle('left', s.position === 'left');
    if (typeof s.locale === 'string') state.lang = language(s.locale);
    label();
  }

  function light(hex) {
    const full = hex.length === 4 ? '#' + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3] : hex;
    const n = parseInt(full.slice(1), 16);
    return 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255) > 170;
  }

  /** The launcher shows once its colour and side are known (or after 1.5 s without an answer). */
  function fetchConfig() {
    const reveal = () => root.classList.remove('wait');
    if (typeof w.fetch !== 'function') return reveal();
    const timer = setTimeout(reveal, 1500);
    w.fetch(origin + '/api/v1/widget/config?site_key=' + encodeURIComponent(siteKey), { credentials: 'omit' })
      .then((response) => {
        // Unknown site: its panel cannot load either, so it is not retried.
        if (response.status === 404) state.unknownSite = true;
        if (response.status === 403) refuse();
        return response.ok ? response.json() : null;
      })
      .then((config) => {
        applySettings(config && typeof config.settings === 'object' ? config.settings : config);
        hideWhenUnavailable(config);
        proactive(config);
      })
      .catch(() => {})
      .then(() => {
        clearTimeout(timer);
        reveal();
      });
  }

  /**
   * The site does not allow this page's origin (the config answered 403): its panel would be
   * refused too (`frame-ancestors`), so there is no launcher, no panel and no retry, only a
   * word for the developer.
   */
  function refuse() {
    state.forbidden = true;
    root.classList.add('no');
    clearTimeout(state.retry);
    if (state.frame) root.removeChild(state.frame);
    state.frame = null;
    warn("this page's origin (" + location.origin + ') is not allowed for this site: add it in the dashboard under Settings → Sites');
  }

  /**
   * The site's `offline: hidden` policy: no launcher while nobody can answer live (the config's
   * `available`), except for a browser that already has a conversation here or unsent messages.
   * An open panel keeps its launcher, which closes it.
   */
  function hideWhenUnavailable(config) {
    if (!config || typeof config !== 'object') return;
    const settings = typeof config.settings === 'object' && config.settings ? config.settings : config;
    const available = typeof config.available === 'boolean' ? config.available : config.chat && config.chat.available;
    const chatting = !!(kept('conversation') || kept('outbox'));
    root.classList.toggle('off', settings.offline === 'hidden' && available === false && !chatting);
  }

  // ---------------------------------------------------------------------------------------
  // Proactive messages: the site's rules open the chat with a message from an agent

  /** This page load is one more of this browser here (`parley:visits`, once storage is allowed). */
  function countVisit(before) {
    state.visits = before + 1;
    store('visits', String(state.visits));
  }

  /**
   * The first of the site's rules (`settings.proactive`) that fits this page, and was never
   * shown in this browser, fires after its delay while someone is available and the chat is
   * closed: the chat opens (as `Parley('open')` would, so storage is allowed from then on) with
   * the rule's message, and its id is kept in `parley:proactive`. Not on phones, where the
   * panel would cover the page.
   */
  function proactive(config) {
    if (!config || typeof config !== 'object') return;
    const rules = (config.settings && typeof config.settings === 'object' ? config.settings : config).proactive;
    if (!Array.isArray(rules) || !rules.length || config.available !== true || isPhone()) return;
    if (kept('conversation') || kept('outbox')) return; // already talking
    const shown = proactiveShown();
    const here = new URL(location.href);
    const path = here.pathname + here.search;
    for (const rule of rules) {
      if (!rule || typeof rule.id !== 'string' || typeof rule.message !== 'string' || shown.indexOf(rule.id) >= 0) continue;
      if (!matches(String(rule.url || '*'), path) && !matches(String(rule.url || '*'), here.pathname)) continue;
      if (rule.returning && state.visits < 2) continue;
      const delay = Math.min(600, Math.max(0, Number(rule.delay_s) || 0)) * 1000;
      state.proactiveTimer = setTimeout(() => showProactive(rule), delay);
      return;
    }
  }

  /** A URL pattern: `*` stands for any characters, the rest is literal. */
  function matches(pattern, path) {
    const parts = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp('^' + parts.join('.*') + '$').test(path);
  }

  function proactiveShown() {
    try {
      const ids = JSON.parse(kept('proactive') || '[]');
      return Array.isArray(ids) ? ids : [];
    } catch (err) {
      return [];
    }
  }

  function showProactive(rule) {
    if (state.open || state.forbidden) return;
    const agent = rule.agent && typeof rule.agent.name === 'string' ? { name: rule.agent.name, avatar_url: rule.agent.avatar_url || null } : null;
    state.proactive = { id: rule.id, message: rule.message, agent };
    setOpen(true, false);
    keep('proactive', JSON.stringify(proactiveShown().concat(rule.id).slice(-50)));
    send(MSG.PROACTIVE, { proactive: state.proactive });
  }

  /** Full-screen panel on phones: follow the visual viewport, which shrinks under the keyboard. */
  function watchViewport() {
    const vv = w.visualViewport;
    if (!vv || state.viewport) return;
    state.viewport = true;
    const fit = () => {
      root.style.setProperty('--vh', vv.height + 'px');
      root.style.setProperty('--vt', vv.offsetTop + 'px');
    };
    vv.addEventListener('resize', fit);
    vv.addEventListener('scroll', fit);
    fit();
  }

  function isPhone() {
    return !!(w.matchMedia && w.matchMedia('(max-width: 480px)').matches);
  }

  function userActive() {
    const activation = w.navigator && w.navigator.userActivation;
    return !!(activation && activation.isActive);
  }

  function warn(what) {
    if (w.console) w.console.warn('[parley]', what);
  }
})();
