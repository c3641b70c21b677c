// @ts-check
/**
 * The panel's DOM: built once with createElement, updated from the chat's state. Text is only
 * ever set with textContent (message bodies go through linkify, which does the same). Stable
 * `data-testid`s and ARIA labels are part of the widget's interface for end-to-end tests.
 */
import { appendText } from '../../../common/linkify.js';
import { EN, format } from './i18n.js';
import { Limits } from '../../../common/protocol.js';

/**
 * @typedef {import('./chat.js').Chat} Chat
 * @typedef {import('./chat.js').Entry} Entry
 *
 * @typedef {object} ViewActions
 * @property {(body: string) => 'queued' | 'empty' | 'too_long'} send
 * @property {(text: string) => void} typing
 * @property {() => void} close
 * @property {(email: string, name: string) => Promise<void>} leaveEmail
 * @property {() => Promise<void>} end
 * @property {() => Promise<void>} loadEarlier
 * @property {(on: boolean) => void} sound
 * @property {(score: number, comment: string) => Promise<void>} rate
 */

const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z',
  send: 'M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z',
  bell: 'M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6V11c0-3.1-1.6-5.6-4.5-6.3V4a1.5 1.5 0 0 0-3 0v.7C7.6 5.4 6 7.9 6 11v5l-2 2v1h16v-1z',
  end: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm5 11H7v-2h10z',
};
/** Site settings that are still the server's English defaults are shown translated. */
const DEFAULT_SETTINGS = {
  title: EN.title,
  greeting: EN.greeting,
  offline_message: EN.email_intro,
};
const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SCORES = [1, 2, 3, 4, 5];
/** Keys that move the choice in the star radio group, and where to. */
const STAR_KEYS = /** @type {Record<string, (score: number) => number>} */ ({
  ArrowRight: (n) => (n % 5) + 1,
  ArrowDown: (n) => (n % 5) + 1,
  ArrowLeft: (n) => ((n + 3) % 5) + 1,
  ArrowUp: (n) => ((n + 3) % 5) + 1,
  Home: () => 1,
  End: () => 5,
});

/**
 * @param {Document} doc
 * @param {string} tag
 * @param {Record<string, string | boolean>} [attrs] `text` sets textContent, `class` the class
 * @param {(Node | null)[]} children
 * @returns {HTMLElement}
 */
function el(doc, tag, attrs = {}, ...children) {
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
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = doc.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name]);
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
   * Remembers that `node`'s `attr` shows string `key`, for when the language changes.
   * @template {Element} T
   * @param {T} node @param {string} attr @param {string} key
   * @returns {T}
   */
  const bind = (node, attr, key) => {
    bindings.push([node, attr, key]);
    return node;
  };

  // --- header
  const title = el(doc, 'h1', { id: 'parley-title', class: 'title', 'data-testid': 'parley-title' });
  const statusText = el(doc, 'span', { class: 'status-text' });
  const status = el(doc, 'p', { class: 'status', 'data-testid': 'parley-status' }, el(doc, 'span', { class: 'dot', 'aria-hidden': 'true' }), statusText);
  const soundButton = el(doc, 'button', { type: 'button', class: 'icon', 'data-testid': 'parley-sound', 'aria-pressed': 'false' }, icon(doc, 'bell'));
  const endButton = bind(el(doc, 'button', { type: 'button', class: 'icon', 'data-testid': 'parley-end', hidden: true }, icon(doc, 'end')), 'aria-label', 'end');
  endButton.setAttribute('title', t.end);
  bindings.push([endButton, 'title', 'end']);
  const closeButton = bind(el(doc, 'button', { type: 'button', class: 'icon', 'data-testid': 'parley-close' }, icon(doc, 'close')), 'aria-label', 'close');
  const header = el(doc, 'header', { class: 'head' }, el(doc, 'div', { class: 'head-main' }, title, status), el(doc, 'div', { class: 'head-actions' }, soundButton, endButton, closeButton));

  const confirmYes = bind(el(doc, 'button', { type: 'button', class: 'danger', 'data-testid': 'parley-end-confirm' }), 'text', 'end_yes');
  const confirmNo = bind(el(doc, 'button', { type: 'button', class: 'plain', 'data-testid': 'parley-end-cancel' }), 'text', 'end_no');
  const confirmBar = el(doc, 'div', { class: 'confirm', role: 'group', 'data-testid': 'parley-end-bar', hidden: true },
    bind(el(doc, 'p'), 'text', 'end_confirm'), confirmYes, confirmNo);
  const banner = el(doc, 'p', { class: 'banner', role: 'status', 'data-testid': 'parley-connection', hidden: true });

  // --- messages
  const earlier = bind(el(doc, 'button', { type: 'button', class: 'earlier', 'data-testid': 'parley-earlier', hidden: true }), 'text', 'earlier');
  const greeting = el(doc, 'p', { class: 'greeting', 'data-testid': 'parley-greeting' });
  const list = bind(el(doc, 'ol', { class: 'messages', 'data-testid': 'parley-messages' }), 'aria-label', 'messages');
  const typingLine = el(doc, 'p', { class: 'typing', 'data-testid': 'parley-typing', hidden: true });
  const endedLine = bind(el(doc, 'p', { class: 'ended', 'data-testid': 'parley-ended', hidden: true }), 'text', 'ended');

  // --- rating prompt (the conversation is resolved): a radio group of five stars, a comment
  const stars = SCORES.map((n) => el(doc, 'button', { type: 'button', role: 'radio', class: 'star', 'data-score': String(n), 'data-testid': 'parley-star' }));
  const starGroup = el(doc, 'div', { role: 'radiogroup', class: 'stars', 'aria-labelledby': 'parley-rating-title', 'data-testid': 'parley-rating-stars' }, ...stars);
  const ratingComment = /** @type {HTMLTextAreaElement} */ (el(doc, 'textarea', { rows: '2', maxlength: String(Limits.MAX_COMMENT_CHARS), 'data-testid': 'parley-rating-comment' }));
  const ratingError = el(doc, 'p', { class: 'error', role: 'alert', 'data-testid': 'parley-rating-error', hidden: true });
  const ratingSubmit = bind(el(doc, 'button', { type: 'submit', class: 'primary', 'data-testid': 'parley-rating-submit' }), 'text', 'send');
  const ratingForm = el(doc, 'form', { class: 'rating', 'aria-labelledby': 'parley-rating-title', 'data-testid': 'parley-rating', novalidate: true, hidden: true },
    bind(el(doc, 'p', { id: 'parley-rating-title', class: 'rating-title' }), 'text', 'rating_title'),
    starGroup,
    el(doc, 'label', {}, bind(el(doc, 'span'), 'text', 'rating_comment'), ratingComment),
    ratingError,
    ratingSubmit);
  const ratingThanks = bind(el(doc, 'p', { class: 'rating-thanks', 'data-testid': 'parley-rating-thanks', hidden: true }), 'text', 'rating_thanks');
  const scroller = el(doc, 'div', { class: 'scroll', 'data-testid': 'parley-scroll' }, earlier, greeting, list, typingLine, endedLine, ratingForm, ratingThanks);

  // --- email form (no agent online)
  const emailIntro = el(doc, 'p', { class: 'email-intro' });
  const emailInput = /** @type {HTMLInputElement} */ (el(doc, 'input', { type: 'email', name: 'email', required: true, autocomplete: 'email', 'data-testid': 'parley-email-input' }));
  const nameInput = /** @type {HTMLInputElement} */ (el(doc, 'input', { type: 'text', name: 'name', autocomplete: 'name', maxlength: '200', 'data-testid': 'parley-name-input' }));
  const emailError = el(doc, 'p', { class: 'error', role: 'alert', hidden: true });
  const emailSubmit = bind(el(doc, 'button', { type: 'submit', class: 'primary', 'data-testid': 'parley-email-submit' }), 'text', 'email_submit');
  const emailForm = el(doc, 'form', { class: 'email', 'data-testid': 'parley-email-form', novalidate: true, hidden: true },
    emailIntro,
    el(doc, 'label', {}, bind(el(doc, 'span'), 'text', 'email_label'), emailInput),
    el(doc, 'label', {}, bind(el(doc, 'span'), 'text', 'name_label'), nameInput),
    emailError,
    emailSubmit);
  const emailDone = el(doc, 'p', { class: 'email-done', role: 'status', 'data-testid': 'parley-email-done', hidden: true });

  // --- composer
  const notice = bind(el(doc, 'p', { class: 'notice', 'data-testid': 'parley-preview-notice', hidden: true }), 'text', 'preview_notice');
  const composer = /** @type {HTMLTextAreaElement} */ (el(doc, 'textarea', { rows: '1', 'data-testid': 'parley-composer', enterkeyhint: 'send' }));
  bind(composer, 'aria-label', 'composer');
  bind(composer, 'placeholder', 'placeholder');
  const sendButton = bind(el(doc, 'button', { type: 'submit', class: 'send', 'data-testid': 'parley-send' }, icon(doc, 'send')), 'aria-label', 'send');
  const composerError = el(doc, 'p', { class: 'error', role: 'alert', 'data-testid': 'parley-composer-error', hidden: true });
  const composerForm = el(doc, 'form', { class: 'composer', 'data-testid': 'parley-composer-form' }, composer, sendButton);
  const live = el(doc, 'div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'parley-live' });

  const panel = el(doc, 'main', { class: 'panel', role: 'dialog', 'aria-labelledby': 'parley-title', 'data-testid': 'parley-panel' },
    header, confirmBar, banner, scroller, emailForm, emailDone, notice, composerForm, composerError, live);

  /** @type {Map<string, {node: HTMLElement, sig: string}>} */
  const nodes = new Map();
  let soundOn = false;
  let lastEmail = '';
  /** the stars chosen in the rating prompt, 0 for none yet */
  let score = 0;
  /** scroll to the newest message at the next render (first render, own message sent) */
  let stickToBottom = true;
  /** @type {Chat | null} */
  let chat = null;

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
  earlier.addEventListener('click', () => {
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    actions.loadEarlier().then(() => {
      scroller.scrollTop = scroller.scrollHeight - fromBottom;
    }, () => {});
  });
  emailForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!EMAIL.test(email)) {
      showError(emailError, t.email_invalid);
      emailInput.focus();
      return;
    }
    emailError.hidden = true;
    emailSubmit.setAttribute('disabled', '');
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

  for (const star of stars) star.addEventListener('click', () => chooseScore(Number(star.dataset.score)));
  starGroup.addEventListener('keydown', (event) => {
    const move = STAR_KEYS[event.key];
    if (!move) return;
    event.preventDefault();
    chooseScore(move(score || 1));
    stars[score - 1].focus();
  });
  ratingForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!score) {
      showError(ratingError, t.rating_pick);
      stars[0].focus();
      return;
    }
    ratingError.hidden = true;
    ratingSubmit.setAttribute('disabled', '');
    actions.rate(score, ratingComment.value).then(
      () => {
        ratingSubmit.removeAttribute('disabled');
        live.textContent = t.rating_thanks;
      },
      () => {
        ratingSubmit.removeAttribute('disabled');
        showError(ratingError, t.rating_failed);
      },
    );
  });

  /** @param {number} n */
  function chooseScore(n) {
    score = n;
    ratingError.hidden = true;
    paintStars();
  }

  /** Filled stars up to the score (a shape, not only a colour); one tab stop, on the choice. */
  function paintStars() {
    for (const [i, star] of stars.entries()) {
      const n = i + 1;
      star.textContent = n <= score ? '★' : '☆';
      star.classList.toggle('on', n <= score);
      star.setAttribute('aria-checked', String(n === score));
      star.setAttribute('tabindex', n === (score || 1) ? '0' : '-1');
      star.setAttribute('aria-label', format(n === 1 ? t.star_one : t.star_other, { n }));
    }
  }

  /**
   * Shows the prompt while the chat asks for a rating (fresh each time it appears), the thanks
   * once given. Focus inside a prompt that goes away moves to the composer.
   * @param {'ask' | 'thanks' | null} rating
   */
  function renderRating(rating) {
    const asking = rating === 'ask';
    if (asking && ratingForm.hidden) {
      ratingComment.value = '';
      ratingError.hidden = true;
      chooseScore(0);
    }
    if (!asking && ratingForm.contains(doc.activeElement)) composer.focus();
    ratingForm.hidden = !asking;
    ratingThanks.hidden = rating !== 'thanks';
  }

  function submitComposer() {
    const result = actions.send(composer.value);
    if (result === 'too_long') {
      showError(composerError, format(t.too_long, { max: Limits.MAX_BODY_CHARS }));
      return;
    }
    if (result === 'queued') {
      composer.value = '';
      fitComposer();
      stickToBottom = true;
    }
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
    for (const [node, attr, key] of bindings) {
      if (attr === 'text') node.textContent = t[key];
      else node.setAttribute(attr, t[key]);
    }
    renderSound();
    paintStars();
    title.textContent = setting('title');
    greeting.textContent = setting('greeting');
    emailIntro.textContent = setting('offline_message');
    doc.documentElement.lang = lang;
  }

  // --- rendering from chat state

  /** @param {Chat} state */
  function render(state) {
    chat = state;
    const online = state.agentsOnline > 0;
    const stopped = state.status === 'stopped';
    statusText.textContent = stopped ? t.unavailable : online ? t.online : t.offline;
    status.classList.toggle('online', online && !stopped);

    banner.hidden = !(state.status === 'reconnecting' || stopped);
    banner.textContent = stopped ? t.unavailable : t.reconnecting;

    const c = state.conversation;
    const resolved = !!c && c.status === 'resolved';
    endButton.hidden = !c || resolved || state.status !== 'online';
    if (endButton.hidden) confirmBar.hidden = true;
    endedLine.hidden = !resolved;
    earlier.hidden = !state.more;
    renderTyping(state.agentTyping);

    const offline = state.status === 'online' && !online;
    emailForm.hidden = !offline || state.emailGiven;
    emailDone.hidden = !(state.emailGiven && lastEmail);
    emailDone.textContent = lastEmail ? format(t.email_thanks, { email: lastEmail }) : '';
    notice.hidden = state.settings.draft_preview !== true;
    composer.disabled = stopped;
    sendButton.toggleAttribute('disabled', stopped);

    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    renderRating(state.rating());
    renderEntries(state.entries());
    if (nearBottom || stickToBottom) scroller.scrollTop = scroller.scrollHeight;
    stickToBottom = false;
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
      const sig = `${entry.state}|${entry.message?.seq ?? ''}|${showAuthor}|${lang}`;
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
    if (showAuthor && m) li.appendChild(el(doc, 'span', { class: 'author', text: m.author.name || t.support }));
    const bubble = el(doc, 'div', { class: 'bubble' });
    appendText(doc, bubble, body);
    li.appendChild(bubble);
    if (kind === 'event') return;
    const meta = el(doc, 'span', { class: 'meta' });
    const time = el(doc, 'time', { datetime: at, text: formatTime(at) });
    meta.appendChild(time);
    if (entry.state) {
      meta.appendChild(doc.createTextNode(' · '));
      meta.appendChild(el(doc, 'span', { class: `state ${entry.state}`, 'data-testid': 'parley-message-state', text: t[entry.state] }));
    }
    li.appendChild(meta);
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
      if (!composer.disabled) composer.focus();
      else closeButton.focus();
    },
    /** The panel was shown: the newest messages are in view. */
    shown() {
      scroller.scrollTop = scroller.scrollHeight;
    },
  };
}
