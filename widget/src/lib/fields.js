// @ts-check
/**
 * Checking what a visitor typed in the pre-chat or offline form, before anything is sent:
 * required answers, email and phone shapes, a select's options, lengths. Pure functions, loaded
 * with the forms (lazily): this module imports nothing, so that the panel's first-open bundle
 * does not share a chunk with it; the email check is the caller's (`policy.isEmail`). The
 * server checks again and has the last word (`bad_request` naming the field).
 */

/**
 * @typedef {import('./policy.js').Field} Field
 * @typedef {import('./policy.js').FieldKind} FieldKind
 * @typedef {'required' | 'email' | 'phone' | 'option' | 'too_long'} FieldError
 * @typedef {{kind: FieldKind, required: boolean, options?: string[]}} Checked what a check needs of a field
 * @typedef {{isEmail: (text: string) => boolean, max?: number}} Checks
 * @typedef {Record<string, string | boolean>} Answers by field name, as `prechat` sends them
 */

/**
 * An answer's longest length, in code points (`MAX_ANSWER_CHARS` of the server's settings; the
 * message has its own, `MAX_BODY_CHARS`).
 */
export const MAX_ANSWER_CHARS = 1000;
/** Digits, spaces and `+ - ( ) .`, as the server accepts a phone number. */
const PHONE = /^[0-9 +().-]+$/;
const PHONE_DIGITS = { min: 4, max: 20 };

/** Whether `text` can be a phone number: 4 to 20 digits, with the usual separators. @param {string} text */
export function isPhone(text) {
  if (!PHONE.test(text)) return false;
  const digits = text.replace(/\D/g, '').length;
  return digits >= PHONE_DIGITS.min && digits <= PHONE_DIGITS.max;
}

/**
 * The field's label in `lang` when the site gave one (`labels[lang]`), else its `label`.
 * @param {Field} field @param {string} lang
 */
export function fieldLabel(field, lang) {
  return field.labels[lang] || field.label;
}

/**
 * What is wrong with one value, or null. A checkbox's value is a boolean (a required one must
 * be ticked); any other is text, trimmed (an empty optional answer is fine).
 * @param {Checked} field
 * @param {string | boolean | undefined} value
 * @param {Checks} checks
 * @returns {FieldError | null}
 */
export function checkValue(field, value, { isEmail, max = MAX_ANSWER_CHARS }) {
  if (field.kind === 'checkbox') return field.required && value !== true ? 'required' : null;
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) return field.required ? 'required' : null;
  if ([...text].length > max) return 'too_long';
  if (field.kind === 'email' && !isEmail(text)) return 'email';
  if (field.kind === 'phone' && !isPhone(text)) return 'phone';
  if (field.kind === 'select' && !(field.options ?? []).includes(text)) return 'option';
  return null;
}

/**
 * The answers to send for `fields` and what is wrong, in the fields' order (the first error is
 * where the focus goes). Text answers are trimmed and left out when empty; a checkbox is always
 * answered, true or false.
 * @param {Field[]} fields
 * @param {Record<string, string | boolean | undefined>} values what the form holds
 * @param {Checks} checks
 * @returns {{answers: Answers, errors: {name: string, error: FieldError}[]}}
 */
export function validateAnswers(fields, values, checks) {
  /** @type {Answers} */
  const answers = {};
  /** @type {{name: string, error: FieldError}[]} */
  const errors = [];
  for (const field of fields) {
    const value = values[field.name];
    const error = checkValue(field, value, checks);
    if (error) {
      errors.push({ name: field.name, error });
      continue;
    }
    if (field.kind === 'checkbox') answers[field.name] = value === true;
    else if (typeof value === 'string' && value.trim()) answers[field.name] = value.trim();
  }
  return { answers, errors };
}

/**
 * The field a server's `bad_request` names in its message (`answers.company: too long`), so
 * the error can be shown next to it; null when it names none of them.
 * @param {Field[]} fields @param {unknown} message
 */
export function fieldNamed(fields, message) {
  if (typeof message !== 'string') return null;
  const words = new Set(message.toLowerCase().split(/[^a-z0-9_]+/));
  return fields.find((f) => words.has(f.name)) ?? null;
}
