// @ts-check
/**
 * Sites (admins): the list, creating and editing one — allowed origins, identity requirement,
 * the team that answers it, widget appearance with a live preview, what the widget does while
 * nobody can answer (offline policy, email required), the pre-chat form, and the files
 * visitors may send (on or off, the kinds accepted) — its proactive messages (`proactive.js`),
 * the origins refused when they tried to embed it (`refused.js`), the copyable
 * embed tag, and the identity secret with its rotation. A save sends only the settings that
 * changed (the server merges them), so nothing this page does not show is overwritten.
 */
import { confirmDialog, copyText, h, replace } from '../../lib/dom.js';
import { adminHref, go } from '../../lib/router.js';
import {
  ATTACHMENT_KINDS, DEFAULT_SETTINGS, FIELD_KINDS, MAX_FIELDS, OFFLINE_POLICIES, attachmentsFromForm, attachmentsRows,
  changedSettings, nameFromLabel, prechatFromRows, prechatRows,
} from '../../lib/settings.js';
import { adminPage, attempt, errorLine, field, fieldError, maskedSecret, statusLine, tableHead } from './common.js';
import { widgetPreview } from './preview.js';
import { proactiveEditor } from './proactive.js';
import { refusedOrigins } from './refused.js';

/** @typedef {import('../../lib/settings.js').FieldRow} FieldRow */

let prechatCounter = 0;

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
  if (id) return { el: siteLoader(ctx, id === 'new' ? null : id) };
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

/**
 * The site (unless new) and the teams to choose from (none when they cannot be read), then the form.
 * @param {import('../shell.js').AppContext} ctx @param {string | null} id
 */
function siteLoader(ctx, id) {
  const holder = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  const teams = ctx.api.teams().then((page) => page.items, () => null);
  Promise.all([id ? ctx.api.site(id) : Promise.resolve(null), teams]).then(
    ([site, list]) => holder.replaceChildren(siteEditor(ctx, site, list)),
    (err) => replace(holder, h('p', { class: 'form-error', text: err.message })),
  );
  return holder;
}

/**
 * The site form (create when `site` is null), with the preview beside it.
 * @param {import('../shell.js').AppContext} ctx @param {any} site @param {any[] | null} teams
 */
function siteEditor(ctx, site, teams) {
  /** The settings as the server holds them (or will, for a new site): a save sends what differs. */
  let saved = { ...DEFAULT_SETTINGS, ...(site?.settings ?? {}) };
  /** @type {string | null} */
  let savedTeam = site?.team_id ?? null;
  const s = saved;
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
  const team = teamSelect(teams, savedTeam);
  const policy = offlinePolicy(String(s.offline));
  const emailRequired = h('input', { type: 'checkbox', testid: 'site-offline-email-required', checked: Boolean(s.offline_email_required) });
  const prechat = new PrechatEditor(s.prechat);
  const files = filesPolicy(s.attachments);
  const save = h('button', { type: 'submit', class: 'button primary', testid: 'site-save', text: site ? 'Save changes' : 'Create site' });
  const error = errorLine('site-error');
  const status = statusLine('site-status');
  const teamError = fieldError(team, 'site-team-error');

  /**
   * @param {import('../../lib/settings.js').Prechat} [chat] the pre-chat form (the one held when not given)
   * @param {{enabled: boolean, accept: string[]}} [attachments] the files policy (the one held when not given)
   */
  const settings = (chat, attachments) => ({
    title: title.value, greeting: greeting.value, color: color.value, position: position.value,
    locale: locale.value, dark_mode: darkMode.value, offline_message: offline.value, draft_preview: draftPreview.checked,
    offline: policy.value(), offline_email_required: emailRequired.checked, prechat: chat ?? saved.prechat,
    attachments: attachments ?? saved.attachments,
  });
  const preview = widgetPreview(settings());
  const refresh = () => preview.update(settings());

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    status.textContent = '';
    error.textContent = '';
    const checked = prechat.result();
    if (checked.error) {
      prechat.showError(checked.error);
      return;
    }
    prechat.showError(null);
    const policyChecked = files.result();
    files.showError(policyChecked.error);
    if (policyChecked.error) return;
    const next = settings(checked.prechat, policyChecked.attachments ?? undefined);
    const changed = changedSettings(saved, next);
    /** @type {Record<string, unknown>} */
    const body = {
      name: name.value.trim(),
      allowed_origins: origins.value.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean),
      require_identity: requireIdentity.checked,
    };
    if (!site || Object.keys(changed).length) body.settings = changed;
    const teamId = team.value || null;
    await attempt(error, async () => {
      if (site) {
        if (teamId !== savedTeam) body.team_id = teamId;
        const answer = await ctx.api.updateSite(site.id, body);
        held(answer);
        saved = { ...DEFAULT_SETTINGS, ...(answer.settings ?? next) };
        savedTeam = answer.team_id ?? teamId;
        status.textContent = 'Saved.';
      } else {
        const created = await ctx.api.createSite(body);
        // A new site has no team until it exists: the team is a change of the site made.
        if (teamId) await ctx.api.updateSite(created.id, { team_id: teamId });
        go(adminHref('sites', created.id));
      }
    }, save, { team_id: teamError });
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
    h('fieldset', {}, h('legend', { text: 'Who answers' }),
      teams ? [field('Team', team, 'The team answers within its business hours, assigning as it is set to. Whole workspace: every agent, always open, picked by hand.'), teamError.error]
        : h('p', { class: 'muted', text: 'Teams cannot be read now; the site keeps its team.' })),
    h('fieldset', {}, h('legend', { text: 'When nobody can answer' }),
      h('p', { class: 'muted small', text: 'Nobody can answer when the site’s team is outside its business hours, or no agent is online (and not away).' }),
      policy.el,
      field('Ask for an email before taking a message', emailRequired, 'With “Take a message”. The offline form always asks for one.')),
    prechat.el,
    files.el,
    error, status,
    h('div', { class: 'row' }, save, h('a', { href: adminHref('sites'), class: 'button', text: 'Back to sites' })));

  /** The site as the server answered a change (from any of this page's forms). @param {any} answer */
  function held(answer) {
    site.allowed_origins = answer.allowed_origins;
    origins.value = answer.allowed_origins.join('\n');
  }

  const side = h('div', { class: 'site-side' }, h('h2', { class: 'panel-subtitle', text: 'Preview' }), preview.el);
  const refused = site ? refusedOrigins(ctx, site.id, { origins: () => site.allowed_origins, allowed: held }).el : null;
  const proactive = site ? proactiveEditor(ctx, site, held) : null;
  const extras = site ? siteExtras(ctx, site) : null;
  return adminPage(site ? site.name : 'New site', h('div', { class: 'site-editor' }, h('div', {}, refused, form, proactive, extras), side));
}

/** Embed tag, identity secret and deletion for a saved site. @param {import('../shell.js').AppContext} ctx @param {any} site */
function siteExtras(ctx, site) {
  const snippet = embedSnippet(site.site_key);
  const copied = statusLine('copy-status');
  const secret = maskedSecret({ testid: 'site-secret', value: site.identity_secret });
  const error = errorLine('site-extras-error');
  const rotate = h('button', { type: 'button', class: 'button', testid: 'rotate-secret', text: 'Rotate secret' });
  rotate.addEventListener('click', async () => {
    if (!(await confirmDialog('Rotate the identity secret? The current one keeps working until the next rotation.', 'Rotate'))) return;
    await attempt(error, async () => {
      const updated = await ctx.api.rotateSecret(site.id);
      secret.set(updated.identity_secret);
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
      secret.el, h('div', { class: 'row' }, rotate)),
    h('section', {}, h('h2', { class: 'panel-subtitle', text: 'Danger zone' }), remove),
    error);
}

/**
 * The team answering the site: "Whole workspace" or one of the teams.
 * @param {any[] | null} teams @param {string | null} current
 */
function teamSelect(teams, current) {
  const el = h('select', { testid: 'site-team' },
    h('option', { value: '', text: 'Whole workspace (every agent, always open)' }),
    (teams ?? []).map((t) => h('option', { value: t.id, text: t.name })));
  if (current && !(teams ?? []).some((t) => t.id === current)) el.append(h('option', { value: current, text: 'A team not listed' }));
  el.value = current ?? '';
  return el;
}

/**
 * The offline policy: one radio per policy, each with its sentence.
 * @param {string} current
 */
function offlinePolicy(current) {
  const group = h('fieldset', { class: 'choices', testid: 'site-offline' },
    h('legend', { class: 'sr-only', text: 'What the widget does' }),
    OFFLINE_POLICIES.map((p) => field(p.label,
      h('input', { type: 'radio', name: 'site-offline', value: p.id, testid: `site-offline-policy-${p.id}`, checked: p.id === current }),
      p.help)));
  if (!OFFLINE_POLICIES.some((p) => p.id === current)) {
    /** @type {HTMLInputElement} */ (group.querySelector('input[value="message"]')).checked = true;
  }
  return {
    el: group,
    value: () => /** @type {HTMLInputElement | null} */ (group.querySelector('input:checked'))?.value ?? 'message',
  };
}

/**
 * What visitors may send as files: on or off, and the kinds accepted (a checkbox each, off
 * while files are off; agents may send any file). The server checks each file's kind from
 * its bytes.
 * @param {unknown} attachments the site's `settings.attachments`
 */
function filesPolicy(attachments) {
  const { enabled, accept } = attachmentsRows(attachments);
  const on = h('input', { type: 'checkbox', testid: 'site-attachments-enabled', checked: enabled });
  const kinds = ATTACHMENT_KINDS.map((k) => ({
    id: k.id,
    input: h('input', { type: 'checkbox', value: k.id, testid: `site-attachments-kind-${k.id}`, checked: accept.includes(k.id) }),
    help: k.help,
    label: k.label,
  }));
  const error = errorLine('site-attachments-error');
  const group = h('fieldset', { class: 'choices', testid: 'site-attachments-kinds' },
    h('legend', { class: 'small', text: 'Kinds of file accepted' }),
    kinds.map((k) => field(k.label, k.input, k.help)));
  const sync = () => {
    for (const k of kinds) k.input.disabled = !on.checked;
  };
  on.addEventListener('change', sync);
  sync();
  return {
    el: h('fieldset', { testid: 'site-attachments' }, h('legend', { text: 'Files from visitors' }),
      field('Visitors may send files', on, 'Screenshots, documents… up to 10 MB each, 10 per message. Agents may always send files.'),
      group, error),
    result: () => attachmentsFromForm(on.checked, kinds.filter((k) => k.input.checked).map((k) => k.id)),
    /** @param {string | null} message */
    showError(message) {
      error.textContent = message ?? '';
      if (message) kinds[0].input.focus();
    },
  };
}

/**
 * The pre-chat form: on or off, and its fields (label, name, kind, required, a select's
 * options), at most `MAX_FIELDS`. The fields are kept while the form is off.
 */
class PrechatEditor {
  /** @param {unknown} prechat the site's */
  constructor(prechat) {
    const { enabled, rows } = prechatRows(prechat);
    /** @type {{el: HTMLElement, read: () => FieldRow, controls: Record<string, HTMLElement>}[]} */
    this.rows = [];
    this.enabled = h('input', { type: 'checkbox', testid: 'site-prechat-enabled', checked: enabled });
    this.list = h('div', { class: 'prechat-rows', testid: 'site-prechat-fields' });
    this.empty = h('p', { class: 'muted small', text: 'No fields yet.' });
    this.add = h('button', { type: 'button', class: 'button small', testid: 'site-prechat-add', text: 'Add field', on: { click: () => this.addRow({ name: '', kind: 'text', label: '', required: false, options: '' }, true) } });
    this.error = errorLine('site-prechat-error');
    this.el = h('fieldset', { class: 'prechat-editor', testid: 'site-prechat' },
      h('legend', { text: 'Pre-chat form' }),
      field('Ask before the first message', this.enabled, 'Visitors answer these questions before they can write (answers already known, such as a verified email, are skipped). Agents see the answers beside the conversation. The offline form uses the same fields.'),
      h('p', { class: 'muted small', text: 'Each field’s name (a–z, 0–9, _; made from the label when left empty) keys its answer in the API. A field named “name” fills the visitor’s name; an Email field, their email.' }),
      this.list, this.empty, h('div', { class: 'row' }, this.add), this.error);
    for (const row of rows) this.addRow(row, false);
    this.render();
  }

  render() {
    this.empty.hidden = this.rows.length > 0;
    this.add.disabled = this.rows.length >= MAX_FIELDS;
    this.add.title = this.add.disabled ? `At most ${MAX_FIELDS} fields` : '';
  }

  /** @param {FieldRow} row @param {boolean} focus */
  addRow(row, focus) {
    prechatCounter += 1;
    const n = prechatCounter;
    const label = h('input', { type: 'text', id: `prechat-label-${n}`, testid: 'site-prechat-label', value: row.label, maxLength: 200, placeholder: 'Order number' });
    const name = h('input', { type: 'text', id: `prechat-name-${n}`, testid: 'site-prechat-name', value: row.name, maxLength: 32, spellcheck: false, autocomplete: 'off' });
    const kind = h('select', { id: `prechat-kind-${n}`, testid: 'site-prechat-kind' }, FIELD_KINDS.map((k) => h('option', { value: k.id, text: k.label })));
    kind.value = FIELD_KINDS.some((k) => k.id === row.kind) ? row.kind : 'text';
    const required = h('input', { type: 'checkbox', id: `prechat-required-${n}`, testid: 'site-prechat-required', checked: row.required });
    const options = h('textarea', { id: `prechat-options-${n}`, testid: 'site-prechat-options', rows: 3, value: row.options, placeholder: 'One choice per line' });
    const optionsField = field('Choices', options, 'One per line.');
    const sync = () => {
      name.placeholder = nameFromLabel(label.value) || 'order_number';
      optionsField.hidden = kind.value !== 'select';
    };
    label.addEventListener('input', sync);
    kind.addEventListener('change', sync);
    const labels = row.labels;
    /** @type {{el: HTMLElement, read: () => FieldRow, controls: Record<string, HTMLElement>}} */
    const handle = {
      el: h('div', { class: 'prechat-row', testid: 'site-prechat-row' }),
      read: () => ({ name: name.value, kind: kind.value, label: label.value, required: required.checked, options: options.value, ...(labels ? { labels } : {}) }),
      controls: { label, name, kind, options },
    };
    const remove = h('button', {
      type: 'button', class: 'button small', testid: 'site-prechat-remove', text: 'Remove field',
      on: { click: () => this.removeRow(handle) },
    });
    replace(handle.el,
      h('div', { class: 'grid-fields' },
        field('Label', label),
        field('Name', name),
        field('Kind', kind)),
      optionsField,
      h('div', { class: 'row' }, field('Required', required), remove));
    sync();
    this.rows.push(handle);
    this.list.append(handle.el);
    this.render();
    if (focus) label.focus();
  }

  /** @param {{el: HTMLElement, read: () => FieldRow, controls: Record<string, HTMLElement>}} handle */
  removeRow(handle) {
    const at = this.rows.indexOf(handle);
    if (at < 0) return;
    this.rows.splice(at, 1);
    handle.el.remove();
    this.render();
    const next = this.rows[at] ?? this.rows[at - 1];
    (next ? next.controls.label : this.add).focus();
  }

  result() {
    return prechatFromRows(this.enabled.checked, this.rows.map((r) => r.read()));
  }

  /**
   * Shows a mistake under the form, marks its control and takes the focus there (null: clears).
   * @param {import('../../lib/settings.js').FieldError | null} error
   */
  showError(error) {
    for (const el of this.el.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    this.error.textContent = error?.message ?? '';
    if (!error) return;
    const control = error.field === 'add' ? this.add : this.rows[error.index]?.controls[error.field];
    if (!control) return;
    if (error.field !== 'add') control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
}

/** @param {string} testid @param {string[][]} options @param {string} value */
function select(testid, options, value) {
  const el = h('select', { testid }, options.map(([v, label]) => h('option', { value: v, text: label })));
  if (value && !options.some(([v]) => v === value)) el.append(h('option', { value, text: value }));
  el.value = value || options[0][0];
  return el;
}
