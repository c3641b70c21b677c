// @ts-check
/**
 * The dashboard's entry point: the session (token in `localStorage`), the login form, and the
 * signed-in shell. A 401 from the API or a 4001 close of the socket ends the session
 * gracefully: the login form comes back with the email filled in, and drafts and outboxes stay
 * in storage, so whatever was typed is there after signing in again. An emailed link to choose
 * a password (`#/reset?token=…`) shows its form instead, signed in or not; once the password is
 * set, the sign-in form comes with the email filled in.
 */
import { createApi } from './lib/api.js';
import { Alerts } from './lib/alerts.js';
import { Desk } from './lib/desk.js';
import { h } from './lib/dom.js';
import { parseResetHash } from './lib/reset.js';
import { Keys, load, remove, save } from './lib/storage.js';
import { loginView } from './views/login.js';
import { resetView } from './views/reset.js';
import { Shell } from './views/shell.js';

const root = /** @type {HTMLElement} */ (document.getElementById('app'));
const alerts = new Alerts();

/** @type {string | null} */
let token = load(Keys.TOKEN, null);
/** @type {Desk | null} */
let desk = null;
/** @type {Shell | null} */
let shell = null;

const api = createApi({ getToken: () => token, onUnauthorized: () => endSession(true) });

/** Canned responses, fetched once and again after an admin changes them. */
const canned = (() => {
  /** @type {Promise<any[]> | null} */
  let cached = null;
  return {
    list() {
      cached ??= api.canned().then((page) => page.items).catch((err) => {
        cached = null;
        throw err;
      });
      return cached;
    },
    invalidate() {
      cached = null;
    },
  };
})();

/** @param {string} text */
function announce(text) {
  const region = document.querySelector('[data-testid="live-region"]');
  if (!region) return;
  const line = h('p', { text });
  region.append(line);
  while (region.childElementCount > 5) region.firstElementChild?.remove();
}

function startSession() {
  desk = new Desk({ api, getToken: () => token });
  desk.status = String(load(Keys.STATUS, 'online')) === 'away' ? 'away' : 'online';
  desk.on('unauthorized', () => endSession(true));
  desk.on('welcome', () => loadTeam());
  shell = new Shell(root, { api, desk, alerts, canned, announce, logout: () => endSession(false) });
  desk.start();
}

/** Admins see the whole team (names for assignment); agents learn names as they go. */
async function loadTeam() {
  if (!desk?.workspace.isAdmin) return;
  try {
    const page = await api.agents();
    desk.workspace.setTeam(page.items);
  } catch {
    /* names come from messages and assignments meanwhile */
  }
}

/** @param {boolean} expired the server refused the token (not a sign-out) */
function endSession(expired) {
  if (!token && !desk) return;
  const email = desk?.workspace.me?.email ?? load(Keys.AGENT, null)?.email ?? '';
  token = null;
  remove(Keys.TOKEN);
  shell?.destroy();
  desk?.stop();
  shell = null;
  desk = null;
  canned.invalidate();
  alerts.setTitle(0);
  showLogin(expired ? 'Your session has ended. Sign in again: your drafts and unsent replies are kept.' : '', email);
}

/** @param {string} notice @param {string} email */
function showLogin(notice, email) {
  root.replaceChildren(loginView({
    api,
    notice,
    email,
    onLogin(result) {
      token = result.token;
      save(Keys.TOKEN, result.token);
      save(Keys.AGENT, { id: result.agent.id, email: result.agent.email, name: result.agent.name });
      startSession();
    },
  }));
}

/** Drops the fragment (a reset link's token has no business staying in the address bar or history). */
function clearHash() {
  history.replaceState(null, '', location.pathname + location.search);
}

/**
 * The form of an emailed link. A running session is paused (its token kept): "Back to sign in"
 * resumes it; a password set shows the sign-in form.
 * @param {{token: string, invite: boolean}} link
 */
function showReset(link) {
  shell?.destroy();
  desk?.stop();
  shell = null;
  desk = null;
  root.replaceChildren(resetView({
    api,
    token: link.token,
    invite: link.invite,
    onDone(email) {
      clearHash();
      showLogin('Your password is set. Sign in with it.', email);
    },
    onBack() {
      clearHash();
      if (token) startSession();
      else showLogin('', load(Keys.AGENT, null)?.email ?? '');
    },
  }));
}

// Registered before the shell's own listener, so that a reset link pasted into a signed-in tab
// is not routed to the inbox first.
globalThis.addEventListener('hashchange', () => {
  const link = parseResetHash(location.hash);
  if (link) showReset(link);
});

const link = parseResetHash(location.hash);
if (link) showReset(link);
else if (token) startSession();
else showLogin('', load(Keys.AGENT, null)?.email ?? '');
