// @ts-check
/**
 * The panel's words. English is built in; French, Spanish and German are fetched from
 * `/widget/i18n/<lang>.json` only when the site's `locale` setting (or, with `auto`, the
 * browser's languages) asks for them. A missing key falls back to English.
 */

/** @type {Readonly<Record<string, string>>} */
export const EN = Object.freeze({
  title: 'Chat with us',
  greeting: 'Hi! How can we help?',
  online: "We're online",
  offline: "We'll reply by email",
  close: 'Close chat',
  send: 'Send',
  composer: 'Write a message',
  placeholder: 'Write a message…',
  messages: 'Messages',
  sending: 'Sending…',
  sent: 'Sent',
  read: 'Read',
  failed: 'Not sent',
  support: 'Support',
  typing: '{name} is typing…',
  typing_anonymous: 'Someone is typing…',
  preview_notice: 'Our team can see what you type before you send it.',
  email_intro: "We're away right now. Leave your email and we'll reply there.",
  email_label: 'Email',
  name_label: 'Name (optional)',
  email_submit: 'Notify me',
  email_thanks: "Thanks! We'll reply to {email}.",
  email_invalid: 'Please enter a valid email address.',
  end: 'End chat',
  end_confirm: 'End this conversation?',
  end_yes: 'End',
  end_no: 'Cancel',
  ended: 'This conversation has ended. Write again if you need anything.',
  reconnecting: 'Connection lost. Reconnecting…',
  unavailable: 'Chat is unavailable right now.',
  earlier: 'Show earlier messages',
  sound_on: 'Turn sound notifications on',
  sound_off: 'Turn sound notifications off',
  too_long: 'This message is too long ({max} characters at most).',
  new_message: 'New message from {name}: {text}',
  rating_title: 'How was this conversation?',
  star_one: '{n} star',
  star_other: '{n} stars',
  rating_comment: 'Comment (optional)',
  rating_pick: 'Choose from 1 to 5 stars.',
  rating_failed: 'Your rating could not be sent. Please try again.',
  rating_thanks: 'Thanks for your feedback',
  waiting: 'Waiting for your details',
  reply_under_minute: 'Usually replies in under a minute',
  reply_minutes_one: 'Usually replies in about {n} minute',
  reply_minutes_other: 'Usually replies in about {n} minutes',
  reply_hours_one: 'Usually replies in about {n} hour',
  reply_hours_other: 'Usually replies in about {n} hours',
  queue_position: 'You are number {n} in the queue',
  email_first: "Please leave your email first: we'll send your message and reply there.",
  transcript: 'Email me this conversation',
  transcript_ask: 'Where should we send this conversation?',
  transcript_send: 'Send',
  transcript_sent: 'Sent to {email}',
  transcript_failed: 'The email could not be sent. Please try again.',
  prechat_intro: 'Before we start, please tell us a little about you.',
  prechat_submit: 'Start the chat',
  offline_submit: 'Send',
  form_required_note: 'Fields marked * are required.',
  form_message: 'Message',
  form_choose: 'Choose…',
  form_invalid: 'Please check the answers marked below.',
  form_failed: 'Your answers could not be sent. Please try again.',
  field_required: 'Please fill in this field.',
  field_tick: 'Please tick this box.',
  field_phone: 'Please enter a valid phone number.',
  field_option: 'Please choose one of the options.',
  field_too_long: 'This answer is too long.',
  field_refused: 'Please check this answer.',
  attach: 'Attach files',
  files: 'Files',
  files_drop: 'Drop files here to send them',
  files_wait: 'Please wait until your files are uploaded.',
  files_blocked: 'Retry or remove the files that could not be uploaded.',
  files_too_many: 'At most {n} files per message.',
  file_remove: 'Remove {name}',
  file_retry: 'Retry',
  file_uploading: 'Uploading {name}',
  file_open: 'Open {name}',
  file_too_large: 'Too large: {max} at most.',
  file_failed: 'This file could not be uploaded.',
  file_refused: 'This file is not accepted here.',
  file_busy: 'Too many files at once. Please retry in a moment.',
  size_b: '{n} B',
  size_kb: '{n} KB',
  size_mb: '{n} MB',
  status_reconnecting: 'Reconnecting…',
  away_note: "We're away right now. We'll reply here as soon as we can.",
  away_email: 'Get the reply by email',
  emoji: 'Insert an emoji',
  emoji_list: 'Emoji',
  forget: 'Delete my conversations',
  forget_confirm: 'Delete your conversations, messages and files on this site? They cannot be recovered.',
  forget_yes: 'Delete',
  forget_done: 'Your conversations were deleted.',
  forget_failed: 'Your conversations could not be deleted. Please try again.',
});

/** Languages with a file under `i18n/` (English is built in). */
export const LANGUAGES = Object.freeze(['en', 'fr', 'es', 'de']);

/**
 * The language to use: the site's `locale` setting unless it is `auto` (or unsupported),
 * then the first supported browser language, then English.
 * @param {unknown} setting
 * @param {readonly string[]} browserLanguages
 */
export function pickLanguage(setting, browserLanguages) {
  const wanted = typeof setting === 'string' && setting !== 'auto' ? [setting, ...browserLanguages] : browserLanguages;
  for (const tag of wanted) {
    const lang = String(tag).toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.includes(lang)) return lang;
  }
  return 'en';
}

/**
 * English merged with the language's file; English alone when the file cannot be had.
 * @param {string} lang
 * @param {(url: string) => Promise<{ok: boolean, json: () => Promise<unknown>}>} fetchJson
 * @returns {Promise<Record<string, string>>}
 */
export async function loadStrings(lang, fetchJson) {
  if (lang === 'en' || !LANGUAGES.includes(lang)) return { ...EN };
  try {
    const response = await fetchJson(`/widget/i18n/${lang}.json`);
    if (!response.ok) return { ...EN };
    const table = await response.json();
    /** @type {Record<string, string>} */
    const merged = { ...EN };
    if (table && typeof table === 'object') {
      for (const [key, value] of Object.entries(table)) {
        if (key in EN && typeof value === 'string') merged[key] = value;
      }
    }
    return merged;
  } catch {
    return { ...EN };
  }
}

/**
 * Fills `{name}` placeholders.
 * @param {string} template
 * @param {Record<string, string | number>} [values]
 */
export function format(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
}
