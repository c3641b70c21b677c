// @ts-check
/**
 * The panel's DOM: built once with createElement, updated from the chat's state. Text is only
 * ever set with textContent (message bodies go through linkify, which does the same). Stable
 * `data-testid`s and ARIA labels are part of the widget's interface for end-to-end tests.
 *
 * Three parts are loaded only when first needed, each a chunk of its own (`import()`): the
 * pre-chat and offline forms (`forms.js`), the rating prompt (`rating.js`), and files
 * (`attachments.js`: the tray of files chosen for the next message, and the files messages
 * carry, shown as a light placeholder until it is there). They import nothing the panel's
 * bundle has (a shared import would become one more chunk for the first open to fetch): they
 * get what they need from the panel in a `Kit`. Of files, the first-open code has only the
 * attach button, the hidden file input, paste and drop, and the drop hint.
 */
import { appendText } from '../../../common/linkify.js';
import { EN, format } from './i18n.js';
import { Limits } from '../../../common/protocol.js';
import { isEmail } from './policy.js';
import { draggingFiles, filesEnabled, filesFrom, pickerAccept } from '../../../common/picking.js';
import { expectedReplyText, queueText } from './waiting.js';

/**
 * @typedef {import('./chat.js').Chat} Chat
 * @typedef {import('./chat.js').Entry} Entry
 * @typedef {{token: string, siteKey: string}} UploadAuth
 *
 * @typedef {object} ViewActions
 * @property {(body: string, files?: import('./chat.js').FileRef[]) => 'queued' | 'empty' | 'too_long'} send
 *   a message, with the files uploaded for it (the body may then be empty)
 * @property {() => (UploadAuth | null | Promise<UploadAuth | null>)} uploadAuth what an
 *   upload is made with (before the first welcome, a promise of it)
 * @property {(text: string) => void} typing
 * @property {() => void} close
 * @property {(email: string, name: string) => Promise<void>} leaveEmail
 * @property {() => Promise<void>} end
 * @property {(email: string) => Promise<string | null>} emailTranscript the conversation by
 *   email (`profile` first when an email is given), resolving with the address
 * @property {() => Promise<void>} loadEarlier
 * @property {(on: boolean) => void} sound
 * @property {(score: number, comment: string) => Promise<void>} rate
 * @property {(form: import('./chat.js').FormAnswers) => Promise<void>} submitForm
 * @property {(erase: () => Promise<boolean>) => Promise<boolean>} forget "Delete my
 *   conversations": the chat and the host page forget the visitor once `erase` resolves true
 *
 * @typedef {object} Kit what a lazily loaded part of the panel is given instead of imports
 * @property {Document} doc
 * @property {typeof el} el builds an element
 * @property {<T extends Element>(node: T, attr: string, key: string) => T} bind shows string
 *   `key` in `node`'s `attr` (or text), in the current language and the next ones
 * @property {() => Record<string, string>} strings the current strings
 * @property {typeof format} format
 * @property {(text: string) => void} announce reads `text` to screen-reader users
 * @property {(text: string) => boolean} isEmail
 * @property {{MAX_BODY_CHARS: number, MAX_COMMENT_CHARS: number}} limits
 * @property {() => string} lang the current language
 * @property {(d: string) => SVGSVGElement} icon a decorative icon drawn by the path `d`
 * @property {string} closeIcon the path of the panel's close (×) icon
 */

const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z',
  send: 'M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z',
  bell: 'M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6V11c0-3.1-1.6-5.6-4.5-6.3V4a1.5 1.5 0 0 0-3 0v.7C7.6 5.4 6 7.9 6 11v5l-2 2v1h16v-1z',
  mail: 'M20 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm0 4-8 5-8-5V6l8 5 8-5z',
  smile: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm-3.5-9A1.5 1.5 0 1 0 8.5 8a1.5 1.5 0 0 0 0 3zm7 0A1.5 1.5 0 1 0 15.5 8a1.5 1.5 0 0 0 0 3zM12 17.5a5.5 5.5 0 0 0 5.1-3.5H6.9a5.5 5.5 0 0 0 5.1 3.5z',
  clip: 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z',
};
/** Site settings that are still the server's English defaults are shown translated. */
const DEFAULT_SETTINGS = {
  title: EN.title,
  greeting: EN.greeting,
  offline_message: EN.email_intro,
};
const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * @param {Document} doc
 * @param {string} tag
 * @param {Record<string, string | boolean>} [attrs] `text` sets textContent, `class` the class
 * @param {(Node | null)[]} children
 * @returns {HTMLElement}
 */
export function el(doc, tag, attrs = {}, ...children) {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'class') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** @param {Document} doc @param {keyof typeof ICONS} name */
function icon(doc, name) {
  return svgIcon(doc, ICONS[name]);
}

/**
 * A decorative 24×24 icon drawn by one path.
 * @param {Document} doc @param {string} d the path
 */
export function svgIcon(doc, d) {
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = doc.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  svg.appendChild(path);
  return svg;
}

/**
 * Accent colour and theme from the site settings, via CSS custom properties (CSSOM, allowed by
 * the panel's CSP) and a `data-theme` attribute.
 * @param {HTMLElement} root
 * @param {Record<string, unknown>} settings
 */
export function applyTheme(root, settings) {
  const color = typeof settings.color === 'string' && HEX_COLOR.test(settings.color) ? settings.color : null;
  if (color) {
    root.style.setProperty('--accent', color);
    root.style.setProperty('--on-accent', isLight(color) ? '#111827' : '#ffffff');
  }
  const mode = settings.dark_mode;
  root.dataset.theme = mode === 'light' || mode === 'dark' ? mode : 'auto';
}

/**
 * The files of a timeline entry: its message's, or the unsent message's.
 * @param {Entry} entry @returns {unknown[]}
 */
function filesOfEntry(entry) {
  const files = entry.message ? /** @type {any} */ (entry.message).attachments : entry.item?.attachments;
  return Array.isArray(files) ? files : [];
}

/** Emoji and what joins or modifies them (skin tones, ZWJ, flags' letters, keycaps); no digits. */
const EMOJI_ONLY = /^[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u200d\ufe0f\u20e3\s]+$/u;

/**
 * Whether a message is one to three emoji and nothing else (shown larger). Counted as the
 * reader sees them: 👨‍👩‍👧 or 🇫🇷 is one.
 * @param {string} text
 */
export function emojiOnly(text) {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > 40 || !EMOJI_ONLY.test(trimmed)) return false;
  const words = trimmed.replace(/\s+/g, '');
  const count = typeof Intl.Segmenter === 'function'
    ? [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(words)].length
    : Array.from(words).length;
  return count <= 3;
}

/** @param {string} hex */
function isLight(hex) {
  const full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, (c) => c + c) : hex;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  const lin = (/** @type {number} */ c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b) > 0.45;
}

/**
 * @param {Document} doc
 * @param {ViewActions} actions
 */
export function createView(doc, actions) {
  /** @type {Record<string, string>} */
  let t = { ...EN };
  let lang = 'en';
  /** @type {Record<string, unknown>} */
  let settings = {};
  /** @type {Array<[Element, string, string]>} element, attribute (or 'text'), string key */
  const bindings = [];
  /**
   * Shows string `key` in `node`'s `attr` (or text), and remembers it for when the language
   * changes.
   * @template {Element} T
   * @param {T} node @param {string} attr @param {string} key
   * @returns {T}
   */
  const bind = (node, attr, key) => {
    bindings.push([node, attr, key]);
    showString(node, attr, key);
    return node;
  };
  /** @param {Element} node @param {string} attr @param {string} key */
  const showString = (node, attr, key) => {
    if (attr === 'text') node.textContent = t[key];
    else node.setAttribute(attr, t[key]);
  };

  // --- header
  const title = el(doc, 'h1', { id: 'parley-title', class: 'title', 'data-testid': 'parley-title' });
  const statusText = el(doc, 'span', { class: 'status-text' });
  const status = el(doc, 'p', { class: 'status', 'data-testid': 'parley-status' }, el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), statusText);
  const expected = el(doc, 'p', { class: 'expected', 'data-testid': 'parley-expected', hidden: true });
  // The agent the conversation is assigned to: picture (or initial) and name.
  const assigneeName = el(doc, 'span', { class: 'assignee-name', 'data-testid': 'parley-assignee-name' });
  const assignee = el(doc, 'p', { class: 'assignee', 'data-testid': 'parley-assignee', hidden: true }, assigneeName);
  let assigneeSig = '';
  const soundButton = el(doc, 'button', { type: 'button', class: 'icon', 'data-testid': 'parley-sound', 'aria-pressed': 'false' }, icon(doc, 'bell'));
  // Words, not an icon: a round "−" read as "minimise", and visitors ended chats by mistake.
  const endButton = bind(el(doc, 'button', { type: 'button', class: 'end-chat', 'data-testid': 'parley-end', hidden: true }), 'text', 'end');
  bind(endButton, 'aria-label', 'end');
  const transcriptButton = bind(el(doc, 'button', { type: 'button', class: 'icon', 'data-testid': 'parley-transcript', hidden: true }, icon(doc, 'mail')), 'aria-label', 'transcript');
  transcriptButton.setAttribute('title', t.transcript);
  bindings.push([transcriptButton, 'title', 'transcript']);
  const closeButton = bind(el(doc, 'button', { type: 'button', class: 'icon', 'data-testid': 'parley-close' }, icon(doc, 'close')), 'aria-label', 'close');
  const header = el(doc, 'header', { class: 'head' }, el(doc, 'div', { class: 'head-main' }, title, assignee, status, expected), el(doc, 'div', { class: 'head-actions' }, soundButton, transcriptButton, endButton, closeButton));

  const confirmYes = bind(el(doc, 'button', { type: 'button', class: 'danger', 'data-testid': 'parley-end-confirm' }), 'text', 'end_yes');
  const confirmNo = bind(el(doc, 'button', { type: 'button', class: 'plain', 'data-testid': 'parley-end-cancel' }), 'text', 'end_no');
  const confirmBar = el(doc, 'div', { class: 'confirm', role: 'group', 'data-testid': 'parley-end-bar', hidden: true },
    bind(el(doc, 'p'), 'text', 'end_confirm'), confirmYes, confirmNo);
  const banner = el(doc, 'p', { class: 'banner', role: 'status', 'data-testid': 'parley-connection', hidden: true });

  // --- messages
  const earlier = bind(el(doc, 'button', { type: 'button', class: 'earlier', 'data-testid': 'parley-earlier', hidden: true }), 'text', 'earlier');
  const greeting = el(doc, 'p', { class: 'greeting', 'data-testid': 'parley-greeting' });
  const proactiveSlot = el(doc, 'div', { class: 'slot', hidden: true });
  const list = bind(el(doc, 'ol', { class: 'messages', 'data-testid': 'parley-messages' }), 'aria-label', 'messages');
  const typingLine = el(doc, 'p', { class: 'typing', 'data-testid': 'parley-typing', hidden: true });
  const endedLine = bind(el(doc, 'p', { class: 'ended', 'data-testid': 'parley-ended', hidden: true }), 'text', 'ended');

  // --- where the lazily loaded parts go: the rating prompt (a resolved conversation), the
  // pre-chat or offline form (before the first message)
  const ratingSlot = el(doc, 'div', { class: 'slot' });
  const ratingThanks = bind(el(doc, 'p', { class: 'rating-thanks', 'data-testid': 'parley-rating-thanks', hidden: true }), 'text', 'rating_thanks');
  const formSlot = el(doc, 'div', { class: 'slot', hidden: true });
  // "Delete my conversations": the entry is here, its confirmation a chunk loaded at its click.
  const forgetButton = bind(el(doc, 'button', { type: 'button', class: 'link forget', 'data-testid': 'parley-forget', hidden: true }), 'text', 'forget');
  const forgetSlot = el(doc, 'div', { class: 'slot' });
  const scroller = el(doc, 'div', { class: 'scroll', 'data-testid': 'parley-scroll' }, earlier, greeting, proactiveSlot, list, typingLine, endedLine, ratingSlot, ratingThanks, formSlot, forgetButton, forgetSlot);
  const queueLine = el(doc, 'p', { class: 'queue', role: 'status', 'data-testid': 'parley-queue', hidden: true });

  // --- email form (no agent online)
  const emailIntro = el(doc, 'p', { id: 'parley-email-intro', class: 'email-intro', 'data-testid': 'parley-email-intro' });
  const emailInput = /** @type {HTMLInputElement} */ (el(doc, 'input', { type: 'email', name: 'email', required: true, autocomplete: 'email', 'aria-describedby': 'parley-email-intro', 'data-testid': 'parley-email-input' }));
  const nameInput = /** @type {HTMLInputElement} */ (el(doc, 'input', { type: 'text', name: 'name', autocomplete: 'name', maxlength: '200', 'data-testid': 'parley-name-input' }));
  const emailError = el(doc, 'p', { class: 'error', role: 'alert', hidden: true });
  const emailSubmit = el(doc, 'button', { type: 'submit', class: 'primary', 'data-testid': 'parley-email-submit' });
  // The same form asks for the address a transcript goes to, when none is known.
  const transcriptCancel = bind(el(doc, 'button', { type: 'button', class: 'plain', 'data-testid': 'parley-transcript-cancel', hidden: true }), 'text', 'end_no');
  const nameLabel = el(doc, 'label', {}, bind(el(doc, 'span'), 'text', 'name_label'), nameInput);
  const emailForm = el(doc, 'form', { class: 'email', 'data-testid': 'parley-email-form', novalidate: true, hidden: true },
    emailIntro,
    el(doc, 'label', {}, bind(el(doc, 'span'), 'text', 'email_label'), emailInput),
    nameLabel,
    emailError,
    el(doc, 'div', { class: 'email-actions' }, emailSubmit, transcriptCancel));
  // Nobody available in a conversation going on: a line, not the email form, so the thread and
  // the composer stay as they are; the form comes only when the visitor asks for it.
  const awayEmail = bind(el(doc, 'button', { type: 'button', class: 'link', 'data-testid': 'parley-away-email' }), 'text', 'away_email');
  const awayNote = el(doc, 'p', { class: 'away', role: 'status', 'data-testid': 'parley-away', hidden: true }, bind(el(doc, 'span'), 'text', 'away_note'), doc.createTextNode(' '), awayEmail);
  const emailDone = el(doc, 'p', { class: 'email-done', role: 'status', 'data-testid': 'parley-email-done', hidden: true });
  const transcriptDone = el(doc, 'p', { class: 'email-done', role: 'status', 'data-testid': 'parley-transcript-done', hidden: true });

  // --- composer
  const notice = bind(el(doc, 'p', { class: 'notice', 'data-testid': 'parley-preview-notice', hidden: true }), 'text', 'preview_notice');
  const composer = /** @type {HTMLTextAreaElement} */ (el(doc, 'textarea', { rows: '1', 'data-testid': 'parley-composer', enterkeyhint: 'send' }));
  bind(composer, 'aria-label', 'composer');
  bind(composer, 'placeholder', 'placeholder');
  const sendButton = bind(el(doc, 'button', { type: 'submit', class: 'send', 'data-testid': 'parley-send' }, icon(doc, 'send')), 'aria-label', 'send');
  const composerError = el(doc, 'p', { class: 'error', role: 'alert', 'data-testid': 'parley-composer-error', hidden: true });
  // Files: the button opens the picker (a hidden input, in this bundle so that the click that
  // opens it is the visitor's own); the tray of chosen files comes with the attachments chunk.
  const attachButton = bind(el(doc, 'button', { type: 'button', class: 'icon attach', 'data-testid': 'parley-attach' }, icon(doc, 'clip')), 'aria-label', 'attach');
  bind(attachButton, 'title', 'attach');
  const fileInput = /** @type {HTMLInputElement} */ (el(doc, 'input', { type: 'file', multiple: true, hidden: true, tabindex: '-1', 'aria-hidden': 'true', 'data-testid': 'parley-file-input' }));
  const traySlot = el(doc, 'div', { class: 'tray-slot' });
  // Emoji: the button is here, the picker's code is a chunk loaded at its first click.
  const emojiButton = bind(el(doc, 'button', { type: 'button', class: 'icon emoji', 'data-testid': 'parley-emoji', 'aria-expanded': 'false', 'aria-controls': 'parley-emoji-picker' }, icon(doc, 'smile')), 'aria-label', 'emoji');
  bind(emojiButton, 'title', 'emoji');
  const emojiSlot = el(doc, 'div', { class: 'emoji-slot' });
  const composerForm = el(doc, 'form', { class: 'composer', 'data-testid': 'parley-composer-form' }, emojiSlot, traySlot, attachButton, emojiButton, fileInput, composer, sendButton);
  const live = el(doc, 'div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'parley-live' });
  const dropHint = bind(el(doc, 'div', { class: 'drop-hint', 'data-testid': 'parley-drop-hint', hidden: true }), 'text', 'files_drop');

  const panel = el(doc, 'main', { class: 'panel', role: 'dialog', 'aria-labelledby': 'parley-title', 'data-testid': 'parley-panel' },
    header, confirmBar, banner, scroller, queueLine, awayNote, emailForm, emailDone, transcriptDone, notice, composerForm, composerError, live, dropHint);

  /** @type {Map<string, {node: HTMLElement, sig: string}>} */
  const nodes = new Map();
  let soundOn = false;
  let lastEmail = '';
  /** scroll to the newest message at the next render (first render, own message sent) */
  let stickToBottom = true;
  /** @type {Chat | null} */
  let chat = null;
  /** @type {import('./policy.js').Step | null} the step the last render showed */
  let shownStep = null;
  /** move the focus into the form once it is there (it may still be loading) */
  let focusForm = false;
  /** move the focus to the email input once the email form is shown */
  let focusEmail = false;
  /** the email form asks where the transcript goes (no email known) */
  let askTranscript = false;
  /** the visitor asked for the email form from the "we're away" line */
  let awayEmailWanted = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} hides "Sent to …" */
  let transcriptTimer;

  /** @type {Kit} */
  const kit = {
    doc,
    el,
    bind,
    strings: () => t,
    format,
    announce: (text) => {
      live.textContent = text;
    },
    isEmail,
    limits: Limits,
    lang: () => lang,
    icon: (d) => svgIcon(doc, d),
    closeIcon: ICONS.close,
  };
  const lazy = {
    rating: lazily(() => import('./rating.js'), rerender),
    forms: lazily(() => import('./forms.js'), rerender),
    attachments: lazily(() => import('./attachments.js'), () => {
      takeFiles([]);
      rerender();
    }),
    emoji: lazily(() => import('./emoji.js'), () => toggleEmoji()),
    proactive: lazily(() => import('./proactive.js'), rerender),
    forget: lazily(() => import('./forget.js'), openForget),
  };
  /** the proactive message drawn in `proactiveSlot`: its rule id and agent */
  let proactiveSig = '';
  /** @type {ReturnType<import('./emoji.js').createPicker> | null} */
  let picker = null;
  /** @type {ReturnType<import('./attachments.js').createTray> | null} */
  let tray = null;
  /** files chosen before the attachments chunk was there */
  /** @type {File[]} */
  const chosen = [];
  /** the composer's error is about files (it goes once they are ready) */
  let filesError = false;
  /** nested dragenter/dragleave pairs over the panel */
  let dragDepth = 0;
  /** @type {ReturnType<import('./rating.js').createRating> | null} */
  let rating = null;
  /** @type {ReturnType<import('./forms.js').createForm> | null} */
  let form = null;
  /** @type {ReturnType<import('./forget.js').createForget> | null} */
  let forget = null;
  /** the confirmation of "Delete my conversations" is shown */
  let forgetting = false;

  // --- behaviour
  composerForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitComposer();
  });
  composer.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    }
  });
  composer.addEventListener('input', () => {
    composerError.hidden = true;
    fitComposer();
    actions.typing(composer.value);
  });
  composer.addEventListener('blur', () => actions.typing(''));
  attachButton.addEventListener('click', () => fileInput.click());
  emojiButton.addEventListener('click', () => {
    if (lazy.emoji.get()) toggleEmoji();
    else lazy.emoji.load();
  });
  fileInput.addEventListener('change', () => {
    takeFiles(Array.from(fileInput.files ?? []));
    fileInput.value = '';
  });
  // A pasted screenshot or file is attached; a paste with text in it pastes the text.
  composer.addEventListener('paste', (event) => {
    const files = filesFrom(event.clipboardData, { textWins: true });
    if (!files.length || !filesEnabled(settings)) return;
    event.preventDefault();
    takeFiles(files);
  });
  // Files dragged over the panel: the drop hint shows (and their code starts loading). A file
  // dropped on a site that takes none is refused rather than opened in the frame.
  /** @param {DragEvent} event */
  const dragging = (event) => {
    if (!draggingFiles(event.dataTransfer)) return;
    event.preventDefault();
    if (!filesEnabled(settings)) {
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
      return;
    }
    if (event.type === 'dragenter') {
      dragDepth++;
      dropHint.hidden = false;
      lazy.attachments.load();
    }
  };
  panel.addEventListener('dragenter', dragging);
  panel.addEventListener('dragover', dragging);
  panel.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropHint.hidden = true;
  });
  panel.addEventListener('drop', (event) => {
    dragDepth = 0;
    dropHint.hidden = true;
    if (!draggingFiles(event.dataTransfer)) return;
    event.preventDefault();
    takeFiles(filesFrom(event.dataTransfer));
  });
  closeButton.addEventListener('click', () => actions.close());
  soundButton.addEventListener('click', () => {
    soundOn = !soundOn;
    renderSound();
    actions.sound(soundOn);
  });
  endButton.addEventListener('click', () => {
    confirmBar.hidden = false;
    confirmYes.focus();
  });
  confirmNo.addEventListener('click', () => {
    confirmBar.hidden = true;
    endButton.focus();
  });
  confirmYes.addEventListener('click', () => {
    confirmBar.hidden = true;
    actions.end().then(() => composer.focus(), () => {});
  });
  forgetButton.addEventListener('click', () => (lazy.forget.get() ? openForget() : lazy.forget.load()));
  earlier.addEventListener('click', () => {
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    actions.loadEarlier().then(() => {
      scroller.scrollTop = scroller.scrollHeight - fromBottom;
    }, () => {});
  });
  transcriptButton.addEventListener('click', () => {
    requestTranscript('');
  });
  awayEmail.addEventListener('click', () => {
    awayEmailWanted = true;
    focusEmail = true;
    rerender();
  });
  transcriptCancel.addEventListener('click', () => {
    askTranscript = false;
    emailError.hidden = true;
    rerender();
    transcriptButton.focus();
  });
  emailForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!isEmail(email)) {
      showError(emailError, t.email_invalid);
      emailInput.focus();
      return;
    }
    emailError.hidden = true;
    emailSubmit.setAttribute('disabled', '');
    if (askTranscript) {
      requestTranscript(email).then(() => emailSubmit.removeAttribute('disabled'));
      return;
    }
    actions.leaveEmail(email, nameInput.value.trim()).then(
      () => {
        lastEmail = email;
        emailSubmit.removeAttribute('disabled');
        if (chat) render(chat);
      },
      () => {
        emailSubmit.removeAttribute('disabled');
        showError(emailError, t.unavailable);
      },
    );
  });

  /**
   * Shows the prompt while the chat asks for a rating (loading its code the first time), the
   * thanks once given. Focus inside a prompt that goes away moves to the composer.
   * @param {'ask' | 'thanks' | null} asked
   */
  function renderRating(asked) {
    const asking = asked === 'ask';
    ratingThanks.hidden = asked !== 'thanks';
    if (!rating) {
      const loaded = asking ? lazy.rating.get() : null;
      if (!loaded) {
        if (asking) lazy.rating.load();
        return;
      }
      rating = loaded.createRating(kit, { rate: actions.rate });
      ratingSlot.appendChild(rating.element);
    }
    if (!asking && rating.element.contains(doc.activeElement)) composer.focus();
    rating.show(asking);
  }

  /**
   * The pre-chat or offline form, instead of the composer, while the chat needs one (its code
   * loaded the first time). The email step uses the email form below the timeline.
   * @param {Chat} state
   */
  function renderStep(state) {
    const step = state.step();
    const spec = state.form();
    // A send refused for a missing step (`conflict`) while the visitor was writing: go there.
    if (step !== null && step !== shownStep && doc.activeElement === composer) focusStep(step);
    shownStep = step;
    formSlot.hidden = !spec;
    composerForm.hidden = !!spec;
    if (!spec) {
      if (form && form.element.contains(doc.activeElement)) composer.focus();
      return;
    }
    composerError.hidden = true;
    if (!form) {
      const loaded = lazy.forms.get();
      if (!loaded) {
        lazy.forms.load();
        return;
      }
      form = loaded.createForm(kit, { submit: actions.submitForm });
      formSlot.appendChild(form.element);
    }
    form.update(spec, { intro: spec.step === 'offline' ? setting('offline_message') : t.prechat_intro, lang });
    if (focusForm) {
      focusForm = false;
      form.focusFirst();
    }
  }

  function rerender() {
    if (chat) render(chat);
  }

  /** Shows the confirmation of "Delete my conversations" (made the first time). */
  function openForget() {
    const loaded = lazy.forget.get();
    if (!loaded) return;
    if (!forget) {
      forget = loaded.createForget(kit, {
        auth: actions.uploadAuth,
        forget: actions.forget,
        closed: (done) => {
          forgetting = false;
          rerender();
          (done ? composer : forgetButton).focus();
        },
      });
      forgetSlot.appendChild(forget.element);
    }
    forgetting = true;
    rerender();
    forget.open();
  }

  /**
   * Emails the conversation to the visitor: at once when their address is known (or `email`,
   * just typed, is given), else the email form asks for it first. Never rejects.
   * @param {string} email
   */
  function requestTranscript(email) {
    if (!chat) return Promise.resolve();
    if (!email && !chat.profile.email) {
      askTranscript = true;
      focusEmail = true;
      rerender();
      return Promise.resolve();
    }
    transcriptButton.setAttribute('disabled', '');
    return actions.emailTranscript(email).then(
      (to) => {
        transcriptButton.removeAttribute('disabled');
        const inForm = emailForm.contains(doc.activeElement);
        askTranscript = false;
        showTranscriptDone(format(t.transcript_sent, { email: to || email }));
        rerender();
        if (inForm) transcriptButton.focus();
      },
      (/** @type {any} */ err) => {
        transcriptButton.removeAttribute('disabled');
        if (!email && err && err.code === 'conflict') {
          // The server knows no address after all: ask for it.
          askTranscript = true;
          focusEmail = true;
          rerender();
        } else if (askTranscript) {
          showError(emailError, t.transcript_failed);
        } else {
          showTranscriptDone(t.transcript_failed);
        }
      },
    );
  }

  /** @param {string} text shown (and read) for a few seconds */
  function showTranscriptDone(text) {
    transcriptDone.textContent = text;
    transcriptDone.hidden = false;
    clearTimeout(transcriptTimer);
    transcriptTimer = setTimeout(() => {
      transcriptDone.hidden = true;
    }, 8000);
  }

  /** The email form's intro and button: for a transcript, the email step, or nobody online. */
  function renderEmailForm() {
    emailIntro.textContent = askTranscript ? t.transcript_ask : shownStep === 'email' ? t.email_first : setting('offline_message');
    emailSubmit.textContent = askTranscript ? t.transcript_send : t.email_submit;
    nameLabel.hidden = askTranscript;
    transcriptCancel.hidden = !askTranscript;
  }

  /**
   * Moves the focus to what the visitor must do before the message goes: the email input, or
   * the form's first control (once the form is there).
   * @param {import('./policy.js').Step} step
   */
  function focusStep(step) {
    if (step !== 'email') focusForm = true;
    else if (!emailForm.hidden) emailInput.focus();
    else focusEmail = true;
  }

  /**
   * Files chosen, pasted or dropped go to the tray (whose code is loaded the first time; they
   * wait meanwhile). Nothing when the site takes no files.
   * @param {File[]} files
   */
  function takeFiles(files) {
    if (!filesEnabled(settings)) {
      chosen.length = 0;
      return;
    }
    chosen.push(...files);
    if (!tray) {
      const loaded = lazy.attachments.get();
      if (!loaded) {
        if (chosen.length) lazy.attachments.load();
        return;
      }
      tray = loaded.createTray(kit, { auth: actions.uploadAuth, changed: trayChanged, focusComposer: () => composer.focus() });
      traySlot.appendChild(tray.element);
    }
    if (chosen.length) tray.add(chosen.splice(0));
  }

  /** The files' uploads moved on: a "wait for your files" shown before may be over. */
  function trayChanged() {
    if (filesError && tray && (tray.state() === 'ready' || tray.state() === 'empty')) {
      composerError.hidden = true;
      filesError = false;
    }
  }

  function submitComposer() {
    /** @type {import('./chat.js').FileRef[]} */
    let files = [];
    const state = tray ? tray.state() : chosen.length ? 'busy' : 'empty';
    // Files chosen while their code could not be had (the server was away): ask again.
    if (!tray && chosen.length) lazy.attachments.load();
    if (state === 'busy' || state === 'blocked') {
      showError(composerError, state === 'busy' ? t.files_wait : t.files_blocked);
      filesError = true;
      return;
    }
    if (tray && state === 'ready') files = tray.attachments();
    const result = actions.send(composer.value, files);
    if (result === 'too_long') {
      showError(composerError, format(t.too_long, { max: Limits.MAX_BODY_CHARS }));
      return;
    }
    if (result === 'queued') {
      tray?.clear();
      composer.value = '';
      fitComposer();
      stickToBottom = true;
      // The message waits for a step: the visitor is taken to it.
      const step = chat?.step();
      if (step) focusStep(step);
    }
  }

  /** Opens the emoji picker (made the first time), or closes it. */
  function toggleEmoji() {
    const loaded = lazy.emoji.get();
    if (!loaded) return;
    if (!picker) {
      picker = loaded.createPicker(kit, {
        insert: insertEmoji,
        closed: () => {
          emojiButton.setAttribute('aria-expanded', 'false');
          emojiButton.focus();
        },
      });
      emojiSlot.appendChild(picker.element);
    }
    if (picker.isOpen()) picker.close();
    else picker.open();
    emojiButton.setAttribute('aria-expanded', String(picker.isOpen()));
  }

  /**
   * Puts `emoji` where the caret was in the composer (replacing a selection), closes the
   * picker and gives the focus back to the composer, as if the visitor had typed it.
   * @param {string} emoji
   */
  function insertEmoji(emoji) {
    const start = composer.selectionStart ?? composer.value.length;
    composer.setRangeText(emoji, start, composer.selectionEnd ?? start, 'end');
    picker?.close();
    emojiButton.setAttribute('aria-expanded', 'false');
    composer.focus();
    fitComposer();
    actions.typing(composer.value);
  }

  function fitComposer() {
    composer.style.height = 'auto';
    composer.style.height = `${Math.min(composer.scrollHeight, 140)}px`;
  }

  /** @param {HTMLElement} node @param {string} text */
  function showError(node, text) {
    node.textContent = text;
    node.hidden = false;
  }

  function renderSound() {
    soundButton.setAttribute('aria-pressed', String(soundOn));
    soundButton.setAttribute('aria-label', soundOn ? t.sound_off : t.sound_on);
    soundButton.setAttribute('title', soundOn ? t.sound_off : t.sound_on);
  }

  /** @param {string} key */
  function setting(key) {
    const value = settings[key];
    if (typeof value !== 'string' || !value.trim()) return t[key === 'offline_message' ? 'email_intro' : key];
    if (value === DEFAULT_SETTINGS[/** @type {keyof typeof DEFAULT_SETTINGS} */ (key)]) {
      return t[key === 'offline_message' ? 'email_intro' : key];
    }
    return value;
  }

  function applyStrings() {
    for (const [node, attr, key] of bindings) showString(node, attr, key);
    renderSound();
    rating?.relabel();
    tray?.relabel();
    title.textContent = setting('title');
    greeting.textContent = setting('greeting');
    renderEmailForm();
    doc.documentElement.lang = lang;
  }

  // --- rendering from chat state

  /** @param {Chat} state */
  function render(state) {
    chat = state;
    // Measured before anything below changes the layout (a line shown shrinks the thread).
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    const online = state.available;
    const stopped = state.status === 'stopped';
    const connected = state.status === 'online';
    statusText.textContent = statusLine(state.status, online);
    status.dataset.connection = state.status;
    status.classList.toggle('online', online && connected);
    const expectedText = online && connected ? expectedReplyText(t, state.expectedReplyS) : null;
    expected.hidden = !expectedText;
    expected.textContent = expectedText ?? '';

    banner.hidden = !(state.status === 'reconnecting' || stopped);
    banner.textContent = stopped ? t.unavailable : t.reconnecting;

    const c = state.conversation;
    const resolved = !!c && c.status === 'resolved';
    endButton.hidden = !c || resolved || state.status !== 'online';
    if (endButton.hidden) confirmBar.hidden = true;
    transcriptButton.hidden = !state.canEmailTranscript() || state.status !== 'online';
    if (transcriptButton.hidden) askTranscript = false;
    endedLine.hidden = !resolved;
    // The entry while there is a conversation; its line "deleted" until another one starts.
    forgetButton.hidden = !c || forgetting;
    forgetSlot.hidden = !!c && !forgetting;
    earlier.hidden = !state.more;
    renderTyping(state.agentTyping);
    renderAssignee(c ? c.assignee : null);
    renderProactive(c && c.status === 'open' ? null : state.proactive);

    const waiting = c && c.status === 'open' ? queueText(t, state.queuePosition) : null;
    queueLine.hidden = !waiting;
    if (queueLine.textContent !== (waiting ?? '')) queueLine.textContent = waiting ?? '';

    renderStep(state);
    const offline = state.status === 'online' && !online;
    const away = offline && !!c && c.status === 'open' && shownStep !== 'email' && formSlot.hidden;
    if (!away) awayEmailWanted = false;
    awayNote.hidden = !away;
    awayEmail.hidden = state.emailKnown() || awayEmailWanted;
    emailForm.hidden = !askTranscript && (!offline || state.emailKnown() || !formSlot.hidden || (away && !awayEmailWanted));
    renderEmailForm();
    if (focusEmail && !emailForm.hidden) emailInput.focus();
    focusEmail = false;
    emailDone.hidden = !(state.emailGiven && lastEmail);
    emailDone.textContent = lastEmail ? format(t.email_thanks, { email: lastEmail }) : '';
    notice.hidden = state.settings.draft_preview !== true;
    composer.disabled = stopped;
    sendButton.toggleAttribute('disabled', stopped);
    attachButton.toggleAttribute('disabled', stopped);
    emojiButton.toggleAttribute('disabled', stopped);

    renderRating(state.rating());
    renderEntries(state.entries());
    if (nearBottom || stickToBottom) scroller.scrollTop = scroller.scrollHeight;
    stickToBottom = false;
  }

  /**
   * The header's status line: the connection's state while it is down (the availability an
   * earlier welcome gave may be stale), else who can answer.
   * @param {string} connection @param {boolean} online
   */
  function statusLine(connection, online) {
    if (connection === 'stopped') return t.unavailable;
    if (connection === 'reconnecting') return t.status_reconnecting;
    return online ? t.online : t.offline;
  }

  /**
   * The assignee in the header, redrawn only when its name or picture changes.
   * @param {{name: string, avatar_url: string | null} | null} agent
   */
  function renderAssignee(agent) {
    const sig = agent ? `${agent.name}|${agent.avatar_url ?? ''}` : '';
    if (sig === assigneeSig) return;
    assigneeSig = sig;
    assignee.hidden = !agent;
    assignee.replaceChildren();
    if (!agent) return;
    assignee.appendChild(avatar(agent.name, agent.avatar_url, 'parley-assignee-avatar'));
    assigneeName.textContent = agent.name;
    assignee.appendChild(assigneeName);
  }

  /**
   * The site's proactive message, in place of the greeting, while no conversation goes on
   * (drawn by its chunk, loaded the first time; read once to screen-reader users).
   * @param {import('./chat.js').Proactive | null} p
   */
  function renderProactive(p) {
    const loaded = p ? lazy.proactive.get() : null;
    if (p && !loaded) lazy.proactive.load();
    const sig = p && loaded ? `${p.id}|${p.agent?.name ?? ''}|${p.agent?.avatar_url ?? ''}|${lang}` : '';
    greeting.hidden = !!p;
    if (sig === proactiveSig) return;
    const announced = proactiveSig.split('|')[0];
    proactiveSig = sig;
    proactiveSlot.hidden = !sig;
    proactiveSlot.replaceChildren();
    if (!p || !loaded) return;
    const name = p.agent?.name || t.support;
    proactiveSlot.appendChild(loaded.renderProactive(kit, { message: p.message, name, picture: avatar(name, p.agent?.avatar_url ?? null, 'parley-avatar') }));
    if (announced !== p.id) kit.announce(format(t.new_message, { name, text: p.message }));
  }

  /**
   * An agent's picture, round, or the initial of its name in a circle; decorative (the name is
   * beside it).
   * @param {string} name @param {string | null} url @param {string} testid
   */
  function avatar(name, url, testid) {
    if (url) return el(doc, 'img', { class: 'avatar', src: url, alt: '', 'data-testid': testid });
    const initial = Array.from(name.trim())[0]?.toLocaleUpperCase() ?? '?';
    return el(doc, 'span', { class: 'avatar initial', 'aria-hidden': 'true', 'data-testid': testid, text: initial });
  }

  /**
   * The picture beside a reply: the assignee's for its replies (known by name: the visitor's
   * view of the assignee has no id), none for others.
   * @param {import('../../../common/protocol.js').Message} m
   */
  function pictureOf(m) {
    const agent = chat?.conversation?.assignee;
    return agent && m.author.kind === 'agent' && m.author.name === agent.name ? agent.avatar_url : null;
  }

  /** @param {string | null} name */
  function renderTyping(name) {
    typingLine.hidden = name === null;
    typingLine.textContent = name ? format(t.typing, { name }) : t.typing_anonymous;
  }

  /** Keyed update: nodes are reused by key, re-rendered when their signature changes, and put in order. */
  /** @param {Entry[]} entries */
  function renderEntries(entries) {
    const keep = new Set();
    /** @type {ChildNode | null} */
    let cursor = list.firstChild;
    let previousAuthor = '';
    for (const entry of entries) {
      const author = authorKey(entry);
      const showAuthor = !entry.mine && entry.message?.kind !== 'event' && author !== previousAuthor;
      previousAuthor = author;
      const files = filesOfEntry(entry).length > 0;
      // Files are drawn again once their code is there (a placeholder until then).
      const picture = showAuthor && entry.message ? pictureOf(entry.message) : null;
      const sig = `${entry.state}|${entry.message?.seq ?? ''}|${showAuthor}|${lang}|${files && !!lazy.attachments.get()}|${picture ?? ''}`;
      let slot = nodes.get(entry.key);
      if (!slot) {
        slot = { node: el(doc, 'li'), sig: '' };
        nodes.set(entry.key, slot);
      }
      if (slot.sig !== sig) {
        fillEntry(slot.node, entry, showAuthor);
        slot.sig = sig;
      }
      keep.add(entry.key);
      if (slot.node !== cursor) list.insertBefore(slot.node, cursor);
      else cursor = cursor.nextSibling;
    }
    for (const [key, slot] of nodes) {
      if (keep.has(key)) continue;
      slot.node.remove();
      nodes.delete(key);
    }
  }

  /** @param {Entry} entry */
  function authorKey(entry) {
    if (entry.mine) return 'visitor';
    const a = entry.message?.author;
    return `${a?.kind}:${a?.id ?? ''}`;
  }

  /** @param {HTMLElement} li @param {Entry} entry @param {boolean} showAuthor */
  function fillEntry(li, entry, showAuthor) {
    const m = entry.message;
    const body = m ? m.body : entry.item?.body ?? '';
    const at = m ? m.created_at : entry.item?.created_at ?? '';
    const kind = m?.kind === 'event' ? 'event' : entry.mine ? 'mine' : 'theirs';
    li.replaceChildren();
    li.className = `msg ${kind}`;
    li.setAttribute('data-testid', 'parley-message');
    li.setAttribute('data-author', m ? m.author.kind : 'visitor');
    setData(li, 'seq', m ? String(m.seq) : null);
    setData(li, 'state', entry.state);
    setData(li, 'client-msg-id', m ? m.client_msg_id : entry.item?.client_msg_id ?? null);
    if (showAuthor && m) {
      const name = m.author.name || t.support;
      const author = el(doc, 'span', { class: 'author', text: name });
      // An agent's picture (or initial) beside its name.
      li.appendChild(m.author.kind === 'agent' ? el(doc, 'div', { class: 'byline' }, avatar(name, pictureOf(m), 'parley-avatar'), author) : author);
    }
    const files = filesOfEntry(entry);
    if (body || !files.length) {
      const bubble = el(doc, 'div', { class: emojiOnly(body) ? 'bubble jumbo' : 'bubble' });
      appendText(doc, bubble, body);
      li.appendChild(bubble);
    }
    if (kind === 'event') return;
    if (files.length) li.appendChild(filesNode(files));
    const meta = el(doc, 'span', { class: 'meta' });
    const time = el(doc, 'time', { datetime: at, text: formatTime(at) });
    meta.appendChild(time);
    if (entry.state) {
      meta.appendChild(doc.createTextNode(' · '));
      meta.appendChild(el(doc, 'span', { class: `state ${entry.state}`, 'data-testid': 'parley-message-state', text: t[entry.state] }));
    }
    li.appendChild(meta);
  }

  /**
   * A message's files (or an unsent one's): drawn by the attachments chunk, or, until it is
   * loaded (which this asks for), their names as plain text.
   * @param {unknown[]} files
   */
  function filesNode(files) {
    const loaded = lazy.attachments.get();
    if (loaded) return loaded.renderFiles(kit, files, { grown: keepBottom });
    lazy.attachments.load();
    const names = files.map((f) => String(/** @type {any} */ (f)?.name ?? '')).join(', ');
    return el(doc, 'p', { class: 'files-loading', 'data-testid': 'parley-files-loading', text: names });
  }

  /** A picture loaded above the bottom of the list: the newest message stays in view. @param {number} px */
  function keepBottom(px) {
    if (scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight - px < 80) scroller.scrollTop = scroller.scrollHeight;
  }

  /** @param {HTMLElement} node @param {string} name @param {string | null} value */
  function setData(node, name, value) {
    if (value === null) node.removeAttribute(`data-${name}`);
    else node.setAttribute(`data-${name}`, value);
  }

  /** @param {string} iso */
  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const today = new Date().toDateString() === date.toDateString();
    try {
      return new Intl.DateTimeFormat(lang, today ? { hour: '2-digit', minute: '2-digit' } : { dateStyle: 'short', timeStyle: 'short' }).format(date);
    } catch {
      return date.toLocaleTimeString();
    }
  }

  applyStrings();

  return {
    element: panel,
    composer,
    render,
    /** @param {Record<string, string>} strings @param {string} language */
    setStrings(strings, language) {
      t = strings;
      lang = language;
      applyStrings();
      if (chat) render(chat);
    },
    /** @param {Record<string, unknown>} next */
    setSettings(next) {
      settings = next;
      applyTheme(doc.documentElement, next);
      attachButton.hidden = !filesEnabled(next);
      fileInput.accept = pickerAccept(next);
      applyStrings();
    },
    /** @param {boolean} on */
    setSound(on) {
      soundOn = on;
      renderSound();
    },
    /** Reads a new message to screen-reader users. @param {string} text */
    announce(text) {
      live.textContent = text;
    },
    focusComposer() {
      if (!formSlot.hidden) {
        focusForm = true;
        if (form) {
          focusForm = false;
          form.focusFirst();
        }
      } else if (!composer.disabled) composer.focus();
      else closeButton.focus();
    },
    /** The panel was shown: the newest messages are in view. */
    shown() {
      scroller.scrollTop = scroller.scrollHeight;
    },
  };
}

/**
 * A module loaded once, when first asked for: `get()` is null until a `load()` has brought it,
 * then `loaded()` is called; a failed load (the server unreachable) is tried again by the next
 * `load()`.
 * @template T
 * @param {() => Promise<T>} importer
 * @param {() => void} loaded
 */
function lazily(importer, loaded) {
  /** @type {T | null} */
  let module = null;
  let loading = false;
  return {
    get: () => module,
    load() {
      if (module || loading) return;
      loading = true;
      importer().then(
        (m) => {
          module = m;
          loading = false;
          loaded();
        },
        () => {
          loading = false;
        },
      );
    },
  };
}
