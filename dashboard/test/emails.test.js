import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMAILS_REFRESH_MS, EMAIL_OFF_NOTICE, EmailRefresh, INVITE_OFF_NOTE, NOTIFY_OFF_NOTE, emailMark, emailSetup, inviteChoice,
  notifyEmailNote, replyEmails, visitorEmailNotice,
} from '../lib/emails.js';
import { FakeClock, settle } from './helpers.js';

const email = (fields) => ({ state: 'sent', from_seq: 1, upto_seq: 1, last_error: null, sent_at: null, ...fields });

test('the answer is read defensively: malformed items and answers are left out', () => {
  assert.deepEqual(replyEmails(null), []);
  assert.deepEqual(replyEmails({ error: { code: 'not_found' } }), []);
  assert.deepEqual(replyEmails({ items: 'x' }), []);
  assert.deepEqual(replyEmails({ items: [
    { state: 'sent', from_seq: 3, upto_seq: 5, sent_at: '2030-01-01T00:00:00Z' },
    { state: 'pending', from_seq: 7 },
    { state: 'bounced', from_seq: 1, upto_seq: 1 },
    { state: 'sent', from_seq: '3', upto_seq: 5 },
    { state: 'failed', from_seq: 2, upto_seq: 2.5 },
    null,
  ] }), [
    { state: 'sent', from_seq: 3, upto_seq: 5, last_error: null, sent_at: '2030-01-01T00:00:00Z' },
    { state: 'pending', from_seq: 7, upto_seq: null, last_error: null, sent_at: null },
  ]);
});

test('a sent email marks the replies from_seq..=upto_seq "Emailed", and only those', () => {
  const emails = [email({ from_seq: 3, upto_seq: 5 })];
  assert.equal(emailMark(emails, 2), null);
  for (const seq of [3, 4, 5]) assert.deepEqual(emailMark(emails, seq), { state: 'sent', text: 'Emailed', title: '' });
  assert.equal(emailMark(emails, 6), null);
});

test('a failed email says so, with its error as the title', () => {
  const emails = [email({ state: 'failed', from_seq: 4, upto_seq: 4, last_error: '550 mailbox unavailable' })];
  assert.deepEqual(emailMark(emails, 4), { state: 'failed', text: 'Email failed', title: '550 mailbox unavailable' });
  assert.equal(emailMark(emails, 5), null);
  assert.equal(emailMark([email({ state: 'failed', last_error: null })], 1)?.title, '');
});

test('a pending email covers every reply from its from_seq on; a skipped one shows nothing', () => {
  const emails = [email({ state: 'pending', from_seq: 6, upto_seq: null })];
  assert.equal(emailMark(emails, 5), null);
  assert.deepEqual(emailMark(emails, 6), { state: 'pending', text: 'Will be emailed if the visitor stays away', title: '' });
  assert.equal(emailMark(emails, 40)?.state, 'pending');
  assert.equal(emailMark([email({ state: 'skipped', from_seq: 1, upto_seq: null })], 3), null);
  assert.equal(emailMark([], 3), null);
});

test('several emails: each reply gets the mark of the email that carried it', () => {
  const emails = replyEmails({ items: [
    email({ state: 'sent', from_seq: 2, upto_seq: 3 }),
    email({ state: 'failed', from_seq: 5, upto_seq: 5, last_error: 'refused' }),
    email({ state: 'skipped', from_seq: 7, upto_seq: 7 }),
    email({ state: 'pending', from_seq: 9, upto_seq: null }),
  ] });
  assert.deepEqual([2, 3, 4, 5, 7, 9, 10].map((seq) => emailMark(emails, seq)?.state ?? null),
    ['sent', 'sent', null, 'failed', null, 'pending', 'pending']);
  // A sent email wins over another that claims the same reply.
  assert.equal(emailMark([email({ state: 'pending', from_seq: 1, upto_seq: null }), email({ state: 'sent', from_seq: 1, upto_seq: 2 })], 2)?.state, 'sent');
});

/** An EmailRefresh on a fake clock whose loads answer `answer()`. */
function refresher(answer = () => Promise.resolve({ items: [email({})] })) {
  const clock = new FakeClock();
  const loads = [];
  const applied = [];
  const refresh = new EmailRefresh({
    load: () => {
      loads.push(clock.now());
      return answer();
    },
    apply: (emails) => applied.push(emails),
    clock: { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (id) => clock.clearTimeout(id), now: () => clock.now() },
  });
  return { clock, loads, applied, refresh };
}

test('the list is asked for at once, then at most once every 5 s, requests meanwhile joined', async () => {
  const { clock, loads, applied, refresh } = refresher();
  const start = clock.now();
  refresh.request();
  assert.deepEqual(loads, [start], 'at once when the conversation opens');
  await settle();
  assert.equal(applied.length, 1);
  assert.equal(applied[0][0].state, 'sent');

  clock.advance(1000);
  refresh.request();
  refresh.request();
  clock.advance(3000);
  refresh.request();
  assert.equal(loads.length, 1, 'not before 5 s');
  clock.advance(999);
  assert.equal(loads.length, 1);
  clock.advance(1);
  assert.deepEqual(loads, [start, start + EMAILS_REFRESH_MS], 'one request for the three');

  clock.advance(EMAILS_REFRESH_MS * 2);
  refresh.request();
  assert.equal(loads.length, 3, 'at once again after a quiet time');
});

test('an error or a 404 hands an empty list; an older answer arriving late is dropped', async () => {
  let calls = 0;
  const resolvers = [];
  const { clock, applied, refresh } = refresher(() => {
    calls++;
    if (calls === 1) return Promise.reject(Object.assign(new Error('Not found'), { status: 404 }));
    return new Promise((resolve) => resolvers.push(resolve));
  });
  refresh.request();
  await settle();
  assert.deepEqual(applied, [[]], 'nothing shown');

  clock.advance(EMAILS_REFRESH_MS);
  refresh.request();
  clock.advance(EMAILS_REFRESH_MS);
  refresh.request();
  assert.equal(resolvers.length, 2);
  resolvers[1]({ items: [email({ state: 'pending', upto_seq: null })] });
  await settle();
  resolvers[0]({ items: [email({ state: 'sent' })] });
  await settle();
  assert.equal(applied.length, 2, 'the stale answer is not applied');
  assert.equal(applied[1][0].state, 'pending');
});

test('a load that throws is an empty list; nothing runs or applies after stop()', async () => {
  const applied = [];
  const thrower = new EmailRefresh({ load: () => { throw new Error('boom'); }, apply: (e) => applied.push(e) });
  thrower.request();
  await settle();
  assert.deepEqual(applied, [[]]);

  let resolve;
  const { clock, loads, applied: later, refresh } = refresher(() => new Promise((r) => (resolve = r)));
  refresh.request();
  clock.advance(1000);
  refresh.request();
  refresh.stop();
  resolve({ items: [email({})] });
  await settle();
  clock.advance(EMAILS_REFRESH_MS * 2);
  refresh.request();
  assert.equal(loads.length, 1, 'the waiting request was cancelled');
  assert.deepEqual(later, [], 'the answer came after the view went');
});

test("the welcome's email setup: configured, inbound, and nothing claimed when it does not say", () => {
  assert.deepEqual(emailSetup({ email: { configured: true, inbound: true } }), { configured: true, inbound: true });
  assert.deepEqual(emailSetup({ email: { configured: false, inbound: false } }), { configured: false, inbound: false });
  assert.deepEqual(emailSetup({}), { configured: null, inbound: false }, 'an older server');
  assert.deepEqual(emailSetup({ email: null }), { configured: null, inbound: false });
  assert.deepEqual(emailSetup({ email: { configured: 'no' } }), { configured: null, inbound: false });
  assert.deepEqual(emailSetup(null), { configured: null, inbound: false });
});

test('without email on the server: the notice for a visitor with an email, the invitation off', () => {
  const off = emailSetup({ email: { configured: false, inbound: false } });
  const on = emailSetup({ email: { configured: true, inbound: false } });
  const unknown = emailSetup({});
  assert.equal(visitorEmailNotice(off, 'ada@example.com'), EMAIL_OFF_NOTICE);
  assert.equal(EMAIL_OFF_NOTICE, 'Email is not set up on this server: replies do not reach visitors who leave.');
  assert.equal(visitorEmailNotice(off, null), null, 'no email: nothing to say');
  assert.equal(visitorEmailNotice(off, ''), null);
  assert.equal(visitorEmailNotice(on, 'ada@example.com'), null);
  assert.equal(visitorEmailNotice(unknown, 'ada@example.com'), null);

  assert.deepEqual(inviteChoice(off), { checked: false, disabled: true, note: INVITE_OFF_NOTE });
  assert.equal(INVITE_OFF_NOTE, 'Invitations need email set up on the server (PARLEY_SMTP_URL)');
  assert.deepEqual(inviteChoice(on), { checked: true, disabled: false, note: null });
  assert.deepEqual(inviteChoice(unknown), { checked: true, disabled: false, note: null });

  assert.equal(notifyEmailNote(off), NOTIFY_OFF_NOTE, "the profile's email notifications say they are not sent");
  assert.equal(NOTIFY_OFF_NOTE, 'Email is not set up on this server, so these emails are not sent.');
  assert.equal(notifyEmailNote(on), null);
  assert.equal(notifyEmailNote(unknown), null, 'an older server: nothing claimed');
});
