// @ts-check
/**
 * Message text (and a visitor's page URL) is shown as text, never as HTML. Web addresses in it
 * become links, safely: a candidate becomes an `<a>` only if `new URL` parses it with the
 * `http:` or `https:` scheme, and the link opens in a new tab without access to this window.
 * The widget's panel and the dashboard both show messages through this module, so a URL is a
 * link, or not, the same way on both sides of a conversation.
 *
 * Where a URL ends: at white space or a character that cannot be in a bare URL (`<>"'` and the
 * backtick); then sentence punctuation at its end is left out (`.,;:!?'"*`), and a closing
 * bracket too unless it pairs with an opening one inside the URL, so that
 * `(see https://en.wikipedia.org/wiki/Mercury_(planet))` links the article. (The dashboard's
 * own copy used to drop every trailing `)` and `]`, which broke such links.)
 */

/**
 * Candidates: http(s) URLs up to white space, a character that cannot end a bare URL, or an
 * emoji (`https://shop.example👍` links the shop, and the emoji stays whole in the text).
 */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`\p{Extended_Pictographic}]+/giu;
/** Punctuation that usually closes the sentence rather than the URL. */
const TRAILING = '.,;:!?\'"*';

/** @typedef {{text: string, href?: string}} Segment */

/**
 * The URL to link to, or null when `candidate` is not an absolute http(s) URL.
 * @param {string} candidate
 */
export function safeHref(candidate) {
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/**
 * Splits text into plain and link segments; joined, the segments' text is the input.
 * @param {string} text
 * @returns {Segment[]}
 */
export function splitLinks(text) {
  /** @type {Segment[]} */
  const out = [];
  let plainFrom = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (!href) continue;
    if (start > plainFrom) out.push({ text: text.slice(plainFrom, start) });
    out.push({ text: candidate, href });
    plainFrom = start + candidate.length;
  }
  if (plainFrom < text.length) out.push({ text: text.slice(plainFrom) });
  return out;
}

/** Closing brackets and the opening bracket they pair with. */
const PAIRS = /** @type {Record<string, string>} */ ({ ')': '(', ']': '[', '}': '{' });

/**
 * Drops punctuation that ends the sentence, not the URL; keeps a closing bracket that pairs
 * with one inside the URL (https://en.wikipedia.org/wiki/Mercury_(planet)).
 * @param {string} url
 */
function trimTrailing(url) {
  let s = url;
  while (s.length) {
    const last = s[s.length - 1];
    const open = PAIRS[last];
    const unpaired = open !== undefined && count(s, open) < count(s, last);
    if (!TRAILING.includes(last) && !unpaired) break;
    s = s.slice(0, -1);
  }
  return s;
}

/** @param {string} s @param {string} ch */
function count(s, ch) {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/**
 * The text as nodes: text nodes, and links for the URLs in it. The caller appends them.
 * @param {Document} doc
 * @param {string} text
 * @returns {(Text | HTMLAnchorElement)[]}
 */
export function linkNodes(doc, text) {
  return splitLinks(text).map((segment) => (segment.href ? link(doc, segment.href, segment.text) : doc.createTextNode(segment.text)));
}

/**
 * Appends `text` to `parent` as text nodes and safe links.
 * @param {Document} doc
 * @param {Element} parent
 * @param {string} text
 */
export function appendText(doc, parent, text) {
  for (const node of linkNodes(doc, text)) parent.appendChild(node);
}

/**
 * A link to a checked `href` that opens in a new tab, with no opener and no referrer.
 * @param {Document} doc
 * @param {string} href from `safeHref`
 * @param {string} text
 */
function link(doc, href, text) {
  const a = doc.createElement('a');
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.textContent = text;
  return a;
}
