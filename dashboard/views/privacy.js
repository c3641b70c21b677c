// @ts-check
/**
 * A visitor's data, for admins, in the visitor panel and on a contact: "Export data" saves
 * everything kept about them as a JSON file (`GET /visitors/{id}/export`, fetched with the
 * token like a transcript); "Erase visitor", once confirmed (the question names what goes),
 * deletes them with their conversations, messages and files (`DELETE /visitors/{id}`), takes
 * their conversations off the inbox and hands over to `erased` (the page goes elsewhere).
 */
import { confirmDialog, h } from '../lib/dom.js';
import { eraseQuestion } from '../lib/privacy.js';
import { errorLine, statusLine } from './admin/common.js';

/**
 * Saves a file the API gave, as a download of the browser's.
 * @param {Blob} blob @param {string} name
 */
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export class PrivacySection {
  /**
   * @param {import('./shell.js').AppContext} ctx
   * @param {string} visitorId
   * @param {{name: () => string, conversations: () => number | null, erased: () => void}} options
   */
  constructor(ctx, visitorId, options) {
    this.ctx = ctx;
    this.visitorId = visitorId;
    this.options = options;
    this.exportButton = h('button', { type: 'button', class: 'button small', testid: 'visitor-export', text: 'Export data', on: { click: () => this.exportNow() } });
    this.eraseButton = h('button', { type: 'button', class: 'button small danger', testid: 'visitor-erase', text: 'Erase visitor', on: { click: () => this.eraseNow() } });
    this.status = statusLine('visitor-privacy-status');
    this.error = errorLine('visitor-privacy-error');
    this.el = h('section', { class: 'privacy-section', testid: 'visitor-privacy', attrs: { 'aria-label': 'Their data' } },
      h('h3', { class: 'panel-subtitle', text: 'Their data' }),
      h('div', { class: 'row' }, this.exportButton, this.eraseButton),
      this.status, this.error);
  }

  async exportNow() {
    this.error.textContent = '';
    this.status.textContent = 'Preparing…';
    this.exportButton.disabled = true;
    try {
      const { blob, name } = await this.ctx.api.exportVisitor(this.visitorId);
      saveFile(blob, name);
      this.status.textContent = 'Exported.';
    } catch (err) {
      this.status.textContent = '';
      this.error.textContent = `Could not export: ${/** @type {Error} */ (err).message}`;
    }
    this.exportButton.disabled = false;
  }

  async eraseNow() {
    this.error.textContent = '';
    this.status.textContent = '';
    if (!(await confirmDialog(eraseQuestion(this.options.name(), this.options.conversations()), 'Erase'))) return;
    this.eraseButton.disabled = true;
    try {
      await this.ctx.api.eraseVisitor(this.visitorId);
    } catch (err) {
      this.eraseButton.disabled = false;
      // Already gone: as good as erased here.
      if (/** @type {any} */ (err).status !== 404) {
        this.error.textContent = `Could not erase: ${/** @type {Error} */ (err).message}`;
        return;
      }
    }
    this.ctx.desk.workspace.forgetVisitor(this.visitorId);
    this.ctx.announce('Visitor erased.');
    this.options.erased();
  }
}
