// @ts-check
/**
 * The visitor beside a conversation: name, email, identity (verified or the visitor's own
 * words; of a verified one, a name or email the business did not sign is marked as the
 * visitor's own), online or not, the page they are on now (live from `visitor` frames), their
 * attributes (answers to the site's pre-chat form, and what the business's identify call
 * gave), a link to them as a contact, this conversation's rating, pages seen,
 * browser and device, their other conversations (rated ones with their score), blocking
 * them (`block.js`), and, for admins, exporting or erasing their data (`privacy.js`).
 * `GET /visitors/{id}` once, then frames.
 */
import { safeHref } from '../../common/linkify.js';
import { h, replace } from '../lib/dom.js';
import { fullTime, parseUserAgent, shortTime, stars } from '../lib/format.js';
import { answers, fieldLabel } from '../lib/settings.js';
import { visitorEmailNotice } from '../lib/emails.js';
import { DEFAULT_TAB, contactsHref, conversationHref, go, inboxHref } from '../lib/router.js';
import { signedAttributes, unsignedGiven, visitorLabel } from '../lib/workspace.js';
import { BlockSection } from './block.js';
import { PrivacySection } from './privacy.js';
import { Keys, load } from '../lib/storage.js';

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
    // The facts and the history re-render on every frame; the block section, between them,
    // only on its own changes (a reason being typed stays).
    this.body = h('div', { class: 'visitor-body' });
    this.history = h('div', { class: 'visitor-body' });
    this.blockSlot = h('div', { hidden: true });
    /** @type {BlockSection | null} */
    this.block = null;
    this.privacySlot = h('div', { hidden: true });
    /** @type {PrivacySection | null} */
    this.privacy = null;
    this.el = h('div', { class: 'visitor-panel', testid: 'visitor-panel' },
      h('div', { class: 'visitor-panel-top' },
        h('h2', { class: 'panel-title', text: 'Visitor' }),
        h('button', { type: 'button', class: 'button small visitor-close', testid: 'visitor-close', text: 'Close', on: { click: options.close } })),
      this.body, this.blockSlot, this.privacySlot, this.history);
    this.offs = [
      this.ws.on('visitor', (vid) => vid === this.visitorId && this.render()),
      // Who blocked is named once the team is known (admins fetch it after the welcome).
      this.ws.on('agents', () => this.block?.render()),
      // Export and erase are for admins: the role may come after the profile.
      this.ws.on('me', () => this.profile && this.visitorId && this.showPrivacy(this.visitorId)),
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
      this.showBlock(this.visitorId, this.profile.blocked);
      this.showPrivacy(this.visitorId);
    } catch (err) {
      this.error = /** @type {Error} */ (err).message;
    }
    this.render();
  }

  /** @param {string} visitorId @param {unknown} blocked the profile's */
  showBlock(visitorId, blocked) {
    if (this.block?.state.visitorId !== visitorId) {
      this.block = new BlockSection(this.ctx, visitorId);
      this.blockSlot.replaceChildren(this.block.el);
      this.blockSlot.hidden = false;
    }
    this.block.load(blocked);
  }

  /** Export and erase, for admins. @param {string} visitorId */
  showPrivacy(visitorId) {
    if (!this.ctx.desk.workspace.isAdmin || this.privacy?.visitorId === visitorId) return;
    this.privacy = new PrivacySection(this.ctx, visitorId, {
      name: () => this.el.querySelector('[data-testid="visitor-name"]')?.textContent ?? 'this visitor',
      conversations: () => (Array.isArray(this.profile?.conversations) ? this.profile.conversations.length : null),
      // Their conversations are gone: so is this one's view.
      erased: () => go(inboxHref(String(load(Keys.INBOX_TAB, DEFAULT_TAB)))),
    });
    this.privacySlot.replaceChildren(this.privacy.el);
    this.privacySlot.hidden = false;
  }

  render() {
    if (!this.visitorId) {
      replace(this.body, h('p', { class: 'muted', text: 'Loading…' }));
      return;
    }
    const p = this.profile ?? {};
    /** @type {Partial<import('../lib/workspace.js').LiveVisitor>} */
    const live = this.ws.visitors.get(this.visitorId) ?? {};
    const c = this.ws.conversations.get(this.conversationId);
    const name = live.name ?? p.name ?? c?.visitor_name ?? null;
    const email = live.email ?? p.email ?? c?.visitor_email ?? null;
    const identity = live.identity?.status ?? p.identity ?? (c?.visitor_verified ? 'verified' : null);
    const externalId = live.identity?.id ?? p.external_id ?? null;
    // From the source the name and email came from; absent (older data) means the id alone.
    const signed = live.identity?.signed ?? signedAttributes(identity, p.signed);
    const unsigned = identity === 'verified' ? unsignedGiven({ name, email }, signed) : [];
    const online = live.onlineKnown ? Boolean(live.online) : Boolean(p.online ?? c?.visitor_online);
    const ua = parseUserAgent(live.user_agent ?? p.user_agent);
    const pages = mergePages(this.ws.pagesSeen(this.visitorId, PAGES_SHOWN), p.pages ?? [], this.profile ? this.fetchedAt : '', PAGES_SHOWN);
    const current = live.page?.url ? live.page : pages[0] ?? null;
    const attributes = answers(/** @type {any} */ (live).attributes ?? p.attributes);
    const rating = c?.rating ?? null;
    const emailNotice = visitorEmailNotice(this.ctx.desk.email, email);
    /** @param {{id: string, status: string}} conv */
    const liveStatus = (conv) => this.ws.conversations.get(conv.id)?.status ?? conv.status;

    replace(this.body,
      h('p', { class: 'visitor-name' },
        h('span', { testid: 'visitor-name', text: name ?? (c ? visitorLabel(c) : 'Anonymous visitor') }),
        unsigned.includes('name') ? unsignedMark('name') : null),
      emailNotice ? h('p', { class: 'notice small', testid: 'visitor-email-off', text: emailNotice }) : null,
      h('dl', { class: 'facts' },
        fact('Email', [h('span', { testid: 'visitor-email', text: email ?? '—' }), unsigned.includes('email') ? unsignedMark('email') : null]),
        fact('Identity', h('span', {
          class: `identity ${identity ?? 'anonymous'}`, testid: 'visitor-identity',
          dataset: { identity: identity ?? 'anonymous', signed: signed.join(' ') },
        }, identityText(identity, externalId, signed, unsigned))),
        fact('Status', h('span', { testid: 'visitor-status', dataset: { online: String(online) } },
          h('span', { class: `presence-dot${online ? ' online' : ''}`, attrs: { 'aria-hidden': 'true' } }), online ? ' Online' : ' Offline')),
        fact('Current page', h('span', { testid: 'visitor-page' }, current ? pageLink(current) : '—')),
        fact('Browser', h('span', { testid: 'visitor-browser', text: `${ua.browser} on ${ua.os}` })),
        fact('Device', h('span', { testid: 'visitor-device', text: ua.device })),
        p.created_at ? fact('First seen', h('span', { text: fullTime(p.created_at) })) : null,
        rating ? fact('Rating', h('span', { testid: 'visitor-rating', dataset: { score: String(rating.score) }, attrs: { title: fullTime(rating.created_at) } },
          h('span', { class: 'rating-stars', attrs: { 'aria-hidden': 'true' }, text: stars(rating.score) }), ` ${rating.score}/5`,
          rating.comment ? h('q', { class: 'rating-comment', text: rating.comment }) : null)) : null),
      attributes.length
        ? [h('h3', { class: 'panel-subtitle', text: 'Attributes' }),
          h('dl', { class: 'facts', testid: 'visitor-attributes' }, attributes.map(([key, value]) => [
            h('dt', { text: fieldLabel(key) }),
            h('dd', { testid: 'visitor-attribute', dataset: { name: key }, text: value }),
          ]))]
        : null,
      h('p', {}, h('a', { href: contactsHref(this.visitorId), testid: 'visitor-contact-link', text: 'Open as a contact' })));
    replace(this.history,
      h('h3', { class: 'panel-subtitle', text: 'Pages seen' }),
      pages.length
        ? h('ol', { class: 'pages', testid: 'visitor-pages' }, pages.map((page) => h('li', {},
          pageLink(page), page.seen_at ? h('time', { class: 'muted small', dateTime: page.seen_at, text: ` ${shortTime(page.seen_at)}` }) : null)))
        : h('p', { class: 'muted', testid: 'visitor-pages', text: 'No pages recorded.' }),
      h('h3', { class: 'panel-subtitle', text: 'Conversations' }),
      h('ul', { class: 'past', testid: 'visitor-conversations' }, (p.conversations ?? []).map((/** @type {any} */ conv) => h('li', {},
        // The status as the workspace holds it now (a `conversation` frame: the visitor ended
        // the chat, an agent resolved it), else as the profile said when it was fetched.
        conv.id === this.conversationId
          ? h('span', { testid: 'visitor-conversation-current', dataset: { status: liveStatus(conv) }, text: `This conversation · ${liveStatus(conv)}` })
          : h('a', { href: conversationHref(conv.id), testid: 'visitor-conversation', text: `${shortTime(conv.last_activity_at)} · ${liveStatus(conv)}` }),
        conv.rating?.score ? h('span', { class: 'muted', text: ` · rated ${conv.rating.score}/5` }) : null))),
      this.error ? h('p', { class: 'form-error', text: this.error }) : null);
  }
}

/** @param {string} label @param {import('../lib/dom.js').Child} value */
function fact(label, value) {
  return [h('dt', { text: label }), h('dd', {}, value)];
}

/**
 * The identity badge. A verified one says what was signed when the visitor gave more, e.g.
 * "Verified id (u-42) · name and email given by the visitor" (that part not in the verified style).
 * @param {string | null} identity @param {string | null} externalId
 * @param {string[]} signed @param {('name' | 'email')[]} unsigned
 * @returns {import('../lib/dom.js').Child}
 */
function identityText(identity, externalId, signed, unsigned) {
  if (identity === 'unverified') return 'Not verified (given by the visitor)';
  if (identity !== 'verified') return 'Anonymous';
  const id = externalId ? ` (${externalId})` : '';
  if (!unsigned.length) return `Verified${id}`;
  return [`Verified ${signed.join(' and ')}${id}`, h('span', { class: 'given', text: ` · ${unsigned.join(' and ')} given by the visitor` })];
}

/** Beside a name or email that the business did not sign. @param {'name' | 'email'} field */
function unsignedMark(field) {
  return h('span', {
    class: 'unsigned', testid: `visitor-${field}-unsigned`, text: 'not verified',
    attrs: { title: `The ${field} was given by the visitor; the site did not sign it.` },
  });
}

/** A page as a link (http(s) only) with its title as text. @param {{url: string, title?: string | null}} page */
function pageLink(page) {
  const label = page.title?.trim() || page.url;
  const href = safeHref(page.url);
  const node = href
    ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', text: label, attrs: { title: page.url } })
    : h('span', { text: label });
  return h('span', { class: 'page' }, node, h('span', { class: 'page-url muted small', text: page.url }));
}

/**
 * Pages seen live since the profile was fetched, newest first, then the profile's own: the
 * newest `count` of them.
 * @param {{url: string, title: string, seen_at?: string}[]} live newest first
 * @param {{url: string, title: string, seen_at?: string}[]} stored newest first
 * @param {string} fetchedAt
 * @param {number} count
 */
function mergePages(live, stored, fetchedAt, count) {
  const recent = fetchedAt ? live.filter((page) => (page.seen_at ?? '') > fetchedAt) : live;
  return [...recent, ...stored.slice(0, Math.max(0, count - recent.length))];
}
