// @ts-check
/**
 * The visitor beside a conversation: name, email, identity (verified or the visitor's own
 * words), online or not, the page they are on now (live from `visitor` frames), pages seen,
 * browser and device, and their other conversations. `GET /visitors/{id}` once, then frames.
 */
import { safeHref } from '../../common/linkify.js';
import { h, replace } from '../lib/dom.js';
import { fullTime, parseUserAgent, shortTime } from '../lib/format.js';
import { conversationHref } from '../lib/router.js';
import { visitorLabel } from '../lib/workspace.js';

const PAGES_SHOWN = 15;

export class VisitorPanel {
  /**
   * @param {import('./shell.js').AppContext} ctx
   * @param {string} conversationId
   * @param {{close: () => void}} options
   */
  constructor(ctx, conversationId, options) {
    this.ctx = ctx;
    this.ws = ctx.desk.workspace;
    this.conversationId = conversationId;
    /** @type {string | null} */
    this.visitorId = this.ws.conversations.get(conversationId)?.visitor_id ?? null;
    /** @type {any} */
    this.profile = null;
    this.error = '';
    this.fetchedAt = '';
    this.body = h('div', { class: 'visitor-body' });
    this.el = h('div', { class: 'visitor-panel', testid: 'visitor-panel' },
      h('div', { class: 'visitor-panel-top' },
        h('h2', { class: 'panel-title', text: 'Visitor' }),
        h('button', { type: 'button', class: 'button small visitor-close', testid: 'visitor-close', text: 'Close', on: { click: options.close } })),
      this.body);
    this.offs = [
      this.ws.on('visitor', (vid) => vid === this.visitorId && this.render()),
      this.ws.on('conversation', (c) => {
        if (c.id === conversationId && !this.visitorId) {
          this.visitorId = c.visitor_id;
          this.fetch();
        } else if (c.visitor_id === this.visitorId) {
          this.render();
        }
      }),
    ];
    this.render();
    if (this.visitorId) this.fetch();
  }

  destroy() {
    for (const off of this.offs) off();
  }

  async fetch() {
    if (!this.visitorId) return;
    try {
      this.fetchedAt = new Date().toISOString();
      this.profile = await this.ctx.api.visitor(this.visitorId);
      this.error = '';
    } catch (err) {
      this.error = /** @type {Error} */ (err).message;
    }
    this.render();
  }

  render() {
    if (!this.visitorId) {
      replace(this.body, h('p', { class: 'muted', text: 'Loading…' }));
      return;
    }
    const p = this.profile ?? {};
    const live = this.ws.visitors.get(this.visitorId) ?? {};
    const c = this.ws.conversations.get(this.conversationId);
    const name = live.name ?? p.name ?? c?.visitor_name ?? null;
    const email = live.email ?? p.email ?? c?.visitor_email ?? null;
    const identity = live.identity?.status ?? p.identity ?? (c?.visitor_verified ? 'verified' : null);
    const externalId = live.identity?.id ?? p.external_id ?? null;
    const online = live.onlineKnown ? Boolean(live.online) : Boolean(p.online ?? c?.visitor_online);
    const ua = parseUserAgent(live.user_agent ?? p.user_agent);
    /** @type {{url: string, title: string, seen_at?: string}[]} */
    const pages = mergePages(live.pagesSeen ?? [], p.pages ?? [], this.profile ? this.fetchedAt : '');
    const current = live.page?.url ? live.page : pages[0] ?? null;

    replace(this.body,
      h('p', { class: 'visitor-name', testid: 'visitor-name', text: name ?? (c ? visitorLabel(c) : 'Anonymous visitor') }),
      h('dl', { class: 'facts' },
        fact('Email', h('span', { testid: 'visitor-email', text: email ?? '—' })),
        fact('Identity', h('span', {
          class: `identity ${identity ?? 'anonymous'}`, testid: 'visitor-identity', dataset: { identity: identity ?? 'anonymous' },
          text: identity === 'verified' ? `Verified${externalId ? ` (${externalId})` : ''}` : identity === 'unverified' ? 'Not verified (given by the visitor)' : 'Anonymous',
        })),
        fact('Status', h('span', { testid: 'visitor-status', dataset: { online: String(online) } },
          h('span', { class: `presence-dot${online ? ' online' : ''}`, attrs: { 'aria-hidden': 'true' } }), online ? ' Online' : ' Offline')),
        fact('Current page', h('span', { testid: 'visitor-page' }, current ? pageLink(current) : '—')),
        fact('Browser', h('span', { testid: 'visitor-browser', text: `${ua.browser} on ${ua.os}` })),
        fact('Device', h('span', { testid: 'visitor-device', text: ua.device })),
        p.created_at ? fact('First seen', h('span', { text: fullTime(p.created_at) })) : null),
      h('h3', { class: 'panel-subtitle', text: 'Pages seen' }),
      pages.length
        ? h('ol', { class: 'pages', testid: 'visitor-pages' }, pages.slice(0, PAGES_SHOWN).map((page) => h('li', {},
          pageLink(page), page.seen_at ? h('time', { class: 'muted small', dateTime: page.seen_at, text: ` ${shortTime(page.seen_at)}` }) : null)))
        : h('p', { class: 'muted', testid: 'visitor-pages', text: 'No pages recorded.' }),
      h('h3', { class: 'panel-subtitle', text: 'Conversations' }),
      h('ul', { class: 'past', testid: 'visitor-conversations' }, (p.conversations ?? []).map((/** @type {any} */ conv) => h('li', {},
        conv.id === this.conversationId
          ? h('span', { text: `This conversation · ${conv.status}` })
          : h('a', { href: conversationHref(conv.id), testid: 'visitor-conversation', text: `${shortTime(conv.last_activity_at)} · ${conv.status}` })))),
      this.error ? h('p', { class: 'form-error', text: this.error }) : null);
  }
}

/** @param {string} label @param {Node} value */
function fact(label, value) {
  return [h('dt', { text: label }), h('dd', {}, value)];
}

/** A page as a link (http(s) only) with its title as text. @param {{url: string, title: string}} page */
function pageLink(page) {
  const label = page.title?.trim() || page.url;
  const href = safeHref(page.url);
  const node = href
    ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', text: label, attrs: { title: page.url } })
    : h('span', { text: label });
  return h('span', { class: 'page' }, node, h('span', { class: 'page-url muted small', text: page.url }));
}

/**
 * Pages seen live since the profile was fetched, newest first, then the profile's own.
 * @param {{url: string, title: string, seen_at?: string}[]} live
 * @param {{url: string, title: string, seen_at?: string}[]} stored
 * @param {string} fetchedAt
 */
function mergePages(live, stored, fetchedAt) {
  const recent = fetchedAt ? live.filter((page) => (page.seen_at ?? '') > fetchedAt) : live;
  return [...recent, ...stored];
}
