// @ts-check
/**
 * The dashboard's entry point: the session (token in `localStorage`), the login form, and the
 * signed-in shell. A 401 from the API or a 4001 close of the socket ends the session
 * gracefully: the login form comes back with the email filled in, and drafts and outboxes stay
 * in storage, so whatever was typed is there after signing in again. An emailed link to choose
 * a password (`#/reset?token=…`) shows its form instead, signed in or not; once the password is
 * set, the sign-in form comes with the email filled in. A password changed on the profile ends
 * every session of the agent, this one too: the page signs in again with the new password and
 * goes on as it was.
 */
import { createApi } from './lib/api.js';
import { Alerts } from './lib/alerts.js';
import { readCannedList } from './lib/canned.js';
import { Desk } from './lib/desk.js';
import { fallbackSocket } from '../common/fallback.js';
import { SYSTEM_CLOCK } from './lib/connection.js';
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
/** A password change is under way: the end of the session it causes is not an end. */
let renewing = false;
/** The token was refused meanwhile. */
let refusedMeanwhile = false;

const EXPIRED_NOTICE = 'Your session has ended. Sign in again: your drafts and unsent replies are kept.';

const api = createApi({ getToken: () => token, onUnauthorized: () => refused() });

/** Canned responses (their files checked), fetched once and again after an admin changes them. */
const canned = (() => {
  /** @type {Promise<import('./lib/canned.js').Canned[]> | null} */
  let cached = null;
  return {
    list() {
      cached ??= api.canned().then((page) => readCannedList(page)).catch((err) => {
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
  // A WebSocket, or the HTTP transport where one cannot open; the body says which (tests read it).
  const WebSocketImpl = /** @type {typeof WebSocket} */ (/** @type {unknown} */ (fallbackSocket({
    clock: SYSTEM_CLOCK,
    opened: (kind) => { document.body.dataset.transport = kind; },
  })));
  desk = new Desk({ api, getToken: () => token, WebSocketImpl });
  desk.status = String(load(Keys.STATUS, 'online')) === 'away' ? 'away' : 'online';
  desk.on('unauthorized', () => refused());
  desk.on('welcome', () => loadTeam());
  shell = new Shell(root, { api, desk, alerts, canned, announce, changePassword, logout: () => endSession('') });
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

/** The server refused the token (an API call's 401, the socket closed with 4001). */
function refused() {
  if (renewing) refusedMeanwhile = true;
  else endSession(EXPIRED_NOTICE);
}

/**
 * Changes the password (`PATCH /me`). The server then ends every session of the agent, this
 * page's too (its token is refused, its socket closed with 4001), so the page signs in again
 * at once with the new password and reconnects, keeping what it shows. Should that sign-in
 * fail, the sign-in form comes back and says why. A refused change (a wrong current password,
 * too many tries, a password the server does not take) is thrown, and the session goes on.
 * @param {string} current @param {string} next
 */
async function changePassword(current, next) {
  const session = desk;
  renewing = true;
  refusedMeanwhile = false;
  /** @type {{token: string, agent: any} | null} */
  let signedIn = null;
  try {
    const agent = await api.updateMe({ current_password: current, new_password: next });
    signedIn = await api.login(agent.email, next, agent.workspace_id ?? null).catch(() => null);
  } catch (err) {
    // Not changed. A token refused meanwhile was refused for another reason.
    if (refusedMeanwhile) endSession(EXPIRED_NOTICE);
    throw err;
  } finally {
    renewing = false;
  }
  if (desk !== session) return; // signed out meanwhile: it stays so
  if (!signedIn) {
    endSession('Your password was changed, and every session with the old one has ended. Sign in with the new password.');
    return;
  }
  adopt(signedIn);
  desk?.reconnect();
}

/** @param {string} notice what the sign-in form says (empty after signing out) */
function endSession(notice) {
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
  showLogin(notice, email);
}

/** Keeps the token of a sign-in. @param {{token: string, agent: any}} result */
function adopt(result) {
  token = result.token;
  save(Keys.TOKEN, result.token);
  save(Keys.AGENT, { id: result.agent.id, email: result.agent.email, name: result.agent.name });
}

/** @param {string} notice @param {string} email */
function showLogin(notice, email) {
  root.replaceChildren(loginView({
    api,
    notice,
    email,
    onLogin(result) {
      adopt(result);
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
