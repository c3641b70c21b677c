// Just enough of a browser page to run widget/src/loader.js in node:vm: elements with
// attributes, classes, children and listeners, open shadow roots, an iframe whose
// contentWindow records postMessage, localStorage, history, and a message event bus.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { FakeClock } from '../../../common/test/helpers/clock.js';
import { FakeStorage } from '../../../common/test/helpers/storage.js';

export { FakeStorage };

/**
 * The loader the fake page runs: the source, or with `PARLEY_LOADER=dist` the built and
 * minified one that is served (loader.dist.test.js runs every loader test on it).
 */
export const LOADER_FILE = process.env.PARLEY_LOADER === 'dist' ? '../../../dist/widget/loader.js' : '../../src/loader.js';
export const LOADER_SOURCE = readFileSync(new URL(LOADER_FILE, import.meta.url), 'utf8');
export const PARLEY_ORIGIN = 'https://chat.example.com';

class Target {
  constructor() {
    this.listeners = {};
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  removeEventListener(type, fn) {
    this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn);
  }
  dispatch(type, event = {}) {
    for (const fn of [...(this.listeners[type] || [])]) fn({ type, target: this, preventDefault() {}, ...event });
  }
}

class Node extends Target {
  constructor(doc) {
    super();
    this.ownerDocument = doc;
    this.childNodes = [];
    this.parentNode = null;
  }
  appendChild(child) {
    if (child.parentNode) child.parentNode.removeChild(child);
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }
  removeChild(child) {
    this.childNodes = this.childNodes.filter((c) => c !== child);
    child.parentNode = null;
    return child;
  }
  get textContent() {
    return this.childNodes.map((c) => c.textContent).join('');
  }
  set textContent(value) {
    this.childNodes = [];
    if (value !== '') this.appendChild(new Text(this.ownerDocument, String(value)));
  }
  /** The shadow host when inside a shadow tree, else null. */
  shadowHost() {
    let node = this;
    while (node) {
      if (node instanceof ShadowRoot) return node.host;
      node = node.parentNode;
    }
    return null;
  }
}

class Text extends Node {
  constructor(doc, data) {
    super(doc);
    this.data = data;
  }
  get textContent() {
    return this.data;
  }
}

class ClassList {
  constructor(el) {
    this.el = el;
  }
  get set() {
    return new Set((this.el.getAttribute('class') || '').split(/\s+/).filter(Boolean));
  }
  write(set) {
    this.el.setAttribute('class', [...set].join(' '));
  }
  contains(name) {
    return this.set.has(name);
  }
  add(name) {
    const s = this.set;
    s.add(name);
    this.write(s);
  }
  remove(name) {
    const s = this.set;
    s.delete(name);
    this.write(s);
  }
  toggle(name, force) {
    const s = this.set;
    const on = force === undefined ? !s.has(name) : !!force;
    if (on) s.add(name);
    else s.delete(name);
    this.write(s);
    return on;
  }
}

class Element extends Node {
  constructor(doc, tag) {
    super(doc);
    this.tagName = tag.toUpperCase();
    this.attributes = new Map();
    this.classList = new ClassList(this);
    const props = {};
    this.style = {
      props,
      setProperty: (k, v) => {
        props[k] = v;
      },
      getPropertyValue: (k) => props[k] ?? '',
    };
    this.shadowRoot = null;
    if (this.tagName === 'IFRAME') this.contentWindow = { posted: [], postMessage(data, target) { this.posted.push({ data, target }); } };
  }
  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }
  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }
  removeAttribute(name) {
    this.attributes.delete(name);
  }
  hasAttribute(name) {
    return this.attributes.has(name);
  }
  get className() {
    return this.getAttribute('class') || '';
  }
  set className(v) {
    this.setAttribute('class', v);
  }
  get id() {
    return this.getAttribute('id') || '';
  }
  set id(v) {
    this.setAttribute('id', v);
  }
  get title() {
    return this.getAttribute('title') || '';
  }
  set title(v) {
    this.setAttribute('title', v);
  }
  get src() {
    return this.getAttribute('src') || '';
  }
  set src(v) {
    this.setAttribute('src', v);
  }
  get type() {
    return this.getAttribute('type') || '';
  }
  set type(v) {
    this.setAttribute('type', v);
  }
  get hidden() {
    return this.hasAttribute('hidden');
  }
  set hidden(v) {
    if (v) this.setAttribute('hidden', '');
    else this.removeAttribute('hidden');
  }
  attachShadow({ mode }) {
    this.shadowRoot = new ShadowRoot(this.ownerDocument, this, mode);
    return this.shadowRoot;
  }
  focus() {
    this.ownerDocument.activeElement = this.shadowHost() || this;
  }
  click() {
    this.dispatch('click');
  }
  /** Depth-first search through children and open shadow roots. */
  findAll(predicate, out = []) {
    for (const child of this.childNodes) {
      if (!(child instanceof Element)) continue;
      if (predicate(child)) out.push(child);
      child.findAll(predicate, out);
      if (child.shadowRoot) child.shadowRoot.findAll(predicate, out);
    }
    return out;
  }
}

class ShadowRoot extends Element {
  constructor(doc, host, mode) {
    super(doc, '#shadow-root');
    this.host = host;
    this.mode = mode;
    this.adoptedStyleSheets = [];
  }
}

class Document extends Target {
  constructor() {
    super();
    this.documentElement = new Element(this, 'html');
    this.body = new Element(this, 'body');
    this.documentElement.appendChild(this.body);
    this.activeElement = this.body;
    this.title = 'Shop';
    this.referrer = 'https://search.example/';
    this.hidden = false;
    this.currentScript = null;
  }
  createElement(tag) {
    return new Element(this, tag);
  }
  createElementNS(_ns, tag) {
    return new Element(this, tag);
  }
  createTextNode(data) {
    return new Text(this, data);
  }
  querySelector(selector) {
    if (selector === 'script[data-site-key]') {
      return this.documentElement.findAll((e) => e.tagName === 'SCRIPT' && e.hasAttribute('data-site-key'))[0] || null;
    }
    throw new Error(`fake querySelector does not know ${selector}`);
  }
  /** @param {string} testid */
  byTestId(testid) {
    return this.documentElement.findAll((e) => e.getAttribute('data-testid') === testid)[0] || null;
  }
}

/** BroadcastChannel shared by the pages of one test (the tabs of one browser). */
export function channelBus() {
  const members = new Set();
  return class FakeBroadcastChannel {
    constructor(name) {
      this.name = name;
      this.onmessage = null;
      members.add(this);
    }
    postMessage(data) {
      for (const m of members) if (m !== this && m.name === this.name) m.onmessage?.({ data });
    }
    close() {
      members.delete(this);
    }
  };
}

/**
 * A host page with the embed snippet, ready to run the loader.
 * @param {object} [options]
 * @param {FakeStorage} [options.storage]
 * @param {FakeClock} [options.clock]
 * @param {string} [options.url]
 * @param {Record<string, string>} [options.scriptAttrs]
 * @param {any[][]} [options.queue] calls made through the snippet's stub before the loader runs
 * @param {object | null} [options.config] GET /api/v1/widget/config answer (null: network error)
 * @param {number} [options.configStatus] an error status for that request instead
 * @param {boolean} [options.constructable] whether CSSStyleSheet can be constructed
 * @param {any} [options.BroadcastChannel]
 */
export function createPage(options = {}) {
  const clock = options.clock ?? new FakeClock();
  const storage = options.storage ?? new FakeStorage();
  const doc = new Document();
  const location = { href: options.url ?? 'https://shop.example/cart', origin: '' };
  location.origin = new URL(location.href).origin;
  const script = doc.createElement('script');
  script.src = `${PARLEY_ORIGIN}/widget.js`;
  script.setAttribute('data-site-key', 'pk_test');
  for (const [k, v] of Object.entries(options.scriptAttrs ?? {})) script.setAttribute(k, v);
  doc.documentElement.appendChild(script);
  doc.currentScript = script;

  const win = new Target();
  const navigate = (url) => {
    location.href = new URL(url, location.href).href;
  };
  const history = {
    pushState(_state, _title, url) {
      if (url) navigate(url);
    },
    replaceState(_state, _title, url) {
      if (url) navigate(url);
    },
  };
  const fetchCalls = [];
  Object.assign(win, {
    document: doc,
    location,
    history,
    localStorage: storage,
    navigator: { language: 'en-US', languages: ['en-US', 'en'], userActivation: { isActive: false } },
    URL,
    console: { warn() {}, error() {}, log() {} },
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    setInterval: (fn, ms) => clock.setInterval(fn, ms),
    clearInterval: (id) => clock.clearInterval(id),
    matchMedia: () => ({ matches: false }),
    fetch: (url, init) => {
      fetchCalls.push({ url, init });
      if (options.config === null) return Promise.reject(new TypeError('network'));
      if (options.configStatus) return Promise.resolve({ ok: false, status: options.configStatus, json: () => Promise.reject(new Error('no body')) });
      const body = options.config ?? { title: 'Chat', color: '#4f46e5', position: 'right', locale: 'auto' };
      return Promise.resolve({ ok: true, json: () => Promise.resolve(body) });
    },
    BroadcastChannel: options.BroadcastChannel ?? channelBus(),
  });
  if (options.constructable !== false) {
    win.CSSStyleSheet = class {
      replaceSync(text) {
        this.text = text;
      }
    };
  }
  win.window = win;
  if (options.queue) {
    // the snippet: window.Parley = window.Parley || function(){(Parley.q = Parley.q || []).push(arguments)};
    const stub = function () {
      (stub.q = stub.q || []).push(arguments);
    };
    for (const args of options.queue) stub(...args);
    win.Parley = stub;
  }
  const context = vm.createContext(win);

  const page = {
    win,
    doc,
    clock,
    storage,
    location,
    fetchCalls,
    /** Runs the loader script, as the browser would. */
    load() {
      vm.runInContext(LOADER_SOURCE, context, { filename: 'loader.js' });
      return page;
    },
    /** Calls window.Parley from page code. */
    parley(...args) {
      return win.Parley(...args);
    },
    find(testid) {
      return doc.byTestId(testid);
    },
    get frame() {
      return page.find('parley-frame');
    },
    /** Messages the loader posted to the panel. */
    posted() {
      const frame = page.frame;
      return frame ? frame.contentWindow.posted : [];
    },
    postedOfType(type) {
      return page.posted().filter((p) => p.data.type === type).map((p) => p.data);
    },
    /** A postMessage from the panel (by default the genuine one: right origin, right source). */
    fromPanel(data, { origin = PARLEY_ORIGIN, source } = {}) {
      win.dispatch('message', {
        origin,
        source: source === undefined ? page.frame.contentWindow : source,
        data: { parley: 1, ...data },
      });
    },
    /** parley: keys in storage. */
    kept() {
      return Object.fromEntries(Object.entries(storage.dump()).filter(([k]) => k.startsWith('parley:')));
    },
  };
  return page;
}
