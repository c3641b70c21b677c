// @ts-check
/**
 * What the site's routing settings ask of a visitor before a message may go, as pure
 * functions of the chat's state: the offline policy (`settings.offline`), whether an email is
 * required first (`settings.offline_email_required`, always with the `form` policy), and the
 * pre-chat fields still to ask (`settings.prechat`, less what `welcome.profile` already knows).
 * No DOM, no socket: `chat.js` asks `nextStep` whether its outbox may flush, the view asks it
 * which form to show. Part of the panel's first-open bundle, so it stays small; validating the
 * answers is `fields.js`'s, loaded with the forms.
 */

/** `settings.offline`: what the widget does while nobody can answer live. */
export const Offline = Object.freeze({
  /** take the message and ask for an email (the default) */
  MESSAGE: 'message',
  /** an offline form: the pre-chat fields, a required email, the message */
  FORM: 'form',
  /** no launcher while unavailable (the loader's part); an open panel behaves as `message` */
  HIDDEN: 'hidden',
});

/** Kinds of pre-chat field the widget can show. */
export const FIELD_KINDS = Object.freeze(['text', 'email', 'phone', 'select', 'checkbox']);
/** The server accepts at most this many pre-chat fields. */
export const MAX_FIELDS = 10;
const FIELD_NAME = /^[a-z0-9_]{1,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * @typedef {'text' | 'email' | 'phone' | 'select' | 'checkbox'} FieldKind
 * @typedef {{name: string, kind: FieldKind, label: string, required: boolean,
 *   options: string[], labels: Record<string, string>}} Field a pre-chat field, as the widget keeps it
 * @typedef {{name: string | null, email: string | null, attributes: Record<string, unknown>}} Profile
 *   what the visitor already gave (`welcome.profile`)
 * @typedef {'email' | 'prechat' | 'offline'} Step what the visitor must do before a message goes:
 *   leave an email (the email form), fill the pre-chat form, or fill the offline form
 *
 * @typedef {object} StepState
 * @property {Record<string, unknown>} settings the site's widget settings
 * @property {boolean} available an agent can answer live now
 * @property {boolean} conversationOpen the visitor has an open conversation
 * @property {Profile} profile
 * @property {boolean} emailKnown the visitor gave an email (here or earlier)
 * @property {boolean} prechatSent the pre-chat answers were accepted on this page
 * @property {Step | null} [wanted] a step the server asked for by refusing a `send` (`conflict`)
 */

/** Whether `text` looks like an email address (the server has the last word). @param {unknown} text */
export function isEmail(text) {
  return typeof text === 'string' && text.length <= 254 && EMAIL.test(text);
}

/** The site's offline policy; `message` when unset or unknown. @param {Record<string, unknown>} settings */
export function offlinePolicy(settings) {
  const value = settings.offline;
  return value === Offline.FORM || value === Offline.HIDDEN ? value : Offline.MESSAGE;
}

/** A visitor's profile from the wire, with every part present. @param {unknown} value @returns {Profile} */
export function readProfile(value) {
  const p = /** @type {any} */ (value && typeof value === 'object' ? value : {});
  return {
    name: typeof p.name === 'string' && p.name ? p.name : null,
    email: typeof p.email === 'string' && p.email ? p.email : null,
    attributes: p.attributes && typeof p.attributes === 'object' ? { ...p.attributes } : {},
  };
}

/**
 * The site's pre-chat fields when the form is enabled (none otherwise), in order. A field the
 * widget cannot show (an unknown kind, a bad name, a select without options) is left out, and
 * so is a second field of the same name.
 * @param {Record<string, unknown>} settings
 * @returns {Field[]}
 */
export function prechatFields(settings) {
  const prechat = /** @type {any} */ (settings.prechat);
  if (!prechat || prechat.enabled !== true || !Array.isArray(prechat.fields)) return [];
  /** @type {Field[]} */
  const fields = [];
  const names = new Set();
  for (const f of prechat.fields.slice(0, MAX_FIELDS)) {
    if (!f || typeof f.name !== 'string' || !FIELD_NAME.test(f.name) || names.has(f.name)) continue;
    if (!FIELD_KINDS.includes(f.kind)) continue;
    const options = Array.isArray(f.options) ? f.options.filter((/** @type {unknown} */ o) => typeof o === 'string' && o) : [];
    if (f.kind === 'select' && options.length === 0) continue;
    /** @type {Record<string, string>} */
    const labels = {};
    if (f.labels && typeof f.labels === 'object') {
      for (const [lang, text] of Object.entries(f.labels)) if (typeof text === 'string' && text) labels[lang] = text;
    }
    names.add(f.name);
    fields.push({
      name: f.name,
      kind: f.kind,
      label: typeof f.label === 'string' && f.label ? f.label : f.name,
      required: f.required === true,
      options: f.kind === 'select' ? options : [],
      labels,
    });
  }
  return fields;
}

/**
 * The fields the visitor has not answered yet, as the server counts them: a text field named
 * `name` is answered by a known name, a field of kind `email` by a known email, any other by an
 * attribute of its name that is text or a ticked box.
 * @param {Field[]} fields @param {Profile} profile
 */
export function fieldsToAsk(fields, profile) {
  return fields.filter((f) => {
    if (f.name === 'name' && f.kind === 'text') return !profile.name;
    if (f.kind === 'email') return !profile.email;
    const known = profile.attributes[f.name];
    return !(known === true || (typeof known === 'string' && known !== ''));
  });
}

/**
 * Whether the pre-chat form must be shown before a new conversation: a required field is
 * unanswered, or the visitor answered none of the fields yet (a first contact sees the optional
 * ones too; a returning visitor is not asked again only for those).
 * @param {Field[]} fields @param {Profile} profile
 */
export function prechatPending(fields, profile) {
  const ask = fieldsToAsk(fields, profile);
  return ask.some((f) => f.required) || (ask.length > 0 && ask.length === fields.length);
}

/**
 * Whether the visitor must leave an email before writing: nobody is available, and the site
 * has the offline form or requires an email with its messages.
 * @param {StepState} s
 */
export function emailRequired(s) {
  if (s.available || s.emailKnown) return false;
  return offlinePolicy(s.settings) === Offline.FORM || s.settings.offline_email_required === true;
}

/**
 * What must happen before the visitor's messages may be sent, or null when nothing must:
 * - `offline`: nobody is available on a site with the offline form, the visitor has no open
 *   conversation, and the visitor's email or pre-chat answers are missing;
 * - `prechat`: the pre-chat form is enabled, the visitor has no open conversation, and fields
 *   are unanswered (the form asks for the email too when it is required);
 * - `email`: nobody is available and the site requires an email first;
 * - else the step the server asked for with a `conflict`, if any.
 * @param {StepState} s
 * @returns {Step | null}
 */
export function nextStep(s) {
  const unanswered = !s.conversationOpen && !s.prechatSent && prechatPending(prechatFields(s.settings), s.profile);
  const needEmail = emailRequired(s);
  // The offline form would take the composer's place: not in a conversation already going on.
  if (!s.available && !s.conversationOpen && offlinePolicy(s.settings) === Offline.FORM && (needEmail || unanswered)) return 'offline';
  if (unanswered) return 'prechat';
  if (needEmail) return 'email';
  return s.wanted ?? null;
}

/**
 * The step to take when the server refused a `send` with `conflict` (it wants pre-chat answers
 * or an email the widget did not know were missing): the pre-chat form if it is enabled and was
 * not sent from this page, else the email (the offline form on a site that has it); null when
 * nothing is left to ask (the send is then simply retried later).
 * @param {StepState} s
 * @returns {Step | null}
 */
export function stepForConflict(s) {
  if (!s.conversationOpen && !s.prechatSent && prechatFields(s.settings).length > 0) return 'prechat';
  if (!s.emailKnown) return offlinePolicy(s.settings) === Offline.FORM ? 'offline' : 'email';
  return null;
}

/**
 * The fields a form shows for `step`: those still unanswered; every field of the site when the
 * server asked for the pre-chat form although the profile seemed complete; none for `email`.
 * @param {StepState} s @param {Step | null} step
 */
export function formFields(s, step) {
  if ((step !== 'prechat' && step !== 'offline') || s.prechatSent) return [];
  const all = prechatFields(s.settings);
  const ask = s.conversationOpen ? [] : fieldsToAsk(all, s.profile);
  return ask.length === 0 && s.wanted === 'prechat' ? all : ask;
}
