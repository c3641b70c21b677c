// @ts-check
/**
 * Choosing files, as the widget panel's first-open code does it: whether a site's attachment
 * policy (`settings.attachments`) shows the attach button, what the file picker offers, and
 * the files a paste or a drop carries. Everything else about files (checks, uploads, chips,
 * rendering) is in the widget's attachments chunk (with uploads.js), loaded when first needed;
 * this stays tiny and imports nothing. The dashboard takes `filesFrom` and `draggingFiles`
 * from here too.
 */

/**
 * What the file picker offers for each kind a site may accept (`Category` in
 * src/domain/attachments.rs, but `other`: a site accepting it gets no filter at all). Only a
 * hint: the server decides from the bytes.
 */
export const PICKER = Object.freeze({
  image: 'image/*',
  pdf: '.pdf,application/pdf',
  text: '.txt,.csv,.log,.md,text/plain',
  office: '.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.rtf',
  archive: '.zip,.tar,.gz,.tgz,.bz2,.7z,.xz,.rar,.zst',
});

/**
 * The site lets visitors send files (the server's default: yes), of some kind.
 * @param {Record<string, unknown>} settings
 */
export function filesEnabled(settings) {
  const policy = /** @type {any} */ (settings?.attachments);
  return policy?.enabled !== false && !(Array.isArray(policy?.accept) && policy.accept.length === 0);
}

/**
 * The file input's `accept` for the kinds a site takes from visitors: '' (anything) when it
 * takes `other` or says nothing.
 * @param {Record<string, unknown>} settings
 */
export function pickerAccept(settings) {
  const accept = /** @type {any} */ (settings?.attachments)?.accept;
  if (!Array.isArray(accept) || accept.includes('other')) return '';
  return accept.flatMap((/** @type {string} */ kind) => (Object.hasOwn(PICKER, kind) ? [PICKER[/** @type {keyof typeof PICKER} */ (kind)]] : [])).join(',');
}

/**
 * The files a paste or a drop carries. A paste that carries text too (a copied spreadsheet's
 * cells, a copied page) pastes its text: with `textWins`, no file is taken from it.
 * @param {DataTransfer | null | undefined} data
 * @param {{textWins?: boolean}} [options]
 * @returns {File[]}
 */
export function filesFrom(data, { textWins = false } = {}) {
  if (!data) return [];
  const types = Array.from(data.types ?? []);
  if (textWins && types.includes('text/plain')) return [];
  const files = Array.from(data.files ?? []);
  if (files.length) return files;
  /** @type {File[]} */
  const out = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== 'file') continue;
    const file = item.getAsFile();
    if (file) out.push(file);
  }
  return out;
}

/** Whether a drag carries files (not text or a link being dragged). @param {DataTransfer | null | undefined} data */
export function draggingFiles(data) {
  return !!data && Array.from(data.types ?? []).includes('Files');
}
