// @ts-check
/**
 * Contacts without the DOM: what the Contacts page asks the server (`GET /contacts` with its
 * search, attribute filter and "identified only"), the attribute filter checked by the
 * server's rules before asking, a contact's name in words and its attributes as text.
 */
import { answers } from './settings.js';

/** The server's rule for an attribute name (`domain::attributes::is_name`). */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The attribute filter as typed (`plan:gold`, spaces around either part ignored): the
 * `name:value` the server takes, or what is wrong with it. Empty: no filter.
 * @param {string} text
 * @returns {{value: string | null, error: string | null}}
 */
export function attributeFilter(text) {
  const typed = text.trim();
  if (!typed) return { value: null, error: null };
  const at = typed.indexOf(':');
  if (at < 0) return { value: null, error: 'Write the attribute as name:value, e.g. plan:gold.' };
  const name = typed.slice(0, at).trim();
  const value = typed.slice(at + 1).trim();
  if (!ATTRIBUTE_NAME.test(name)) return { value: null, error: 'An attribute name is 1 to 64 letters, digits, _ or -.' };
  return { value: `${name}:${value}`, error: null };
}

/**
 * The query of one page of contacts: only what is set goes.
 * @param {{q: string, attribute: string | null, identified: boolean, cursor?: string | null}} search
 */
export function contactQuery(search) {
  const q = search.q.trim();
  return {
    q: q || undefined,
    attribute: search.attribute ?? undefined,
    identified: search.identified ? true : undefined,
    cursor: search.cursor ?? undefined,
  };
}

/** A contact's name, or its email, or "Anonymous". @param {{name?: string | null, email?: string | null}} contact */
export function contactName(contact) {
  return contact.name?.trim() || contact.email?.trim() || 'Anonymous';
}

/**
 * A contact's attributes as `[name, text]` pairs, sorted by name so that two contacts read
 * alike (`true` as Yes, numbers as written).
 * @param {unknown} attributes
 */
export function attributeList(attributes) {
  return answers(attributes).sort(([a], [b]) => a.localeCompare(b));
}
