// Just enough reading of the server's Rust sources to compare the protocol constants of
// common/protocol.js with them: enum variants, `Close::X => 1000` arms, numeric constants,
// string literals. It reads every file under src/ (wherever a definition moves to) with the
// comments taken out.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');

/** @returns {{file: string, text: string}[]} every .rs file under src/, comments removed */
export function rustSources(dir = SRC) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...rustSources(full));
    else if (entry.name.endsWith('.rs')) out.push({ file: path.relative(SRC, full), text: stripComments(readFileSync(full, 'utf8')) });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** Removes `//` and `/* *\/` comments, keeping string literals. @param {string} text */
function stripComments(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i += 1;
    } else {
      out += c;
    }
  }
  return out;
}

/** @param {string} text @param {number} start index of the opening quote @returns {number} index after the closing one */
function stringEnd(text, start) {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/** The text between the brace at `open` and its match. @param {string} text @param {number} open */
function braceBody(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '"') i = stringEnd(text, i) - 1;
    else if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  return '';
}

/**
 * The variants of every `enum <name> { … }` in the sources (a definition may exist twice while
 * code moves), with the file each is in.
 * @param {{file: string, text: string}[]} sources @param {string} name
 * @returns {{file: string, variants: string[]}[]}
 */
export function enumVariants(sources, name) {
  const found = [];
  for (const { file, text } of sources) {
    for (const m of text.matchAll(new RegExp(`\\benum\\s+${name}\\s*(?:<[^>]*>)?\\s*\\{`, 'g'))) {
      found.push({ file, variants: topLevelItems(braceBody(text, (m.index ?? 0) + m[0].length - 1)) });
    }
  }
  return found;
}

/**
 * The `"text"` of every variant of `<name> { Variant => "text", … }` (the shape of Parley's
 * `text_enum!` declarations).
 * @param {{file: string, text: string}[]} sources @param {string} name
 * @returns {{file: string, values: string[]}[]}
 */
export function textEnumValues(sources, name) {
  const found = [];
  for (const { file, text } of sources) {
    for (const m of text.matchAll(new RegExp(`\\b${name}\\s*\\{\\s*[A-Z]\\w*\\s*=>\\s*"`, 'g'))) {
      const body = braceBody(text, (m.index ?? 0) + m[0].indexOf('{'));
      found.push({ file, values: [...body.matchAll(/=>\s*"([^"]*)"/g)].map((v) => v[1]) });
    }
  }
  return found;
}

/** Names of the items at the top level of an enum body: `A, B(T), C { x: u8 }`. @param {string} body */
function topLevelItems(body) {
  const names = [];
  let depth = 0;
  let expectName = true;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      i = stringEnd(body, i) - 1;
    } else if (c === '#' && body[i + 1] === '[') {
      let d = 0;
      for (; i < body.length; i++) {
        if (body[i] === '[') d++;
        else if (body[i] === ']' && --d === 0) break;
      }
    } else if ('({['.includes(c)) {
      depth++;
    } else if (')}]'.includes(c)) {
      depth--;
    } else if (c === ',' && depth === 0) {
      expectName = true;
    } else if (expectName && depth === 0 && /[A-Za-z_]/.test(c)) {
      const name = /^[A-Za-z_]\w*/.exec(body.slice(i))?.[0] ?? '';
      names.push(name);
      i += name.length - 1;
      expectName = false;
    }
  }
  return names;
}

/** `Name::Variant => 1234` arms, as {Variant: 1234}, from every file. @param {{file: string, text: string}[]} sources @param {string} name */
export function numericArms(sources, name) {
  /** @type {Record<string, number>} */
  const arms = {};
  for (const { text } of sources) {
    for (const m of text.matchAll(new RegExp(`\\b${name}::(\\w+)\\s*=>\\s*(\\d+)`, 'g'))) arms[m[1]] = Number(m[2]);
  }
  return arms;
}

/** Every `const NAME: type = 123;` (underscores allowed), as numbers. @param {{file: string, text: string}[]} sources */
export function numericConsts(sources) {
  /** @type {Record<string, number[]>} */
  const consts = {};
  for (const { text } of sources) {
    for (const m of text.matchAll(/\bconst\s+([A-Z][A-Z0-9_]*)\s*:\s*\w+\s*=\s*([\d_]+)\s*;/g)) {
      (consts[m[1]] ??= []).push(Number(m[2].replaceAll('_', '')));
    }
  }
  return consts;
}

/** `field: <number>` and `field: Duration::from_secs(<number>)` defaults. @param {{file: string, text: string}[]} sources @param {string} field */
export function numericField(sources, field) {
  const values = new Set();
  for (const { text } of sources) {
    for (const m of text.matchAll(new RegExp(`\\b${field}\\s*:\\s*(?:Duration::from_secs\\()?([\\d_]+)`, 'g'))) {
      values.add(Number(m[1].replaceAll('_', '')));
    }
  }
  return [...values];
}

/** `GoingAway` → `GOING_AWAY`, `InvalidUtf8` → `INVALID_UTF8`. @param {string} name */
export const screamingSnake = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** `BadRequest` → `bad_request` (serde's `rename_all = "snake_case"`). @param {string} name */
export const snakeCase = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
