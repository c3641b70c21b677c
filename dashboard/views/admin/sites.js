// @ts-check
/**
 * Sites (admins): the list, creating and editing one — allowed origins, identity requirement,
 * widget appearance with a live preview — the copyable embed tag, and the identity secret with
 * its rotation.
 */
import { confirmDialog, copyText, h, replace } from '../../lib/dom.js';
import { adminHref, go } from '../../lib/router.js';
import { adminPage, attempt, errorLine, field, statusLine, tableHead } from './common.js';
import { widgetPreview } from './preview.js';

/** The server's defaults (`WidgetSettings::default` in src/domain/settings.rs). */
export const DEFAULT_SETTINGS = Object.freeze({
  title: 'Chat with us',
  greeting: 'Hi! How can we help?',
  color: '#4f46e5',
  position: 'right',
  locale: 'auto',
  dark_mode: 'auto',
  offline_message: "We're away right now. Leave your email and we'll reply there.",
  draft_preview: false,
});

const LOCALES = [['auto', 'From the browser'], ['en', 'English'], ['fr', 'Français'], ['es', 'Español'], ['de', 'Deutsch']];

/** The embed tag for a site. @param {string} siteKey */
export function embedSnippet(siteKey) {
  return `<script async src="${location.origin}/widget.js" data-site-key="${siteKey}"></script>`;
}

/**
 * @param {import('../shell.js').AppContext} ctx
 * @param {string | null} id `new`, a site id, or null for the list
 */
export function sitesPage(ctx, id) {
  if (id === 'new') return { el: siteEditor(ctx, null) };
  if (id) return { el: siteLoader(ctx, id) };
  return { el: sitesList(ctx) };
}

/** @param {import('../shell.js').AppContext} ctx */
function sitesList(ctx) {
  const body = h('tbody');
  const error = errorLine('sites-error');
  const table = h('table', { class: 'table', testid: 'sites-list' }, tableHead(['Name', 'Site key', 'Allowed origins', '']), body);
  const page = adminPage('Sites',
    h('p', { class: 'muted', text: 'Each site is one website that embeds the chat widget.' }),
    h('div', { class: 'row' }, h('a', { href: adminHref('sites', 'new'), class: 'button primary', testid: 'site-new', text: 'New site' })),
    error, table);
  attempt(error, async () => {
    const { items } = await ctx.api.sites();
    replace(body, items.map((/** @type {any} */ site) => h('tr', { testid: 'site-row', dataset: { siteId: site.id } },
      h('td', {}, h('a', { href: adminHref('sites', site.id), testid: 'site-link', text: site.name })),
      h('td', {}, h('code', { text: site.site_key })),
      h('td', { text: site.allowed_origins.length ? site.allowed_origins.join(', ') : 'Any' }),
      h('td', {}, h('a', { href: adminHref('sites', site.id), class: 'button small', text: 'Edit' })))));
    if (!items.length) body.append(h('tr', {}, h('td', { colSpan: 4, class: 'muted', text: 'No sites yet.' })));
  });
  return page;
}

/** @param {import('../shell.js').AppContext} ctx @param {string} id */
function siteLoader(ctx, id) {
  const holder = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  ctx.api.site(id).then(
    (site) => holder.replaceChildren(siteEditor(ctx, site)),
    (err) => replace(holder, h('p', { class: 'form-error', text: err.message })),
  );
  return holder;
}

/**
 * The site form (create when `site` is null), with the preview beside it.
 * @param {import('../shell.js').AppContext} ctx @param {any} site
 */
function siteEditor(ctx, site) {
  const s = { ...DEFAULT_SETTINGS, ...(site?.settings ?? {}) };
  const name = h('input', { type: 'text', required: true, maxLength: 200, testid: 'site-name', value: site?.name ?? '' });
  const origins = h('textarea', { rows: 3, testid: 'site-origins', value: (site?.allowed_origins ?? []).join('\n'), placeholder: 'https://shop.example.com' });
  const requireIdentity = h('input', { type: 'checkbox', testid: 'site-require-identity', checked: Boolean(site?.require_identity) });
  const title = h('input', { type: 'text', maxLength: 80, testid: 'site-title', value: s.title });
  const greeting = h('textarea', { rows: 2, maxLength: 500, testid: 'site-greeting', value: s.greeting });
  const color = h('input', { type: 'color', testid: 'site-color', value: s.color });
  const position = select('site-position', [['right', 'Bottom right'], ['left', 'Bottom left']], s.position);
  const darkMode = select('site-dark-mode', [['auto', 'Follow the visitor’s system'], ['light', 'Light'], ['dark', 'Dark']], s.dark_mode);
  const locale = select('site-locale', LOCALES, s.locale);
  const offline = h('textarea', { rows: 2, maxLength: 500, testid: 'site-offline-message', value: s.offline_message });
  const draftPreview = h('input', { type: 'checkbox', testid: 'site-draft-preview', checked: Boolean(s.draft_preview) });
  const save = h('button', { type: 'submit', class: 'button primary', testid: 'site-save', text: site ? 'Save changes' : 'Create site' });
  const error = errorLine('site-error');
  const status = statusLine('site-status');

  const settings = () => ({
    title: title.value, greeting: greeting.value, color: color.value, position: position.value,
    locale: locale.value, dark_mode: darkMode.value, offline_message: offline.value, draft_preview: draftPreview.checked,
  });
  const preview = widgetPreview(settings());
  const refresh = () => preview.update(settings());

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    status.textContent = '';
    const body = {
      name: name.value.trim(),
      allowed_origins: origins.value.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean),
      require_identity: requireIdentity.checked,
      settings: settings(),
    };
    await attempt(error, async () => {
      if (site) {
        const saved = await ctx.api.updateSite(site.id, body);
        origins.value = saved.allowed_origins.join('\n');
        status.textContent = 'Saved.';
      } else {
        const created = await ctx.api.createSite(body);
        go(adminHref('sites', created.id));
      }
    }, save);
  }

  const form = h('form', { class: 'admin-form site-form', testid: 'site-form', on: { submit, input: refresh, change: refresh } },
    h('fieldset', {}, h('legend', { text: 'Site' }),
      field('Name', name),
      field('Allowed origins', origins, 'One per line. Empty: any website may embed the widget.'),
      field('Require a verified identity', requireIdentity, 'Visitors must be signed by your server (JWT or HMAC).')),
    h('fieldset', {}, h('legend', { text: 'Widget' }),
      field('Title', title),
      field('Greeting', greeting),
      field('Colour', color),
      field('Position', position),
      field('Dark mode', darkMode),
      field('Language', locale),
      field('Offline message', offline, 'Shown when no agent is online.'),
      field('Show agents what visitors type (draft preview)', draftPreview, 'Visitors are told.')),
    error, status,
    h('div', { class: 'row' }, save, h('a', { href: adminHref('sites'), class: 'button', text: 'Back to sites' })));

  const side = h('div', { class: 'site-side' }, h('h2', { class: 'panel-subtitle', text: 'Preview' }), preview.el);
  const extras = site ? siteExtras(ctx, site) : null;
  return adminPage(site ? site.name : 'New site', h('div', { class: 'site-editor' }, h('div', {}, form, extras), side));
}

/** Embed tag, identity secret and deletion for a saved site. @param {import('../shell.js').AppContext} ctx @param {any} site */
function siteExtras(ctx, site) {
  const snippet = embedSnippet(site.site_key);
  const copied = statusLine('copy-status');
  const secret = h('code', { class: 'secret', testid: 'site-secret', text: site.identity_secret });
  const error = errorLine('site-extras-error');
  const rotate = h('button', { type: 'button', class: 'button', testid: 'rotate-secret', text: 'Rotate secret' });
  rotate.addEventListener('click', async () => {
    if (!(await confirmDialog('Rotate the identity secret? The current one keeps working until the next rotation.', 'Rotate'))) return;
    await attempt(error, async () => {
      const updated = await ctx.api.rotateSecret(site.id);
      secret.textContent = updated.identity_secret;
      copied.textContent = 'New secret made. Update your server; the previous one still works until the next rotation.';
    }, rotate);
  });
  const remove = h('button', { type: 'button', class: 'button danger', testid: 'delete-site', text: 'Delete site' });
  remove.addEventListener('click', async () => {
    if (!(await confirmDialog(`Delete “${site.name}”? Its widget stops working at once.`, 'Delete'))) return;
    if (await attempt(error, () => ctx.api.deleteSite(site.id), remove)) go(adminHref('sites'));
  });
  const snippetBox = h('textarea', { class: 'snippet', testid: 'site-snippet', readOnly: true, rows: 2, value: snippet, attrs: { 'aria-label': 'Embed tag' }, on: { focus: (/** @type {Event} */ e) => /** @type {HTMLTextAreaElement} */ (e.target).select() } });
  return h('div', { class: 'site-extras' },
    h('section', {}, h('h2', { class: 'panel-subtitle', text: 'Embed' }),
      h('p', { class: 'muted', text: 'Paste this tag in every page of the site, before </body>.' }),
      snippetBox,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'button', testid: 'copy-snippet', text: 'Copy', on: { click: async () => {
          const ok = await copyText(snippet);
          if (!ok) snippetBox.select();
          copied.textContent = ok ? 'Copied.' : 'Press Ctrl+C (⌘C) to copy.';
        } } }),
        h('a', { class: 'button', href: `/demo?site_key=${encodeURIComponent(site.site_key)}`, target: '_blank', rel: 'noopener', text: 'Try it on the demo page' })),
      copied),
    h('section', {}, h('h2', { class: 'panel-subtitle', text: 'Identity secret' }),
      h('p', { class: 'muted', text: 'Keep it on your server: it signs your users’ identity (HS256 JWT, or HMAC-SHA256 of the user id).' }),
      secret, h('div', { class: 'row' }, rotate)),
    h('section', {}, h('h2', { class: 'panel-subtitle', text: 'Danger zone' }), remove),
    error);
}

/** @param {string} testid @param {string[][]} options @param {string} value */
function select(testid, options, value) {
  const el = h('select', { testid }, options.map(([v, label]) => h('option', { value: v, text: label })));
  if (value && !options.some(([v]) => v === value)) el.append(h('option', { value, text: value }));
  el.value = value || options[0][0];
  return el;
}
