// @ts-check
/**
 * The reply box: Enter sends, Shift+Enter breaks the line; a Note switch turns the next sends
 * into internal notes (`kind: "note"`, never shown to the visitor); `/` and a shortcut open the
 * canned responses (arrow keys, Enter or Tab to pick, Escape to close). The draft and the note
 * switch are kept in storage per conversation; `typing on/off` goes out for replies only — a
 * note being written is nothing the visitor should hear about. Files: Attach (the file
 * picker), a pasted screenshot or file, or files dropped on the conversation (`addFiles`)
 * upload at once into the tray above the box; the reply goes once they all are uploaded, with
 * them (its text may then be empty). A canned response picked brings its files too: chips
 * already uploaded (the server copies them for the sender), removable like the others.
 */
import { h } from '../lib/dom.js';
import { Keys, load, save } from '../lib/storage.js';
import { Kind, Timing } from '../../common/protocol.js';
import { filesFrom } from '../../common/picking.js';
import { UploadTray, waitText } from './files.js';
import { filesInWords, matchCanned } from '../lib/canned.js';

const DRAFT_SAVE_MS = 250;

/** @typedef {import('../lib/canned.js').Canned} Canned */

export class Composer {
  /**
   * @param {import('./shell.js').AppContext} ctx
   * @param {string} conversationId
   */
  constructor(ctx, conversationId) {
    this.ctx = ctx;
    this.desk = ctx.desk;
    this.id = conversationId;
    const draft = load(Keys.draft(conversationId), { body: '', note: false });
    this.note = Boolean(draft.note);
    this.typingOn = false;
    this.lastTypingAt = 0;
    /** @type {any} */ this.idleTimer = null;
    /** @type {any} */ this.saveTimer = null;
    /** @type {Canned[]} */
    this.matches = [];
    this.active = 0;
    /** Where the `/shortcut` being typed starts in the text. */
    this.tokenStart = -1;
    /** @type {(() => void) | null} called when Escape leaves the box */
    this.onEscape = null;
    /** the error shown is about files (it goes once they are ready) */
    this.filesError = false;
    this.build(String(draft.body ?? ''));
  }

  /** @param {string} body */
  build(body) {
    const inputId = `composer-${this.id}`;
    this.noteToggle = h('button', {
      type: 'button', class: 'note-toggle', testid: 'note-toggle',
      attrs: { role: 'switch', 'aria-checked': 'false', title: 'Internal note: only agents see it' },
      on: { click: () => this.setNote(!this.note) },
    }, 'Note');
    this.label = h('label', { htmlFor: inputId, class: 'composer-label' });
    this.input = h('textarea', {
      id: inputId, testid: 'composer', rows: 3, value: body,
      attrs: { 'aria-describedby': `${inputId}-hint`, 'aria-autocomplete': 'list', 'aria-controls': `${inputId}-canned` },
      on: {
        keydown: (/** @type {KeyboardEvent} */ e) => this.keydown(e),
        input: () => this.changed(),
        // A pasted screenshot or file is attached; a paste with text in it pastes the text.
        paste: (/** @type {ClipboardEvent} */ e) => {
          const files = filesFrom(e.clipboardData, { textWins: true });
          if (!files.length) return;
          e.preventDefault();
          this.addFiles(files);
        },
        blur: () => {
          this.stopTyping();
          // Not if the box has the focus back by then (a chip's Remove gives it back, and
          // a `/` typed at once opens the popup again).
          setTimeout(() => {
            if (document.activeElement !== this.input) this.closePopup();
          }, 150);
        },
        click: () => this.updateCanned(),
      },
    });
    this.popup = h('ul', {
      id: `${inputId}-canned`, class: 'canned-popup', testid: 'canned-popup', hidden: true,
      attrs: { role: 'listbox', 'aria-label': 'Canned responses' },
    });
    this.error = h('p', { class: 'form-error', testid: 'composer-error', attrs: { role: 'alert' } });
    this.sendButton = h('button', { type: 'submit', class: 'button primary', testid: 'send-button', text: 'Send' });
    this.tray = new UploadTray({
      transport: this.ctx.api.uploadTransport(),
      changed: () => this.trayChanged(),
      focusAfterLast: () => this.input.focus(),
    });
    this.fileInput = h('input', {
      type: 'file', multiple: true, hidden: true, tabIndex: -1, testid: 'attach-input',
      attrs: { 'aria-hidden': 'true' },
      on: { change: () => {
        this.addFiles(Array.from(this.fileInput.files ?? []));
        this.fileInput.value = '';
      } },
    });
    this.attachButton = h('button', {
      type: 'button', class: 'button small attach-button', testid: 'attach-button',
      title: 'Attach files (or paste them, or drop them on the conversation)',
      on: { click: () => this.fileInput.click() },
    }, h('span', { class: 'clip-icon', attrs: { 'aria-hidden': 'true' } }), 'Attach');
    this.form = h('form', { class: 'composer', testid: 'composer-form', on: { submit: (/** @type {Event} */ e) => { e.preventDefault(); this.submit(); } } },
      h('div', { class: 'composer-top' }, this.label, this.noteToggle),
      this.popup,
      this.tray.el,
      this.input,
      h('div', { class: 'composer-bottom' },
        this.attachButton, this.fileInput,
        h('span', { id: `${inputId}-hint`, class: 'muted small', text: 'Enter to send · Shift+Enter for a new line · / for canned responses' }),
        this.sendButton),
      this.error);
    this.el = this.form;
    this.setNote(this.note, false);
  }

  focus() {
    this.input.focus({ preventScroll: true });
    const end = this.input.value.length;
    this.input.setSelectionRange(end, end);
  }

  destroy() {
    this.tray.clear();
    this.stopTyping();
    clearTimeout(this.idleTimer);
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveDraft();
    }
  }

  /** @param {boolean} note @param {boolean} [persist] */
  setNote(note, persist = true) {
    if (note && this.typingOn) this.stopTyping();
    this.note = note;
    this.form.classList.toggle('note-mode', note);
    this.noteToggle.setAttribute('aria-checked', String(note));
    this.label.textContent = note ? 'Internal note — only agents see this' : 'Reply to the visitor';
    this.sendButton.textContent = note ? 'Add note' : 'Send';
    this.input.placeholder = note ? 'Write a note for your team…' : 'Write a reply…';
    if (persist) this.saveDraft();
  }

  saveDraft() {
    this.saveTimer = null;
    const body = this.input.value;
    save(Keys.draft(this.id), body || this.note ? { body, note: this.note } : null);
  }

  changed() {
    this.error.textContent = '';
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveDraft(), DRAFT_SAVE_MS);
    this.typed();
    this.updateCanned();
  }

  // ---- typing -----------------------------------------------------------------------------

  typed() {
    if (this.note) return;
    if (!this.input.value.trim()) {
      this.stopTyping();
      return;
    }
    const now = Date.now();
    if (!this.typingOn || now - this.lastTypingAt >= Timing.TYPING_REPEAT_MS) {
      this.desk.typing(this.id, 'on');
      this.typingOn = true;
      this.lastTypingAt = now;
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), Timing.TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.idleTimer);
    if (!this.typingOn) return;
    this.typingOn = false;
    this.desk.typing(this.id, 'off');
  }

  // ---- sending ----------------------------------------------------------------------------

  /** @param {KeyboardEvent} e */
  keydown(e) {
    if (!this.popup.hidden && this.popupKey(e)) return;
    if (e.key === 'Escape') {
      // Leave the box (the draft stays) so that the inbox shortcuts work again.
      e.preventDefault();
      this.input.blur();
      this.onEscape?.();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  submit() {
    const body = this.input.value;
    const wait = waitText(this.tray.state());
    if (wait) {
      this.error.textContent = wait;
      this.filesError = true;
      return;
    }
    const result = this.desk.send(this.id, this.note ? Kind.NOTE : Kind.TEXT, body, this.tray.attachments());
    if (typeof result === 'string') {
      this.error.textContent = result;
      return;
    }
    this.tray.clear();
    this.stopTyping();
    this.input.value = '';
    clearTimeout(this.saveTimer);
    this.saveDraft();
    this.closePopup();
    this.input.focus();
  }

  // ---- files ------------------------------------------------------------------------------

  /** Files chosen, pasted or dropped: uploaded at once, into the tray. @param {File[]} files */
  addFiles(files) {
    if (!files.length) return;
    this.error.textContent = '';
    this.tray.add(files);
  }

  /** A "wait for the files" shown before goes once they are ready. */
  trayChanged() {
    const state = this.tray.state();
    if (this.filesError && (state === 'ready' || state === 'empty')) {
      this.error.textContent = '';
      this.filesError = false;
    }
  }

  // ---- canned responses -------------------------------------------------------------------

  async updateCanned() {
    const caret = this.input.selectionStart ?? this.input.value.length;
    const before = this.input.value.slice(0, caret);
    const match = before.match(/(?:^|\s)\/([a-z0-9_-]*)$/i);
    if (!match) {
      this.closePopup();
      return;
    }
    const query = match[1].toLowerCase();
    this.tokenStart = caret - query.length - 1;
    let all = [];
    try {
      all = await this.ctx.canned.list();
    } catch {
      all = [];
    }
    // The text may have changed while the list was fetched.
    const now = this.input.value.slice(0, this.input.selectionStart ?? 0);
    if (!now.endsWith(`/${match[1]}`)) return;
    this.matches = matchCanned(all, query);
    this.active = 0;
    this.renderPopup(all.length === 0);
  }

  /** @param {boolean} noneDefined */
  renderPopup(noneDefined) {
    this.popup.replaceChildren();
    if (!this.matches.length) {
      this.popup.append(h('li', { class: 'canned-empty muted', text: noneDefined ? 'No canned responses yet.' : 'No canned response matches.' }));
    }
    this.matches.forEach((c, index) => {
      const option = h('li', {
        id: `${this.input.id}-opt-${index}`,
        class: `canned-option${index === this.active ? ' active' : ''}`,
        testid: 'canned-option',
        dataset: { shortcut: c.shortcut },
        attrs: { role: 'option', 'aria-selected': String(index === this.active) },
        on: { mousedown: (/** @type {MouseEvent} */ e) => { e.preventDefault(); this.pick(index); } },
      },
      h('span', { class: 'canned-shortcut', text: `/${c.shortcut}` }),
      h('span', { class: 'canned-title', text: c.title || '' }),
      c.attachments.length
        ? h('span', { class: 'canned-files muted', testid: 'canned-option-files', title: filesInWords(c.attachments) },
          h('span', { class: 'clip-icon', attrs: { 'aria-hidden': 'true' } }),
          h('span', { text: String(c.attachments.length), attrs: { 'aria-hidden': 'true' } }),
          h('span', { class: 'sr-only', text: filesInWords(c.attachments) }))
        : null,
      h('span', { class: 'canned-body muted', text: c.body }));
      this.popup.append(option);
    });
    this.popup.hidden = false;
    if (this.matches.length) this.input.setAttribute('aria-activedescendant', `${this.input.id}-opt-${this.active}`);
    this.popup.querySelector('.active')?.scrollIntoView({ block: 'nearest' });
  }

  closePopup() {
    this.popup.hidden = true;
    this.matches = [];
    this.input.removeAttribute('aria-activedescendant');
  }

  /** @param {KeyboardEvent} e @returns {boolean} whether the popup took the key */
  popupKey(e) {
    const count = this.matches.length;
    if (e.key === 'Escape') {
      e.preventDefault();
      this.closePopup();
      return true;
    }
    if (!count) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : count - 1)) % count;
      this.renderPopup(false);
      return true;
    }
    if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
      e.preventDefault();
      this.pick(this.active);
      return true;
    }
    return false;
  }

  /**
   * Replaces the `/shortcut` typed with the response's text; its files join the reply's, as
   * chips already uploaded.
   * @param {number} index
   */
  pick(index) {
    const chosen = this.matches[index];
    if (!chosen) return;
    const value = this.input.value;
    const caret = this.input.selectionStart ?? value.length;
    const start = this.tokenStart >= 0 ? this.tokenStart : caret;
    this.input.value = value.slice(0, start) + chosen.body + value.slice(caret);
    const at = start + chosen.body.length;
    this.input.setSelectionRange(at, at);
    this.closePopup();
    this.input.focus();
    this.changed();
    this.closePopup();
    if (chosen.attachments.length) this.tray.attach(chosen.attachments);
  }
}
