// Just enough of a document to run DOM builders in Node (the widget's attachments chunk, the
// dashboard's file views): elements with attributes, `dataset`, children, text, listeners,
// focus, dialogs that open and close, and a querySelector that knows `.class`, `tag` and
// `[data-testid="…"]`. Nothing is laid out or loaded.

class MiniNode {
  /** @param {MiniDocument} doc */
  constructor(doc) {
    this.ownerDocument = doc;
    /** @type {MiniNode[]} */
    this.childNodes = [];
    /** @type {MiniNode | null} */
    this.parentNode = null;
  }
  get textContent() {
    return this.childNodes.map((c) => c.textContent).join('');
  }
  set textContent(value) {
    this.replaceChildren();
    if (value !== '' && value !== null && value !== undefined) this.appendChild(new MiniText(this.ownerDocument, String(value)));
  }
  /** @param {MiniNode} child */
  appendChild(child) {
    child.remove();
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }
  /** @param {...MiniNode} nodes */
  append(...nodes) {
    for (const n of nodes) this.appendChild(typeof n === 'string' ? new MiniText(this.ownerDocument, n) : n);
  }
  /** @param {...MiniNode} nodes */
  replaceChildren(...nodes) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = [];
    this.append(...nodes);
  }
  remove() {
    if (!this.parentNode) return;
    this.parentNode.childNodes = this.parentNode.childNodes.filter((c) => c !== this);
    this.parentNode = null;
  }
  /** @param {MiniNode | null} node */
  contains(node) {
    for (let n = node; n; n = n.parentNode) if (n === this) return true;
    return false;
  }
}

class MiniText extends MiniNode {
  /** @param {MiniDocument} doc @param {string} data */
  constructor(doc, data) {
    super(doc);
    this.data = data;
  }
  get textContent() {
    return this.data;
  }
  set textContent(value) {
    this.data = String(value);
  }
}

export class MiniElement extends MiniNode {
  /** @param {MiniDocument} doc @param {string} tag */
  constructor(doc, tag) {
    super(doc);
    this.tagName = tag.toUpperCase();
    /** @type {Map<string, string>} */
    this.attributes = new Map();
    /** @type {Record<string, Function[]>} */
    this.listeners = {};
    this.value = 0;
    this.offsetHeight = 0;
  }
  /** @param {string} name @param {unknown} value */
  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }
  /** @param {string} name */
  getAttribute(name) {
    return this.attributes.has(name) ? /** @type {string} */ (this.attributes.get(name)) : null;
  }
  /** @param {string} name */
  removeAttribute(name) {
    this.attributes.delete(name);
  }
  /** @param {string} name */
  hasAttribute(name) {
    return this.attributes.has(name);
  }
  /** @param {string} name @param {boolean} [force] */
  toggleAttribute(name, force) {
    const on = force ?? !this.hasAttribute(name);
    if (on) this.setAttribute(name, '');
    else this.removeAttribute(name);
    return on;
  }
  get className() {
    return this.getAttribute('class') ?? '';
  }
  set className(value) {
    this.setAttribute('class', value);
  }
  get hidden() {
    return this.hasAttribute('hidden');
  }
  set hidden(value) {
    this.toggleAttribute('hidden', !!value);
  }
  get src() {
    return this.getAttribute('src') ?? '';
  }
  set src(value) {
    this.setAttribute('src', value);
  }
  get href() {
    return this.getAttribute('href') ?? '';
  }
  set href(value) {
    this.setAttribute('href', value);
  }
  /** `data-*` attributes by their camelCase names. @returns {Record<string, string>} */
  get dataset() {
    const attr = (/** @type {string | symbol} */ key) => `data-${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return new Proxy({}, {
      get: (_o, key) => this.getAttribute(attr(key)) ?? undefined,
      set: (_o, key, value) => {
        this.setAttribute(attr(key), value);
        return true;
      },
    });
  }
  showModal() {
    this.open = true;
  }
  close() {
    this.open = false;
  }
  /** @param {string} type @param {Function} fn */
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  /** @param {string} type @param {Function} fn */
  removeEventListener(type, fn) {
    this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn);
  }
  /** @param {string} type @param {object} [event] */
  dispatch(type, event = {}) {
    for (const fn of [...(this.listeners[type] || [])]) fn({ type, target: this, preventDefault() {}, ...event });
  }
  click() {
    this.dispatch('click');
  }
  focus() {
    this.ownerDocument.activeElement = this;
  }
  /** @param {string} selector @returns {MiniElement[]} */
  querySelectorAll(selector) {
    const match = matcher(selector);
    /** @type {MiniElement[]} */
    const out = [];
    const visit = (/** @type {MiniNode} */ node) => {
      for (const c of node.childNodes) {
        if (!(c instanceof MiniElement)) continue;
        if (match(c)) out.push(c);
        visit(c);
      }
    };
    visit(this);
    return out;
  }
  /** @param {string} selector */
  querySelector(selector) {
    return this.querySelectorAll(selector)[0] ?? null;
  }
}

/** `.class`, `[data-testid="x"]` or a tag name. @param {string} selector */
function matcher(selector) {
  if (selector.startsWith('.')) return (/** @type {MiniElement} */ e) => e.className.split(/\s+/).includes(selector.slice(1));
  const testid = /^\[data-testid="([^"]+)"\]$/.exec(selector)?.[1];
  if (testid) return (/** @type {MiniElement} */ e) => e.getAttribute('data-testid') === testid;
  return (/** @type {MiniElement} */ e) => e.tagName === selector.toUpperCase();
}

export class MiniDocument {
  constructor() {
    /** @type {MiniElement | null} */
    this.activeElement = null;
    this.body = new MiniElement(this, 'body');
  }
  /** @param {string} tag */
  createElement(tag) {
    return new MiniElement(this, tag);
  }
  /** @param {string} _ns @param {string} tag */
  createElementNS(_ns, tag) {
    return new MiniElement(this, tag);
  }
  /** @param {string} data */
  createTextNode(data) {
    return new MiniText(this, data);
  }
}
