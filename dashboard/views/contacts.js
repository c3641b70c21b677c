// @ts-check
/**
 * Contacts (`#/contacts`, any agent): the workspace's visitors as people, identified ones
 * first, searched by name, email, user id or attribute text, filtered by one attribute
 * (`plan:gold`) and to identified ones, a page at a time ("Load more"). One contact
 * (`#/contacts/<id>`): its facts, its attributes, and its conversations on every site, each
 * opening in the inbox; for admins, exporting or erasing the visitor (`privacy.js`).
 */
import { attributeFilter, attributeList, contactName, contactQuery } from '../lib/contacts.js';
import { h, replace } from '../lib/dom.js';
import { fullTime, shortTime } from '../lib/format.js';
import { contactsHref, conversationHref, go } from '../lib/router.js';
import { adminPage, errorLine, field, fieldError, showFieldError, tableHead } from './admin/common.js';
import { PrivacySection } from './privacy.js';

/**
 * @param {import('./shell.js').AppContext} ctx @param {string | null} id
 * @returns {{el: HTMLElement, destroy?: () => void}}
 */
export function contactsPage(ctx, id) {
  return id ? contactDetail(ctx, id) : contactList(ctx);
}

/** @param {import('./shell.js').AppContext} ctx */
function contactList(ctx) {
  const q = h('input', { type: 'search', testid: 'contacts-search', maxLength: 200, placeholder: 'Name, email, user id…', autocomplete: 'off' });
  const attribute = h('input', { type: 'text', testid: 'contacts-attribute', maxLength: 600, placeholder: 'plan:gold', autocomplete: 'off', spellcheck: false });
  const identified = h('input', { type: 'checkbox', testid: 'contacts-identified' });
  const attributeError = fieldError(attribute, 'contacts-attribute-error');
  const submit = h('button', { type: 'submit', class: 'button primary', testid: 'contacts-submit', text: 'Search' });
  const form = h('form', { class: 'admin-form contacts-search', testid: 'contacts-form', attrs: { role: 'search', 'aria-label': 'Contacts' }, on: { submit: (/** @type {Event} */ e) => {
    e.preventDefault();
    load(false);
  } } },
  h('div', { class: 'grid-fields' },
    field('Search', q),
    h('div', {}, field('Attribute', attribute, 'name:value, e.g. plan:gold'), attributeError.error)),
  h('div', { class: 'row' }, field('Identified only', identified), submit));
  identified.addEventListener('change', () => load(false));

  const body = h('tbody', { testid: 'contacts-rows' });
  const table = h('table', { class: 'table contacts-table', testid: 'contacts-list' },
    h('caption', { class: 'sr-only', text: 'Contacts' }),
    tableHead(['Name', 'Email', 'Site', 'Last seen', 'Conversations', 'Attributes']), body);
  const error = errorLine('contacts-error');
  const status = h('p', { class: 'muted', testid: 'contacts-status', attrs: { role: 'status' } });
  const more = h('button', { type: 'button', class: 'button wide', testid: 'contacts-load-more', text: 'Load more', hidden: true, on: { click: () => load(true) } });

  /** @type {string | null} */
  let cursor = null;
  /** Only the latest search's answers are shown (an older one may come back later). */
  let asked = 0;
  /** @type {{q: string, attribute: string | null, identified: boolean}} */
  let search = { q: '', attribute: null, identified: false };

  /** The first page of the search in the form, or (`next`) the next page of the one shown. @param {boolean} next */
  async function load(next) {
    if (!next) {
      const filter = attributeFilter(attribute.value);
      showFieldError(attributeError, filter.error ?? '');
      if (filter.error) return;
      search = { q: q.value, attribute: filter.value, identified: identified.checked };
      cursor = null;
    }
    const ticket = ++asked;
    error.textContent = '';
    more.disabled = true;
    try {
      const page = await ctx.api.contacts(contactQuery({ ...search, cursor: next ? cursor : null }));
      if (ticket !== asked) return;
      const rows = page.items.map(contactRow);
      if (next) body.append(...rows);
      else replace(body, rows);
      cursor = page.next_cursor ?? null;
      const count = body.querySelectorAll('tr').length;
      status.textContent = count ? `${count}${cursor ? '+' : ''} contact${count === 1 ? '' : 's'}` : 'No contacts match.';
    } catch (err) {
      if (ticket === asked) error.textContent = /** @type {Error} */ (err).message;
    } finally {
      if (ticket === asked) {
        more.hidden = !cursor;
        more.disabled = false;
      }
    }
  }

  load(false);
  const el = adminPage('Contacts',
    h('p', { class: 'muted', text: 'Everyone who chatted or visited, identified visitors first.' }),
    form, error, status, table, more);
  el.dataset.testid = 'contacts-page';
  return { el, destroy: () => { asked += 1; } };
}

/** One row of the list. @param {any} c a contact */
function contactRow(c) {
  const attributes = attributeList(c.attributes);
  return h('tr', { testid: 'contact-row', dataset: { contactId: c.id } },
    h('td', {},
      h('a', { href: contactsHref(c.id), testid: 'contact-link', text: contactName(c) }),
      c.external_id ? verifiedBadge(c.external_id) : null),
    h('td', { class: 'clip', testid: 'contact-email', text: c.email ?? '—' }),
    h('td', { text: c.site_name }),
    h('td', {}, h('time', { dateTime: c.last_seen_at, attrs: { title: fullTime(c.last_seen_at) }, text: shortTime(c.last_seen_at) })),
    h('td', { testid: 'contact-conversations', text: String(c.conversations ?? 0) }),
    h('td', {}, attributes.length
      ? h('ul', { class: 'attribute-chips', attrs: { 'aria-label': 'Attributes' } }, attributes.map(([name, value]) =>
        h('li', { class: 'label-chip attribute-chip', testid: 'contact-attribute', dataset: { name }, text: `${name}: ${value}` })))
      : null));
}

/** "Verified" beside a name the business identified, its user id as the title. @param {string} externalId */
function verifiedBadge(externalId) {
  return h('span', { class: 'verified contact-verified', testid: 'contact-verified', attrs: { title: `Verified user id: ${externalId}` } },
    ' ✓ ', h('span', { text: 'Verified' }));
}

/** @param {import('./shell.js').AppContext} ctx @param {string} id */
function contactDetail(ctx, id) {
  const holder = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  const back = h('a', { href: contactsHref(), class: 'button small', testid: 'contact-back', text: '← All contacts' });
  const el = h('div', { class: 'contact-detail', testid: 'contact-detail' }, h('div', { class: 'row' }, back), holder);
  let live = true;
  /** @type {any} */
  let shown = null;
  // Admins: export or erase this visitor (their conversations go too); the role may come later.
  const privacy = () => {
    if (!live || !shown || !ctx.desk.workspace.isAdmin || holder.querySelector('[data-testid="visitor-privacy"]')) return;
    const contact = shown;
    holder.append(new PrivacySection(ctx, id, {
      name: () => contactName(contact),
      conversations: () => null, // those listed may be other visitors' of the same person
      erased: () => go(contactsHref()),
    }).el);
  };
  const offMe = ctx.desk.workspace.on('me', privacy);
  ctx.api.contact(id).then((contact) => {
    if (!live) return;
    shown = contact;
    holder.replaceChildren(contactView(contact));
    privacy();
  }, (err) => {
    if (live) replace(holder, adminPage('Contact', h('p', { class: 'form-error', testid: 'contact-error', text: err.status === 404 ? 'No such contact.' : err.message })));
  });
  return { el, destroy: () => { live = false; offMe(); } };
}

/** @param {any} c the contact with `online` and `conversations` */
function contactView(c) {
  const attributes = attributeList(c.attributes);
  const conversations = Array.isArray(c.conversations) ? c.conversations : [];
  return adminPage(contactName(c),
    h('dl', { class: 'facts contact-facts', testid: 'contact-facts' },
      fact('Email', h('span', { testid: 'contact-detail-email', text: c.email ?? '—' })),
      fact('User id', c.external_id ? [h('code', { testid: 'contact-external-id', text: c.external_id }), verifiedBadge(c.external_id)] : 'Not identified'),
      fact('Site', c.site_name),
      fact('Status', h('span', { testid: 'contact-online', dataset: { online: String(Boolean(c.online)) } },
        h('span', { class: `presence-dot${c.online ? ' online' : ''}`, attrs: { 'aria-hidden': 'true' } }), c.online ? ' Online' : ' Offline')),
      fact('First seen', fullTime(c.created_at)),
      fact('Last seen', fullTime(c.last_seen_at))),
    h('h2', { class: 'panel-subtitle', text: 'Attributes' }),
    attributes.length
      ? h('table', { class: 'table', testid: 'contact-attributes' }, tableHead(['Name', 'Value']),
        h('tbody', {}, attributes.map(([name, value]) => h('tr', { testid: 'contact-attribute-row', dataset: { name } },
          h('th', { scope: 'row', text: name }), h('td', { class: 'attribute-value', text: value })))))
      : h('p', { class: 'muted', testid: 'contact-attributes', text: 'No attributes.' }),
    h('h2', { class: 'panel-subtitle', text: 'Conversations' }),
    conversations.length
      ? h('ul', { class: 'contact-conversations', testid: 'contact-conversations' }, conversations.map((/** @type {any} */ conv) => h('li', {},
        h('a', { href: conversationHref(conv.id), class: 'contact-conversation', testid: 'contact-conversation', dataset: { conversationId: conv.id } },
          h('span', { class: 'contact-conversation-top' },
            h('span', { class: 'pill', dataset: { status: conv.status }, text: conv.status }),
            h('span', { text: conv.site_name }),
            h('time', { class: 'muted small', dateTime: conv.last_activity_at, attrs: { title: fullTime(conv.last_activity_at) }, text: shortTime(conv.last_activity_at) })),
          h('span', { class: 'contact-first-words', text: conv.first_words ?? 'No message yet.' })))))
      : h('p', { class: 'muted', testid: 'contact-conversations', text: 'No conversations.' }));
}

/** @param {string} label @param {import('../lib/dom.js').Child} value */
function fact(label, value) {
  return [h('dt', { text: label }), h('dd', {}, value)];
}
