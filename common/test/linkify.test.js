import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendText, linkNodes, safeHref, splitLinks } from '../linkify.js';

/** Enough of a document for appendText: elements with attributes, text nodes. */
function fakeDocument() {
  const makeElement = (tag) => ({
    tagName: tag.toUpperCase(),
    children: [],
    textContent: '',
    appendChild(child) {
      this.children.push(child);
      return child;
    },
  });
  return {
    createElement: (tag) => makeElement(tag),
    createTextNode: (text) => ({ nodeType: 3, text }),
  };
}

const links = (text) => splitLinks(text).filter((s) => s.href).map((s) => s.href);

test('javascript:, data: and other schemes never become links', () => {
  for (const text of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'click javascript://%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    'file:///etc/passwd',
    'xhttps://evil.example',
    '<a href="javascript:alert(1)">x</a>',
  ]) {
    assert.deepEqual(links(text), [], text);
    assert.equal(splitLinks(text).map((s) => s.text).join(''), text, 'the text is kept whole');
  }
  assert.equal(safeHref('javascript:alert(1)'), null);
  assert.equal(safeHref('https://shop.example/'), 'https://shop.example/');
});

test('http(s) URLs become links; surrounding punctuation stays text', () => {
  assert.deepEqual(splitLinks('See https://shop.example/track?id=1&x=2, thanks.'), [
    { text: 'See ' },
    { text: 'https://shop.example/track?id=1&x=2', href: 'https://shop.example/track?id=1&x=2' },
    { text: ', thanks.' },
  ]);
  assert.deepEqual(links('(http://a.example/b) and https://en.wikipedia.org/wiki/Mercury_(planet).'), [
    'http://a.example/b',
    'https://en.wikipedia.org/wiki/Mercury_(planet)',
  ]);
});

test('a link element gets only a checked href, a new tab, and no opener', () => {
  const doc = fakeDocument();
  const parent = doc.createElement('div');
  appendText(doc, parent, 'go to https://shop.example/<b>x</b> now, not javascript:alert(1)');
  const [before, link, after] = parent.children;
  assert.equal(before.text, 'go to ');
  assert.equal(link.tagName, 'A');
  assert.equal(link.href, 'https://shop.example/');
  assert.equal(link.target, '_blank');
  assert.equal(link.rel, 'noopener noreferrer');
  assert.equal(link.textContent, 'https://shop.example/');
  assert.equal(after.text, '<b>x</b> now, not javascript:alert(1)', 'markup stays text');
  assert.equal(parent.children.length, 3);
});

test('linkNodes gives the same nodes for the caller to append', () => {
  const doc = fakeDocument();
  const nodes = linkNodes(doc, 'Tracking: https://shop.example/t/1. Thanks');
  assert.deepEqual(nodes.map((n) => n.tagName ?? n.text), ['Tracking: ', 'A', '. Thanks']);
  assert.equal(nodes[1].href, 'https://shop.example/t/1');
  assert.equal(nodes[1].rel, 'noopener noreferrer');
  assert.deepEqual(linkNodes(doc, ''), []);
});

test('where a URL ends: brackets pair, quotes and backticks end it, the scheme is any case', () => {
  assert.deepEqual(links('[https://a.example/x] {https://b.example/y}'), ['https://a.example/x', 'https://b.example/y']);
  assert.deepEqual(links('docs: https://c.example/list_[1]; more'), ['https://c.example/list_[1]']);
  assert.deepEqual(links('"https://d.example/q"'), ['https://d.example/q']);
  assert.deepEqual(links('`https://e.example/code`'), ['https://e.example/code']);
  assert.deepEqual(links('HTTPS://F.EXAMPLE/Path'), ['https://f.example/Path']);
  assert.deepEqual(links('wow https://g.example/!!!'), ['https://g.example/']);
  assert.deepEqual(links('https://'), []);
});
