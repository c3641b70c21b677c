// @ts-check
/**
 * A site's widget settings without the DOM: the server's defaults, the offline policies, the
 * pre-chat form as the Sites page edits it (rows) and back (checked by the server's rules:
 * at most 10 fields, names `[a-z0-9_]{1,32}` and unique, options only, and required, for a
 * select), and the settings that changed, which are all a save sends: the server merges
 * them into what it holds, so a setting this page does not show (or that another admin
 * changed meanwhile) is left alone; a visitor's answers as agents read them; and what
 * visitors may send as files (`attachments`: on or off, and the kinds accepted).
 */
import { CATEGORIES, DEFAULT_ACCEPT, attachmentPolicy } from '../../common/uploads.js';

/** The server's defaults (`WidgetSettings::default`). */
export const DEFAULT_SETTINGS = Object.freeze({
  title: 'Chat with us',
  greeting: 'Hi! How can we help?',
  color: '#4f46e5',
  position: 'right',
  locale: 'auto',
  dark_mode: 'auto',
  offline_message: "We're away right now. Leave your email and we'll reply there.",
  draft_preview: false,
  offline: 'message',
  offline_email_required: false,
  prechat: Object.freeze({ enabled: false, fields: Object.freeze([]) }),
  attachments: Object.freeze({ enabled: true, accept: DEFAULT_ACCEPT }),
});

/**
 * The kinds of file a site may accept from visitors (`Category` on the server, in its order),
 * each with what it covers. Agents may send any file.
 */
export const ATTACHMENT_KINDS = Object.freeze([
  { id: 'image', label: 'Images', help: 'PNG, JPEG, GIF, WebP and other pictures (screenshots).' },
  { id: 'pdf', label: 'PDF documents', help: 'PDF files.' },
  { id: 'text', label: 'Plain text', help: 'Text files, logs, CSV.' },
  { id: 'office', label: 'Office documents', help: 'Word, Excel, PowerPoint, OpenDocument, RTF.' },
  { id: 'archive', label: 'Archives', help: 'ZIP, TAR, GZIP, 7-Zip, RAR and the like.' },
  { id: 'other', label: 'Anything else', help: 'Any other file: pages, scripts, programs, media. Only with care.' },
].filter((k) => CATEGORIES.includes(k.id)));

/**
 * What a site's form shows of its attachment policy (the server's defaults for what is missing).
 * @param {unknown} attachments the site's `settings.attachments`
 * @returns {{enabled: boolean, accept: string[]}}
 */
export function attachmentsRows(attachments) {
  return attachmentPolicy({ attachments });
}

/**
 * The API's `attachments` from the form (kinds in the server's order), or why not: files on
 * with no kind accepted.
 * @param {boolean} enabled @param {Iterable<string>} kinds those ticked
 * @returns {{attachments: {enabled: boolean, accept: string[]}, error: null} | {attachments: null, error: string}}
 */
export function attachmentsFromForm(enabled, kinds) {
  const ticked = new Set(kinds);
  const accept = CATEGORIES.filter((c) => ticked.has(c));
  if (enabled && !accept.length) return { attachments: null, error: 'Choose at least one kind of file, or turn files off.' };
  return { attachments: { enabled, accept }, error: null };
}

/** What the widget does while nobody can answer (`settings.offline`), in a sentence each. */
export const OFFLINE_POLICIES = Object.freeze([
  { id: 'message', label: 'Take a message', help: 'Visitors can still write; the widget shows the offline message and asks for an email so that the team can reply there.' },
  { id: 'form', label: 'Offline form', help: 'Visitors fill in a form instead of chatting: the pre-chat fields, their email (required) and their message.' },
  { id: 'hidden', label: 'Hide the widget', help: 'No launcher while nobody is available; it appears as soon as someone is.' },
]);

/** Kinds of pre-chat field. */
export const FIELD_KINDS = Object.freeze([
  { id: 'text', label: 'Text' },
  { id: 'email', label: 'Email' },
  { id: 'phone', label: 'Phone' },
  { id: 'select', label: 'Choice (select)' },
  { id: 'checkbox', label: 'Checkbox' },
]);

export const MAX_FIELDS = 10;
const FIELD_NAME = /^[a-z0-9_]{1,32}$/;

/**
 * A field as the editor holds it: `options` one per line; `labels` (translations) kept as
 * they came, since this page does not edit them.
 * @typedef {{name: string, kind: string, label: string, required: boolean, options: string,
 *   labels?: Record<string, string>}} FieldRow
 * @typedef {{name: string, kind: string, label: string, required: boolean, options?: string[],
 *   labels?: Record<string, string>}} PrechatField
 * @typedef {{enabled: boolean, fields: PrechatField[]}} Prechat
 * @typedef {{index: number, field: 'name' | 'kind' | 'label' | 'options' | 'add', message: string}} FieldError
 */

/**
 * The editor's rows for a site's `prechat`.
 * @param {any} prechat @returns {{enabled: boolean, rows: FieldRow[]}}
 */
export function prechatRows(prechat) {
  const fields = Array.isArray(prechat?.fields) ? prechat.fields : [];
  return {
    enabled: Boolean(prechat?.enabled),
    rows: fields.map((/** @type {any} */ f) => {
      /** @type {FieldRow} */
      const row = {
        name: String(f.name ?? ''), kind: String(f.kind ?? 'text'), label: String(f.label ?? ''),
        required: Boolean(f.required), options: Array.isArray(f.options) ? f.options.join('\n') : '',
      };
      if (f.labels && typeof f.labels === 'object') row.labels = { ...f.labels };
      return row;
    }),
  };
}

/**
 * A field name from its label, for a new field whose name is left empty: `Order number` →
 * `order_number`.
 * @param {string} label
 */
export function nameFromLabel(label) {
  return label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 32);
}

/**
 * The API's `prechat` from the editor's rows, or the first mistake (the row and its field).
 * @param {boolean} enabled @param {FieldRow[]} rows
 * @returns {{prechat: Prechat, error: null} | {prechat: null, error: FieldError}}
 */
export function prechatFromRows(enabled, rows) {
  /** @param {number} index @param {FieldError['field']} field @param {string} message */
  const refuse = (index, field, message) => ({ prechat: null, error: { index, field, message } });
  if (rows.length > MAX_FIELDS) return refuse(MAX_FIELDS, 'add', `At most ${MAX_FIELDS} fields.`);
  if (enabled && !rows.length) return refuse(-1, 'add', 'Add a field, or turn the form off.');
  /** @type {PrechatField[]} */
  const fields = [];
  const names = new Set();
  for (const [index, row] of rows.entries()) {
    const label = row.label.trim();
    const name = row.name.trim() || nameFromLabel(label);
    const which = `Field ${index + 1}`;
    if (!label) return refuse(index, 'label', `${which}: give it a label, the question the visitor reads.`);
    if (!FIELD_NAME.test(name)) return refuse(index, 'name', `${which}: the name is 1 to 32 lowercase letters, digits or _.`);
    if (names.has(name)) return refuse(index, 'name', `${which}: another field is named ${name}.`);
    if (!FIELD_KINDS.some((k) => k.id === row.kind)) return refuse(index, 'kind', `${which}: choose a kind.`);
    names.add(name);
    /** @type {PrechatField} */
    const field = { name, kind: row.kind, label, required: Boolean(row.required) };
    if (row.kind === 'select') {
      const options = [...new Set(row.options.split('\n').map((o) => o.trim()).filter(Boolean))];
      if (!options.length) return refuse(index, 'options', `${which}: a choice needs options, one per line.`);
      field.options = options;
    }
    if (row.labels && Object.keys(row.labels).length) field.labels = row.labels;
    fields.push(field);
  }
  return { prechat: { enabled, fields }, error: null };
}

/**
 * The settings of `after` that differ from `before` (compared as JSON): what a save sends.
 * @param {Record<string, unknown>} before @param {Record<string, unknown>} after
 * @returns {Record<string, unknown>}
 */
export function changedSettings(before, after) {
  /** @type {Record<string, unknown>} */
  const changed = {};
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(value) !== JSON.stringify(before[key])) changed[key] = value;
  }
  return changed;
}

/**
 * A visitor's answers (`attributes`, by field name) as text, in the order given: a
 * checkbox's as Yes or No, anything else as it was given; empty answers left out.
 * @param {unknown} attributes @returns {[string, string][]}
 */
export function answers(attributes) {
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) return [];
  return Object.entries(attributes)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => [key, value === true ? 'Yes' : value === false ? 'No' : typeof value === 'object' ? JSON.stringify(value) : String(value)]);
}

/** A field name as a label, where the form's own label is not at hand: `order_number` → `Order number`. @param {string} name */
export function fieldLabel(name) {
  const words = name.replace(/_+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}
