// @ts-check
/**
 * Canned responses without the DOM: one as the API gives it (its files checked, as a message's
 * are), the ones a `/query` typed in the composer offers, what the admin form sends (its files
 * by upload id: those uploaded for it, and those it had and keeps), and its files in words.
 * A canned response's files go with it when an agent uses it: the composer adds them to the
 * reply as files already uploaded, and the server copies them for the sender.
 */
import { MAX_FILES, formatSize, readAttachments } from '../../common/uploads.js';

/** @typedef {import('../../common/uploads.js').Attachment} Attachment */
/** @typedef {import('../../common/uploads.js').Uploaded} Uploaded */
/** @typedef {{id: string, shortcut: string, title: string, body: string, attachments: Attachment[]}} Canned */

/** Files a canned response carries at most (`attachments` of `POST`/`PATCH /canned`): a message's. */
export const MAX_CANNED_FILES = MAX_FILES;
/** Responses the composer's popup offers at most. */
export const MAX_OFFERED = 8;

/**
 * A canned response as the API gives it, checked: null when it has no id or shortcut; its
 * files as a message's (well-formed ones, http(s) links only), none for an older server.
 * @param {unknown} raw @returns {Canned | null}
 */
export function readCanned(raw) {
  const c = /** @type {any} */ (raw);
  if (!c || typeof c !== 'object' || typeof c.id !== 'string' || !c.id || typeof c.shortcut !== 'string' || !c.shortcut) return null;
  return {
    id: c.id,
    shortcut: c.shortcut,
    title: typeof c.title === 'string' ? c.title : '',
    body: typeof c.body === 'string' ? c.body : '',
    attachments: readAttachments(c.attachments),
  };
}

/** A page of canned responses (`items`), or its items, checked. @param {unknown} items @returns {Canned[]} */
export function readCannedList(items) {
  const list = Array.isArray(items) ? items : /** @type {any} */ (items)?.items;
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw) => {
    const c = readCanned(raw);
    return c ? [c] : [];
  });
}

/**
 * The responses `/query` offers: those whose shortcut starts with it first, then those whose
 * shortcut or title contains it (any case), at most `max`.
 * @param {Canned[]} all @param {string} query @param {number} [max]
 */
export function matchCanned(all, query, max = MAX_OFFERED) {
  const q = query.toLowerCase();
  const starts = all.filter((c) => c.shortcut.startsWith(q));
  const contains = all.filter((c) => !c.shortcut.startsWith(q) && (c.shortcut.includes(q) || c.title.toLowerCase().includes(q)));
  return [...starts, ...contains].slice(0, max);
}

/**
 * What the admin form sends (`POST /canned`, `PATCH /canned/{id}`): the shortcut in lower
 * case, the title trimmed, the text as written, and the files by id, each once, in order (on
 * a PATCH the list replaces the response's files: those kept are sent again).
 * @param {{shortcut: string, title: string, body: string}} fields
 * @param {Uploaded[]} files the form's, every one uploaded
 * @returns {{shortcut: string, title: string, body: string, attachments: string[]}}
 */
export function cannedRequest(fields, files) {
  const ids = [...new Set(files.map((f) => f.id).filter((id) => typeof id === 'string' && id))];
  return { shortcut: fields.shortcut.trim().toLowerCase(), title: fields.title.trim(), body: fields.body, attachments: ids };
}

/**
 * A canned response's files in words: `''` (none), `1 file: guide.pdf (4.9 KB)`,
 * `2 files: a.pdf, b.png`.
 * @param {Attachment[]} files
 */
export function filesInWords(files) {
  if (!files.length) return '';
  if (files.length === 1) return `1 file: ${files[0].name} (${formatSize(files[0].size, 'en')})`;
  return `${files.length} files: ${files.map((f) => f.name).join(', ')}`;
}
