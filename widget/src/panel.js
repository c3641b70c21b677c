// @ts-check
/**
 * The chat panel, running in an iframe served from the Parley origin. It owns the WebSocket;
 * the loader in the host page owns storage and the launcher. This module only wires the
 * pieces together: the postMessage bridge, the chat session, the view, the language.
 */
import { Bridge, parentOriginConfirmed, readFrameParams } from './lib/bridge.js';
import { Chat } from './lib/chat.js';
import { EN, format, loadStrings, pickLanguage } from './lib/i18n.js';
import { PanelKeys, ToLoader, ToPanel } from './lib/messages.js';
import { clip, socketUrl } from '../../common/protocol.js';
import { createView } from './lib/view.js';
import { fallbackSocket } from '../../common/fallback.js';

/** Settings the launcher in the host page uses. */
const LAUNCHER_SETTINGS = ['color', 'position', 'locale'];
/** How long a file dropped before the first welcome waits for the session before it fails (Retry). */
const UPLOAD_WAIT_MS = 20_000;

const params = readFrameParams(location);
if (
  params &&
  window.parent !== window &&
  parentOriginConfirmed(params.parentOrigin, location.ancestorOrigins, document.referrer)
) {
  boot(params.siteKey, params.parentOrigin);
}

/**
 * @param {string} siteKey
 * @param {string} parentOrigin
 */
function boot(siteKey, parentOrigin) {
  /** @type {Chat | null} */
  let chat = null;
  /** @type {ReturnType<typeof createView> | null} */
  let view = null;
  let open = false;
  let language = '';
  let settingsFromWelcome = false;

  const bridge = new Bridge(window, parentOrigin, onLoaderMessage);
  bridge.post(ToLoader.READY);

  /** @param {string} type @param {any} data */
  function onLoaderMessage(type, data) {
    if (type === ToPanel.INIT) {
      if (!chat) start(data);
      return;
    }
    if (!chat || !view) return;
    switch (type) {
      case ToPanel.OPEN:
        open = true;
        updateVisibility();
        view.shown();
        if (data.focus) view.focusComposer();
        break;
      case ToPanel.CLOSE:
        open = false;
        updateVisibility();
        break;
      case ToPanel.PAGE:
        if (data.page && typeof data.page.url === 'string') chat.setPage(data.page);
        break;
      case ToPanel.IDENTIFY:
        chat.identify(data.identity ?? null);
        break;
      case ToPanel.RESET:
        chat.reset();
        break;
      case ToPanel.PROACTIVE:
        chat.setProactive(data.proactive);
        break;
    }
  }

  /** @param {any} init */
  function start(init) {
    const restored = init.state ?? {};
    const v = createView(document, {
      send: (body, files) => (chat ? chat.send(body, files) : 'empty'),
      uploadAuth: () => {
        if (!chat) return null;
        if (chat.token) return { token: chat.token, siteKey };
        return chat.signedIn(UPLOAD_WAIT_MS).then((token) => (token ? { token, siteKey } : null));
      },
      typing: (text) => chat?.typing(text),
      close: () => bridge.post(ToLoader.CLOSE),
      leaveEmail: (email, name) => (chat ? chat.leaveEmail(email, name) : Promise.reject()),
      end: () => (chat ? chat.end() : Promise.reject()),
      emailTranscript: (email) => (chat ? chat.emailTranscript(email) : Promise.reject()),
      rate: (score, comment) => (chat ? chat.rate(score, comment) : Promise.reject()),
      submitForm: (form) => (chat ? chat.submitForm(form) : Promise.reject()),
      loadEarlier: () => (chat ? chat.loadEarlier() : Promise.resolve()),
      forget: async (erase) => {
        const done = !!chat && (await chat.forget(erase));
        if (done) bridge.post(ToLoader.RESET); // the loader forgets every parley: key
        return done;
      },
      sound: (on) => bridge.post(ToLoader.SET, { key: PanelKeys.SOUND, value: on ? '1' : null }),
    });
    view = v;
    document.body.appendChild(v.element);
    v.setSound(restored.sound === true);

    const clock = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id), now: () => Date.now() };
    // A WebSocket, or the HTTP transport where one cannot open; the panel's root says which.
    const Socket = fallbackSocket({ clock, credentials: 'omit', opened: (kind) => { v.element.dataset.transport = kind; } });
    const c = new Chat(
      { url: socketUrl(location.origin, 'visitor', siteKey), WebSocket: Socket, clock, uuid },
      {
        persist: (key, value) => bridge.post(ToLoader.SET, { key, value }),
        outbox: {
          put: (item) => bridge.post(ToLoader.OUTBOX, { op: 'put', item }),
          remove: (id) => bridge.post(ToLoader.OUTBOX, { op: 'remove', id }),
        },
        changed: scheduleRender,
        live: (message) => {
          bridge.post(ToLoader.MESSAGE, { message });
          if (message.author.kind === 'agent') {
            v.announce(format(strings().new_message, { name: message.author.name || strings().support, text: spoken(message) }));
          } else if (message.kind === 'event') {
            v.announce(clip(message.body, 300)); // "Alice joined the conversation"
          }
        },
        unread: (count) => bridge.post(ToLoader.UNREAD, { count }),
        settings: (settings) => {
          settingsFromWelcome = true;
          useSettings(settings);
        },
      },
      restored,
    );
    chat = c;
    open = init.open === true;
    updateVisibility();
    if (open && init.focus) v.focusComposer();
    fetchConfig();
    useLanguage(undefined);
    if (init.proactive) c.setProactive(init.proactive);
    c.start({ identity: init.identity ?? null, page: init.page ?? null, pages: Array.isArray(init.pages) ? init.pages : [] });
    scheduleRender();

    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && open) {
        event.preventDefault();
        bridge.post(ToLoader.CLOSE);
      }
    });
    document.addEventListener('visibilitychange', () => {
      updateVisibility();
      if (document.visibilityState === 'visible') c.nudge();
    });
    window.addEventListener('online', () => c.nudge());
  }

  /** @type {Record<string, string>} */
  let currentStrings = { ...EN };
  function strings() {
    return currentStrings;
  }

  /** The public settings, so the panel looks right before the socket is welcomed. */
  async function fetchConfig() {
    try {
      const response = await fetch(`/api/v1/widget/config?site_key=${encodeURIComponent(siteKey)}`, { credentials: 'omit' });
      if (response.status === 404) {
        chat?.stop();
        return;
      }
      if (!response.ok || settingsFromWelcome) return;
      const config = await response.json();
      // The settings at the top level, beside `available` and `agents_online` (or under `settings`).
      const settings = config && typeof config.settings === 'object' ? config.settings : config;
      if (!settingsFromWelcome && settings && typeof settings === 'object') useSettings(settings);
    } catch {
      /* the socket's welcome brings the settings too */
    }
  }

  /** @param {Record<string, unknown>} settings */
  function useSettings(settings) {
    view?.setSettings(settings);
    /** @type {Record<string, unknown>} */
    const forLauncher = {};
    for (const key of LAUNCHER_SETTINGS) if (key in settings) forLauncher[key] = settings[key];
    bridge.post(ToLoader.SETTINGS, { settings: forLauncher });
    useLanguage(settings.locale);
  }

  /** @param {unknown} localeSetting */
  async function useLanguage(localeSetting) {
    const wanted = pickLanguage(localeSetting, navigator.languages ?? [navigator.language]);
    if (wanted === language) return;
    language = wanted;
    const table = await loadStrings(wanted, (url) => fetch(url));
    if (language !== wanted) return;
    currentStrings = table;
    view?.setStrings(table, wanted);
  }

  function updateVisibility() {
    chat?.setVisible(open && document.visibilityState === 'visible');
  }

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    queueMicrotask(() => {
      renderQueued = false;
      if (chat && view) view.render(chat);
    });
  }
}

/**
 * What a new message says, read to screen-reader users: its text, then its files' names.
 * @param {import('../../common/protocol.js').Message} message
 */
function spoken(message) {
  const files = /** @type {any} */ (message).attachments;
  const names = Array.isArray(files) ? files.map((f) => String(f?.name ?? '')).filter(Boolean) : [];
  return [clip(message.body, 300), ...names].filter(Boolean).join(' · ');
}

/** A v4 UUID: `crypto.randomUUID` where available (secure contexts), else built from random bytes. */
function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
