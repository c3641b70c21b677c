// @ts-check
/**
 * Reply emails (docs/email.md): which mark goes under an agent's text reply, from
 * `GET /conversations/{id}/emails`, and how often that list is asked for. DOM-free.
 *
 * Each item is one reply email carrying the agent replies with seq `from_seq`..=`upto_seq`
 * (`upto_seq` null: from `from_seq` on, while it waits). A reply covered by a sent email shows
 * "Emailed", by a failed one "Email failed" (the error as its title), by a pending one "Will be
 * emailed if the visitor stays away"; a skipped email shows nothing. Any error shows nothing.
 */

/** The list is asked for at most once in this many milliseconds. */
export const EMAILS_REFRESH_MS = 5000;

/** @typedef {'pending' | 'sent' | 'failed' | 'skipped'} EmailState */
/** @typedef {{state: EmailState, from_seq: number, upto_seq: number | null, last_error: string | null, sent_at: string | null}} ReplyEmail */
/** @typedef {{state: 'sent' | 'failed' | 'pending', text: string, title: string}} EmailMark */

const STATES = ['pending', 'sent', 'failed', 'skipped'];
/** When several emails cover one reply, the mark of the first state here wins. */
const PRECEDENCE = ['sent', 'pending', 'failed'];
const TEXT = {
  sent: 'Emailed',
  failed: 'Email failed',
  pending: 'Will be emailed if the visitor stays away',
};

/**
 * The well-formed items of the endpoint's answer; anything else (an error page, a missing
 * field) is left out, and a malformed answer is an empty list.
 * @param {unknown} data
 * @returns {ReplyEmail[]}
 */
export function replyEmails(data) {
  const items = /** @type {any} */ (data)?.items;
  if (!Array.isArray(items)) return [];
  return items
    .filter((e) => e && STATES.includes(e.state) && Number.isInteger(e.from_seq) && (e.upto_seq == null || Number.isInteger(e.upto_seq)))
    .map((e) => ({
      state: e.state,
      from_seq: e.from_seq,
      upto_seq: e.upto_seq ?? null,
      last_error: typeof e.last_error === 'string' ? e.last_error : null,
      sent_at: typeof e.sent_at === 'string' ? e.sent_at : null,
    }));
}

/** @param {ReplyEmail} email @param {number} seq */
function covers(email, seq) {
  return seq >= email.from_seq && (email.upto_seq === null || seq <= email.upto_seq);
}

/**
 * The mark under the agent text reply `seq`, or null for none.
 * @param {readonly ReplyEmail[]} emails @param {number} seq
 * @returns {EmailMark | null}
 */
export function emailMark(emails, seq) {
  for (const state of PRECEDENCE) {
    const email = emails.find((e) => e.state === state && covers(e, seq));
    if (!email) continue;
    const title = state === 'failed' ? email.last_error ?? '' : '';
    return { state: /** @type {EmailMark['state']} */ (state), text: TEXT[state], title };
  }
  return null;
}

/**
 * Asks for the list now, or, when it was asked for less than `minMs` ago, once when that time
 * is up (requests meanwhile join that one). An answer older than the newest asked is dropped;
 * a failure hands an empty list. Nothing runs after `stop()`.
 */
export class EmailRefresh {
  /**
   * @param {{
   *   load: () => Promise<unknown>,
   *   apply: (emails: ReplyEmail[]) => void,
   *   clock?: {setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void, now: () => number},
   *   minMs?: number,
   * }} options
   */
  constructor(options) {
    this.load = options.load;
    this.apply = options.apply;
    this.clock = options.clock ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id),
      now: () => Date.now(),
    };
    this.minMs = options.minMs ?? EMAILS_REFRESH_MS;
    /** @type {number | null} when the last request was made */
    this.last = null;
    this.timer = null;
    this.generation = 0;
    this.stopped = false;
  }

  request() {
    if (this.stopped || this.timer !== null) return;
    const wait = this.last === null ? 0 : this.last + this.minMs - this.clock.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.run();
    }, wait);
  }

  run() {
    if (this.stopped) return;
    this.last = this.clock.now();
    const generation = ++this.generation;
    /** @param {ReplyEmail[]} emails */
    const done = (emails) => {
      if (!this.stopped && generation === this.generation) this.apply(emails);
    };
    let pending;
    try {
      pending = Promise.resolve(this.load());
    } catch {
      pending = Promise.reject(new Error('load failed'));
    }
    pending.then((data) => done(replyEmails(data)), () => done([]));
  }

  stop() {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * What the server says of its email in the agent `welcome`: `email: {configured, inbound}`.
 * `configured` is null when the welcome does not say (an older server): nothing is claimed
 * then, either way.
 * @typedef {{configured: boolean | null, inbound: boolean}} EmailSetup
 */

/** @param {any} welcome an agent `welcome` frame @returns {EmailSetup} */
export function emailSetup(welcome) {
  const e = welcome && typeof welcome.email === 'object' && welcome.email !== null ? welcome.email : null;
  return {
    configured: e && typeof e.configured === 'boolean' ? e.configured : null,
    inbound: e?.inbound === true,
  };
}

export const EMAIL_OFF_NOTICE = 'Email is not set up on this server: replies do not reach visitors who leave.';
export const INVITE_OFF_NOTE = 'Invitations need email set up on the server (PARLEY_SMTP_URL)';
export const NOTIFY_OFF_NOTE = 'Email is not set up on this server, so these emails are not sent.';

/**
 * The notice in the visitor panel: only for a visitor with an email, on a server that said it
 * sends none. @param {EmailSetup} setup @param {string | null | undefined} visitorEmail
 * @returns {string | null}
 */
export function visitorEmailNotice(setup, visitorEmail) {
  return setup.configured === false && !!visitorEmail ? EMAIL_OFF_NOTICE : null;
}

/**
 * The "send an invitation email" checkbox on Admin → Agents: checked by default, unchecked and
 * disabled (with why) on a server that said it sends no email.
 * @param {EmailSetup} setup @returns {{checked: boolean, disabled: boolean, note: string | null}}
 */
export function inviteChoice(setup) {
  return setup.configured === false
    ? { checked: false, disabled: true, note: INVITE_OFF_NOTE }
    : { checked: true, disabled: false, note: null };
}

/**
 * The note under the profile's "Email me about new conversations…": only on a server that
 * said it sends no email. @param {EmailSetup} setup @returns {string | null}
 */
export function notifyEmailNote(setup) {
  return setup.configured === false ? NOTIFY_OFF_NOTE : null;
}
