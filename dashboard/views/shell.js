// @ts-check
/**
 * The signed-in page: top bar (navigation, team presence, own status and load, notifications,
 * sound, help, own name leading to the profile, sign out), the connection banner, and the
 * routed content — the inbox with a conversation and its visitor (three panes on wide
 * screens), an admin page, or the agent's own profile. Also the
 * inbox's keyboard shortcuts and their help overlay, and auto-away (the page's activity).
 */
import { notificationsSwitch, soundSwitch } from '../lib/alerts.js';
import { AutoAway } from '../lib/away.js';
import { UndoWindow, isUndoKey } from '../lib/undo.js';
import { SYSTEM_CLOCK } from '../lib/connection.js';
import { h, isTyping, replace } from '../lib/dom.js';
import { loadText } from '../lib/format.js';
import { Keys, load, save } from '../lib/storage.js';
import {
  ADMIN_SECTIONS, DEFAULT_TAB, PROFILE_HREF, REPORTS_HREF, TABS, adminHref, contactsHref, conversationHref, go, inboxHref, parseRoute,
} from '../lib/router.js';
import { visitorLabel } from '../lib/workspace.js';
import { summary } from '../../common/uploads.js';
import { InboxView } from './inbox.js';
import { ConversationView } from './conversation.js';
import { VisitorPanel } from './visitor.js';
import { helpDialog } from './help.js';
import { profilePage } from './profile.js';
import { contactsPage } from './contacts.js';
import { sitesPage } from './admin/sites.js';
import { agentsPage } from './admin/agents.js';
import { teamsPage } from './admin/teams.js';
import { cannedPage } from './admin/canned.js';
import { webhooksPage } from './admin/webhooks.js';
import { apiKeysPage } from './admin/api-keys.js';
import { blocksPage } from './admin/blocks.js';
import { labelsPage } from './admin/labels.js';
import { privacyPage } from './admin/privacy.js';
import { auditPage } from './admin/audit.js';
import { reportsPage } from './reports.js';

/**
 * What every view gets.
 * @typedef {{
 *   api: import('../lib/api.js').Api,
 *   desk: import('../lib/desk.js').Desk,
 *   alerts: import('../lib/alerts.js').Alerts,
 *   canned: {list: () => Promise<import('../lib/canned.js').Canned[]>, invalidate: () => void},
 *   announce: (text: string) => void,
 *   changePassword: (current: string, next: string) => Promise<void>,
 *   logout: () => void,
 * }} AppContext
 */

/** The banner says "Connecting…" only when the first connection takes longer than this. */
const CONNECTING_NOTICE_MS = 1000;
/** A new conversation and its first message come together: one beep for both. */
const BEEP_GAP_MS = 1500;
/** What counts as the agent being there, for auto-away (on the document, or the window). */
const ACTIVITY_EVENTS = Object.freeze(['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart']);
/** Activity is reported at most this often (a pointer moves many times a second). */
const ACTIVITY_EVERY_MS = 500;

/** @type {Record<string, (ctx: AppContext, id: string | null) => {el: HTMLElement, destroy?: () => void}>} */
const ADMIN_PAGES = { sites: sitesPage, agents: agentsPage, teams: teamsPage, canned: cannedPage, labels: labelsPage, webhooks: webhooksPage, 'api-keys': apiKeysPage, blocks: blocksPage, audit: auditPage, privacy: privacyPage };

export class Shell {
  /** @param {HTMLElement} root @param {AppContext} ctx */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.desk = ctx.desk;
    this.ws = ctx.desk.workspace;
    /** @type {(() => void)[]} */
    this.cleanups = [];
    this.tab = load(Keys.INBOX_TAB, DEFAULT_TAB);
    if (!TABS.some((t) => t.id === this.tab)) this.tab = DEFAULT_TAB;
    /** @type {ConversationView | null} */
    this.conversation = null;
    /** @type {VisitorPanel | null} */
    this.visitor = null;
    /** @type {{el: HTMLElement, destroy?: () => void} | null} */
    this.adminPage = null;
    this.adminKey = '';
    /** @type {{el: HTMLElement, destroy?: () => void} | null} */
    this.profile = null;
    /** @type {{el: HTMLElement, destroy?: () => void} | null} */
    this.contacts = null;
    /** the contact shown (null: the list), while the contacts are */
    this.contactsKey = '';
    /** @type {{el: HTMLElement, destroy?: () => void} | null} */
    this.reports = null;
    this.autoAway = new AutoAway({
      clock: SYSTEM_CLOCK,
      getStatus: () => this.desk.status,
      setStatus: (status) => this.applyStatus(status),
    });

    /** whether `GET /me` was asked for the agent's picture (the welcome lacks it) */
    this.pictureAsked = false;
    this.inbox = new InboxView(ctx, { onTab: (tab) => this.switchTab(tab) });
    this.build();
    this.listen();
    this.route();
  }

  build() {
    const ws = this.ws;
    this.team = h('ul', { class: 'team', testid: 'team-presence', attrs: { 'aria-label': 'Team' } });
    this.status = h('select', { id: 'status-switch', testid: 'status-switch', on: { change: () => this.changeStatus() } },
      h('option', { value: 'online', text: 'Online' }),
      h('option', { value: 'away', text: 'Away' }));
    this.status.value = this.desk.status;
    this.notifyButton = switchButton('notifications-button', () => this.toggleNotifications());
    this.muteButton = switchButton('mute-switch', () => this.toggleMute());
    this.adminLink = h('a', { href: adminHref('sites'), class: 'nav-link', testid: 'nav-admin', text: 'Settings', hidden: true });
    this.inboxLink = h('a', { href: inboxHref(this.tab), class: 'nav-link', testid: 'nav-inbox', text: 'Inbox' });
    this.contactsLink = h('a', { href: contactsHref(), class: 'nav-link', testid: 'nav-contacts', text: 'Contacts' });
    this.reportsLink = h('a', { href: REPORTS_HREF, class: 'nav-link', testid: 'nav-reports', text: 'Reports' });
    this.meName = h('a', { href: PROFILE_HREF, class: 'nav-link me-name', testid: 'me-name', attrs: { title: 'Your profile' } });
    // The picture sits beside the link, not in it (the link reads as the name), and exists only
    // while there is one: no image is in the page that nobody chose.
    this.meBox = h('span', { class: 'me' }, this.meName);
    /** @type {HTMLImageElement | null} */
    this.meAvatar = null;
    this.loadValue = h('span', { testid: 'own-load' });
    this.load = h('span', {
      class: 'own-load', testid: 'own-load-box',
      attrs: { title: 'Open conversations assigned to you / your capacity (how many automatic assignment gives you at once)' },
    }, h('span', { class: 'muted', text: 'Load ' }), this.loadValue);
    // On a phone the less used tools fold into a menu, so that the bar stays one row; on wider
    // screens the menu's box vanishes (display: contents) and they sit in the bar.
    this.menu = h('div', { class: 'topbar-menu', id: 'topbar-menu', testid: 'topbar-menu' },
      this.load,
      this.notifyButton,
      this.muteButton,
      h('button', { type: 'button', class: 'button small', testid: 'help-button', text: '?', attrs: { 'aria-label': 'Keyboard shortcuts' }, on: { click: () => this.showHelp() } }),
      this.meBox,
      h('button', { type: 'button', class: 'button small', testid: 'logout-button', text: 'Sign out', on: { click: () => this.ctx.logout() } }));
    this.menuButton = h('button', {
      type: 'button', class: 'button small menu-button', testid: 'topbar-menu-button', text: '☰',
      attrs: { 'aria-label': 'More', 'aria-expanded': 'false', 'aria-controls': 'topbar-menu' }, on: { click: () => this.toggleMenu() },
    });
    this.menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.menuOpen()) {
        e.preventDefault();
        this.toggleMenu(false);
        this.menuButton.focus();
      }
    });
    const top = h('header', { class: 'topbar', testid: 'topbar' },
      h('a', { class: 'brand', href: inboxHref(this.tab), text: 'Parley' }),
      h('nav', { class: 'main-nav', attrs: { 'aria-label': 'Main' } }, this.inboxLink, this.contactsLink, this.reportsLink, this.adminLink),
      this.team,
      h('div', { class: 'topbar-tools' },
        h('label', { class: 'status-label', htmlFor: 'status-switch' }, h('span', { class: 'status-dot', testid: 'own-status-dot' }), h('span', { class: 'sr-only', text: 'Your status' })),
        this.status,
        this.menuButton,
        this.menu));
    this.topbar = top;

    this.bannerText = h('span', { testid: 'connection-banner-text' });
    this.bannerRetry = h('button', { type: 'button', class: 'button small', text: 'Retry now', testid: 'connection-retry', on: { click: () => this.desk.connection.retryNow() } });
    this.banner = h('div', { class: 'banner', testid: 'connection-banner', hidden: true, attrs: { role: 'status' } }, this.bannerText, this.bannerRetry);

    this.inboxPane = h('section', { class: 'pane inbox-pane', attrs: { 'aria-label': 'Inbox' } }, this.inbox.el);
    this.conversationPane = h('section', { class: 'pane conversation-pane', attrs: { 'aria-label': 'Conversation' } });
    this.visitorPane = h('aside', { class: 'pane visitor-pane', attrs: { 'aria-label': 'Visitor' } });
    this.workspaceMain = h('main', { class: 'workspace' }, h('h1', { class: 'sr-only', text: 'Inbox' }), this.inboxPane, this.conversationPane, this.visitorPane);
    this.adminNav = h('nav', { class: 'admin-nav', attrs: { 'aria-label': 'Settings' } },
      ADMIN_SECTIONS.map((s) => h('a', { href: adminHref(s.id), class: 'admin-nav-link', testid: `admin-nav-${s.id}`, dataset: { section: s.id }, text: s.label })));
    this.adminContent = h('section', { class: 'admin-content' });
    this.adminMain = h('main', { class: 'admin', hidden: true }, this.adminNav, this.adminContent);
    this.profileMain = h('main', { class: 'admin-content profile', hidden: true });
    this.contactsMain = h('main', { class: 'admin-content contacts', hidden: true });
    this.reportsMain = h('main', { class: 'admin-content reports-main', hidden: true });
    this.live = h('div', { class: 'sr-only', testid: 'live-region', attrs: { 'aria-live': 'polite', 'aria-atomic': 'false' } });

    // "Resolved · Undo" after the `e` shortcut: a click, `z` or Ctrl+Z reopens, for a few seconds.
    this.toastText = h('span', { testid: 'undo-toast-text' });
    this.toastUndo = h('button', { type: 'button', class: 'button small', testid: 'undo-button', text: 'Undo', attrs: { 'aria-keyshortcuts': 'z Control+Z' }, on: { click: () => this.undo() } });
    this.toastError = h('span', { class: 'form-error', testid: 'undo-toast-error' });
    this.toast = h('div', { class: 'toast', testid: 'undo-toast', hidden: true, attrs: { role: 'status' } }, this.toastText, ' · ', this.toastUndo, this.toastError);
    /** @type {ReturnType<typeof setTimeout> | undefined} hides a failed undo's message */
    this.toastErrorTimer = undefined;
    this.undoWindow = new UndoWindow({
      onChange: (offer) => {
        this.toastError.textContent = '';
        this.toastText.textContent = offer?.label ?? '';
        this.toastUndo.hidden = !offer;
        this.toast.hidden = !offer;
      },
    });

    replace(this.root, h('div', { class: 'app' }, top, this.banner, this.workspaceMain, this.adminMain, this.profileMain, this.contactsMain, this.reportsMain, this.live, this.toast));
    this.renderMe();
    if (this.ws.me) this.learnPicture();
    this.renderTeam();
    this.renderLoad();
    this.renderAlerts();
    this.renderConnection(this.desk.connection.state);
    void ws;
  }

  listen() {
    const ws = this.ws;
    const on = (/** @type {() => void} */ off) => this.cleanups.push(off);
    const onHash = () => {
      this.toggleMenu(false);
      this.route();
    };
    const onOutside = (/** @type {Event} */ e) => {
      if (this.menuOpen() && !this.topbar.contains(/** @type {Node} */ (e.target))) this.toggleMenu(false);
    };
    document.addEventListener('pointerdown', onOutside);
    document.addEventListener('focusin', onOutside);
    on(() => {
      document.removeEventListener('pointerdown', onOutside);
      document.removeEventListener('focusin', onOutside);
    });
    globalThis.addEventListener('hashchange', onHash);
    on(() => globalThis.removeEventListener('hashchange', onHash));
    const onKey = (/** @type {KeyboardEvent} */ e) => this.shortcut(e);
    document.addEventListener('keydown', onKey);
    on(() => document.removeEventListener('keydown', onKey));
    on(this.desk.on('connection', (state) => this.renderConnection(state)));
    on(this.desk.connection.on('retry', () => this.renderConnection(this.desk.connection.state)));
    on(this.desk.on('welcome', () => {
      if (!this.pictureAsked) this.learnPicture();
      this.renderMe();
      this.route();
      this.autoAway.configure(this.desk.autoAwayS);
    }));
    on(this.desk.on('status', (status) => {
      this.status.value = status;
      save(Keys.STATUS, status);
      this.renderTeam();
      this.autoAway.followed(status);
    }));
    on(ws.on('agents', () => this.renderTeam()));
    on(ws.on('conversation', () => this.renderLoad()));
    on(ws.on('me', () => {
      this.renderMe();
      this.renderLoad();
    }));
    this.watchActivity();
    on(ws.on('unread', (total) => this.ctx.alerts.setTitle(total)));
    on(this.desk.on('alert', (alert) => this.alert(alert)));
    this.countdown = setInterval(() => {
      if (this.desk.connection.state === 'reconnecting') this.renderConnection('reconnecting');
    }, 1000);
    on(() => clearInterval(this.countdown));
  }

  destroy() {
    clearTimeout(this.connectingTimer);
    this.undoWindow.clear();
    clearTimeout(this.toastErrorTimer);
    this.autoAway.stop();
    for (const off of this.cleanups) off();
    this.conversation?.destroy();
    this.visitor?.destroy();
    this.adminPage?.destroy?.();
    this.profile?.destroy?.();
    this.contacts?.destroy?.();
    this.reports?.destroy?.();
    this.inbox.destroy();
    this.root.replaceChildren();
  }

  // ---- routing ----------------------------------------------------------------------------

  route() {
    const route = parseRoute(location.hash);
    const isAdmin = this.ws.isAdmin;
    if (route.name === 'admin') {
      if (!this.ws.me) return; // wait for the welcome to know the role
      if (!isAdmin) return go(inboxHref(this.tab));
      return this.showAdmin(route.section, route.id);
    }
    this.hideAdmin();
    if (route.name === 'profile') return this.showProfile();
    this.hideProfile();
    if (route.name === 'contacts') return this.showContacts(route.id);
    this.hideContacts();
    if (route.name === 'reports') return this.showReports();
    this.hideReports();
    if (route.name === 'conversation') return this.showConversation(route.id);
    if (route.name === 'inbox' && route.tab) {
      this.tab = route.tab;
      save(Keys.INBOX_TAB, this.tab);
    } else if (route.name !== 'inbox' || !route.tab) {
      return go(inboxHref(this.tab));
    }
    this.inboxLink.href = inboxHref(this.tab);
    this.inbox.setTab(this.tab);
    this.closeConversation();
  }

  /**
   * A tab clicked while a conversation is open filters the list and keeps the conversation.
   * @param {string} tab
   * @returns {boolean} whether it was handled here (else the link navigates)
   */
  switchTab(tab) {
    if (!this.conversation) return false;
    this.tab = tab;
    save(Keys.INBOX_TAB, tab);
    this.inboxLink.href = inboxHref(tab);
    this.inbox.setTab(tab);
    this.conversation.setBackHref(inboxHref(tab));
    return true;
  }

  /** @param {string} id */
  showConversation(id) {
    this.inbox.setTab(this.tab);
    this.inbox.setSelected(id);
    this.workspaceMain.classList.add('has-conversation');
    if (this.conversation?.id === id) return;
    this.closeConversation();
    this.workspaceMain.classList.add('has-conversation');
    this.inbox.setSelected(id);
    this.conversation = new ConversationView(this.ctx, id, {
      backHref: inboxHref(this.tab),
      toggleVisitor: () => this.workspaceMain.classList.toggle('visitor-open'),
    });
    this.conversationPane.replaceChildren(this.conversation.el);
    this.visitor = new VisitorPanel(this.ctx, id, { close: () => this.workspaceMain.classList.remove('visitor-open') });
    this.visitorPane.replaceChildren(this.visitor.el);
    // Walking the inbox with j/k keeps the keys for walking; a click means "answer this".
    if (this.walking) this.conversation.focusList();
    else this.conversation.focusComposer();
    this.walking = false;
  }

  closeConversation() {
    this.conversation?.destroy();
    this.visitor?.destroy();
    this.conversation = null;
    this.visitor = null;
    this.inbox.setSelected(null);
    this.workspaceMain.classList.remove('has-conversation', 'visitor-open');
    this.conversationPane.replaceChildren(h('div', { class: 'empty-state', testid: 'no-conversation' },
      h('p', { text: 'Pick a conversation from the inbox.' }),
      h('p', { class: 'muted', text: 'Press ? for keyboard shortcuts.' })));
    this.visitorPane.replaceChildren();
  }

  /** @param {string} section @param {string | null} id */
  showAdmin(section, id) {
    this.hideProfile();
    this.hideContacts();
    this.hideReports();
    this.closeConversation();
    this.workspaceMain.hidden = true;
    this.adminMain.hidden = false;
    for (const link of this.adminNav.querySelectorAll('a')) {
      const current = link.dataset.section === section;
      link.classList.toggle('current', current);
      if (current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    const key = `${section}/${id ?? ''}`;
    if (this.adminKey === key) return;
    this.adminPage?.destroy?.();
    this.adminKey = key;
    this.adminPage = ADMIN_PAGES[section](this.ctx, id);
    this.adminContent.replaceChildren(this.adminPage.el);
  }

  hideAdmin() {
    this.adminMain.hidden = true;
    this.workspaceMain.hidden = false;
    this.adminPage?.destroy?.();
    this.adminPage = null;
    this.adminKey = '';
  }

  /** The agent's own profile, in place of the inbox; kept while it stays (a welcome routes again). */
  showProfile() {
    this.hideContacts();
    this.hideReports();
    this.closeConversation();
    this.workspaceMain.hidden = true;
    this.profileMain.hidden = false;
    this.meName.setAttribute('aria-current', 'page');
    if (this.profile) return;
    this.profile = profilePage(this.ctx);
    this.profileMain.replaceChildren(this.profile.el);
  }

  hideProfile() {
    this.profileMain.hidden = true;
    this.meName.removeAttribute('aria-current');
    this.profile?.destroy?.();
    this.profile = null;
    this.profileMain.replaceChildren();
  }

  /**
   * The contacts (or one contact) in place of the inbox, like the profile.
   * @param {string | null} id
   */
  showContacts(id) {
    this.hideReports();
    this.closeConversation();
    this.workspaceMain.hidden = true;
    this.contactsMain.hidden = false;
    this.contactsLink.setAttribute('aria-current', 'page');
    const key = id ?? '';
    if (this.contacts && this.contactsKey === key) return;
    this.contacts?.destroy?.();
    this.contactsKey = key;
    this.contacts = contactsPage(this.ctx, id);
    this.contactsMain.replaceChildren(this.contacts.el);
  }

  hideContacts() {
    this.contactsMain.hidden = true;
    this.contactsLink.removeAttribute('aria-current');
    this.contacts?.destroy?.();
    this.contacts = null;
    this.contactsKey = '';
    this.contactsMain.replaceChildren();
  }

  /** Reports in place of the inbox, like the contacts; its live panel stops when it goes. */
  showReports() {
    this.closeConversation();
    this.workspaceMain.hidden = true;
    this.reportsMain.hidden = false;
    this.reportsLink.setAttribute('aria-current', 'page');
    if (this.reports) return;
    this.reports = reportsPage(this.ctx);
    this.reportsMain.replaceChildren(this.reports.el);
  }

  hideReports() {
    this.reportsMain.hidden = true;
    this.reportsLink.removeAttribute('aria-current');
    this.reports?.destroy?.();
    this.reports = null;
    this.reportsMain.replaceChildren();
  }

  // ---- top bar ----------------------------------------------------------------------------

  menuOpen() {
    return this.topbar.classList.contains('menu-open');
  }

  /** Opens or closes the phone's menu of top-bar tools. @param {boolean} [open] */
  toggleMenu(open = !this.menuOpen()) {
    this.topbar.classList.toggle('menu-open', open);
    this.menuButton.setAttribute('aria-expanded', String(open));
  }

  renderMe() {
    const me = this.ws.me;
    this.meName.textContent = me ? me.name : '';
    this.renderAvatar(me?.avatar_url ?? null);
    this.adminLink.hidden = !this.ws.isAdmin;
    this.renderTeam();
  }

  /** The welcome does not say the agent's picture: `GET /me` does, once a session. */
  async learnPicture() {
    this.pictureAsked = true;
    try {
      const agent = await this.ctx.api.me();
      const me = this.ws.me;
      if (me && me.id === agent.id) this.ws.setMe({ ...me, avatar_url: agent.avatar_url ?? null });
    } catch {
      this.pictureAsked = false; // asked again at the next welcome
    }
  }

  /** @param {string | null} picture */
  renderAvatar(picture) {
    if (!picture) {
      this.meAvatar?.remove();
      this.meAvatar = null;
      return;
    }
    if (!this.meAvatar) {
      this.meAvatar = h('img', { class: 'me-avatar', testid: 'me-avatar', alt: '' });
      this.meBox.prepend(this.meAvatar);
    }
    if (this.meAvatar.getAttribute('src') !== picture) this.meAvatar.src = picture;
  }

  renderTeam() {
    const ws = this.ws;
    const me = ws.me;
    const members = [...ws.team.values()].filter((m) => m.status !== 'offline' && m.id !== me?.id);
    members.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
    replace(this.team, members.map((m) => h('li', {
      class: `team-member ${m.status}`, testid: 'team-member', dataset: { agentId: m.id, status: m.status },
      attrs: { title: `${m.name ?? 'Agent'} — ${m.status}` },
    }, h('span', { class: 'status-dot', attrs: { 'aria-hidden': 'true' } }), h('span', { text: m.name ?? `Agent ${m.id.slice(-4)}` }),
    h('span', { class: 'sr-only', text: ` (${m.status})` }))));
    const own = me ? ws.team.get(me.id)?.status ?? 'online' : 'online';
    this.root.querySelector('[data-testid="own-status-dot"]')?.setAttribute('data-status', own);
  }

  async changeStatus() {
    const status = this.status.value === 'away' ? 'away' : 'online';
    this.autoAway.chose(status);
    await this.applyStatus(status);
  }

  /**
   * Sets this agent's status (chosen here, or by auto-away) and shows it.
   * @param {'online' | 'away'} status
   */
  async applyStatus(status) {
    save(Keys.STATUS, status);
    this.status.value = status;
    const sent = this.desk.setStatus(status);
    this.renderTeam();
    try {
      await sent;
    } catch {
      /* the server keeps the status it had; the next welcome says which */
    }
  }

  /** This agent's load: open conversations assigned to them / their capacity. */
  renderLoad() {
    const load = this.ws.ownLoad();
    const text = loadText(load);
    if (this.loadValue.textContent === text) return;
    this.loadValue.textContent = text;
    this.loadValue.dataset.assigned = String(load.assigned);
    this.loadValue.dataset.capacity = load.capacity === null ? '' : String(load.capacity);
    this.load.classList.toggle('full', load.capacity !== null && load.assigned >= load.capacity);
  }

  /** The page's activity, for auto-away: pointer, keys, the window focused, the tab shown. */
  watchActivity() {
    let last = 0;
    const active = () => {
      const now = Date.now();
      if (now - last < ACTIVITY_EVERY_MS) return;
      last = now;
      this.autoAway.activity();
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') active();
    };
    const options = { capture: true, passive: true };
    for (const name of ACTIVITY_EVENTS) document.addEventListener(name, active, options);
    globalThis.addEventListener('focus', active);
    document.addEventListener('visibilitychange', onVisible);
    this.cleanups.push(() => {
      for (const name of ACTIVITY_EVENTS) document.removeEventListener(name, active, options);
      globalThis.removeEventListener('focus', active);
      document.removeEventListener('visibilitychange', onVisible);
    });
  }

  /** Asks the browser first (once); after that, Parley's own on/off. */
  async toggleNotifications() {
    const alerts = this.ctx.alerts;
    if (alerts.permission === 'default') {
      alerts.setNotificationsOff(false);
      await alerts.askPermission();
    } else if (alerts.permission === 'granted') {
      alerts.setNotificationsOff(!alerts.notificationsOff);
    }
    this.renderAlerts();
  }

  toggleMute() {
    this.ctx.alerts.setMuted(!this.ctx.alerts.muted);
    this.renderAlerts();
  }

  renderAlerts() {
    const alerts = this.ctx.alerts;
    const permission = alerts.permission;
    this.notifyButton.hidden = permission === 'unsupported';
    showSwitch(this.notifyButton, notificationsSwitch(permission, alerts.notificationsOff));
    showSwitch(this.muteButton, soundSwitch(alerts.muted));
  }

  /** @param {string} state */
  renderConnection(state) {
    const connection = this.desk.connection;
    this.banner.dataset.state = state;
    clearTimeout(this.connectingTimer);
    if (state === 'connecting') {
      // The first connection is usually quick: say so only if it is not.
      this.connectingTimer = setTimeout(() => {
        if (this.desk.connection.state === 'connecting') this.banner.hidden = false;
      }, CONNECTING_NOTICE_MS);
    }
    this.banner.hidden = state !== 'reconnecting';
    this.bannerRetry.hidden = state !== 'reconnecting';
    if (state === 'connecting') this.bannerText.textContent = 'Connecting…';
    if (state === 'reconnecting') {
      const seconds = Math.max(0, Math.ceil((connection.retryAt - Date.now()) / 1000));
      this.bannerText.textContent = connection.socket
        ? 'Connection lost. Reconnecting…'
        : `Connection lost. Reconnecting${seconds ? ` in ${seconds} s` : '…'} — replies you send will wait and go out once connected.`;
    }
  }

  // ---- alerts -----------------------------------------------------------------------------

  /** @param {{kind: string, conversation: any, message?: any}} alert */
  alert(alert) {
    const c = alert.conversation;
    const viewing = this.conversation?.id === c.id && document.visibilityState === 'visible';
    if (alert.kind === 'message' && viewing) return;
    const who = visitorLabel(c);
    const title = alert.kind === 'conversation' ? 'New conversation' : `New message from ${who}`;
    const body = alert.message ? summary(alert.message) : who;
    this.ctx.alerts.notify(title, body, c.id, () => go(conversationHref(c.id)));
    const now = Date.now();
    if (now - (this.lastBeep ?? 0) > BEEP_GAP_MS) {
      this.lastBeep = now;
      this.ctx.alerts.beep();
    }
    if (alert.kind === 'conversation') this.ctx.announce(`New conversation from ${who}`);
  }

  // ---- keyboard ---------------------------------------------------------------------------

  /** @param {KeyboardEvent} e */
  shortcut(e) {
    if (!e.defaultPrevented && this.undoWindow.active && isUndoKey(e) && !isTyping(e.target) && !document.querySelector('dialog[open]')) {
      e.preventDefault();
      this.undo();
      return;
    }
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    if (document.querySelector('dialog[open]')) return;
    if (!this.adminMain.hidden || !this.profileMain.hidden || !this.contactsMain.hidden || !this.reportsMain.hidden) return;
    switch (e.key) {
      case 'j':
      case 'k': {
        const id = this.inbox.step(this.conversation?.id ?? null, e.key === 'j' ? 1 : -1);
        if (id && id !== this.conversation?.id) {
          this.walking = true;
          go(conversationHref(id));
        }
        break;
      }
      case 'r':
        if (this.conversation) this.conversation.focusComposer();
        break;
      case 'e':
        if (this.conversation) this.resolveWithUndo(this.conversation);
        break;
      case '/':
        this.inbox.focusSearch();
        break;
      case '?':
        this.showHelp();
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  showHelp() {
    helpDialog();
  }

  /** Resolves the conversation shown, then offers to reopen it. @param {ConversationView} view */
  async resolveWithUndo(view) {
    const id = view.id;
    if (!(await view.resolve())) return;
    this.undoWindow.show({ label: 'Resolved', undo: () => this.desk.reopen(id) });
  }

  /** Undoes what the toast offers; a failure stays on the toast for a moment. */
  async undo() {
    try {
      if (await this.undoWindow.undo()) this.ctx.announce('Reopened');
    } catch (err) {
      this.toastText.textContent = 'Could not reopen';
      this.toastError.textContent = `: ${/** @type {Error} */ (err).message}`;
      this.toastUndo.hidden = true;
      this.toast.hidden = false;
      clearTimeout(this.toastErrorTimer);
      this.toastErrorTimer = setTimeout(() => {
        if (!this.undoWindow.active) this.toast.hidden = true;
      }, 6000);
    }
  }
}

/**
 * A top-bar on/off switch: a button with `role="switch"` (Enter and Space toggle it), its fixed
 * label as its name, the state shown beside it and in `aria-checked`.
 * @param {string} testid @param {() => void} onClick
 */
function switchButton(testid, onClick) {
  const label = h('span', { class: 'switch-label', testid: `${testid}-label` });
  const state = h('span', { class: 'switch-state', testid: `${testid}-state`, attrs: { 'aria-hidden': 'true' } });
  return h('button', {
    type: 'button', class: 'button small switch', testid, attrs: { role: 'switch', 'aria-checked': 'false' }, on: { click: onClick },
  }, h('span', { class: 'switch-track', attrs: { 'aria-hidden': 'true' } }), label, state);
}

/** @param {HTMLButtonElement} button @param {import('../lib/alerts.js').SwitchView} view */
function showSwitch(button, view) {
  const label = /** @type {HTMLElement} */ (button.querySelector('.switch-label'));
  const state = /** @type {HTMLElement} */ (button.querySelector('.switch-state'));
  label.textContent = view.label;
  state.textContent = view.state;
  button.setAttribute('aria-checked', String(view.on));
  button.setAttribute('aria-label', view.label);
  button.dataset.state = view.state.toLowerCase();
  button.title = view.hint;
  button.disabled = view.disabled;
}
