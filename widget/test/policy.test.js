// What the site's routing settings ask of a visitor before a message goes: the offline policy,
// the email required first, the pre-chat fields still to ask, and the step a `conflict` means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fieldsToAsk, formFields, isEmail, nextStep, offlinePolicy, prechatFields, prechatPending, readProfile, stepForConflict,
} from '../src/lib/policy.js';

const FIELDS = [
  { name: 'name', kind: 'text', label: 'Name', required: true },
  { name: 'email', kind: 'email', label: 'Email', required: true },
  { name: 'company', kind: 'text', label: 'Company', required: false, labels: { fr: 'Société' } },
  { name: 'topic', kind: 'select', label: 'Topic', required: true, options: ['Sales', 'Support'] },
  { name: 'terms', kind: 'checkbox', label: 'I accept the terms', required: false },
];
const prechat = (fields = FIELDS, enabled = true) => ({ prechat: { enabled, fields } });

/** A state with nothing missing, changed by `fields`. */
const state = (fields = {}) => ({
  settings: {},
  available: true,
  conversationOpen: false,
  profile: readProfile(null),
  emailKnown: false,
  prechatSent: false,
  wanted: null,
  ...fields,
});

test('the offline policy is message unless the site says form or hidden', () => {
  assert.equal(offlinePolicy({}), 'message');
  assert.equal(offlinePolicy({ offline: 'form' }), 'form');
  assert.equal(offlinePolicy({ offline: 'hidden' }), 'hidden');
  assert.equal(offlinePolicy({ offline: 'teleport' }), 'message');
});

test('pre-chat fields: none unless enabled; those the widget cannot show are left out', () => {
  assert.deepEqual(prechatFields({}), []);
  assert.deepEqual(prechatFields(prechat(FIELDS, false)), []);
  const fields = prechatFields(prechat([
    ...FIELDS,
    { name: 'Bad Name', kind: 'text', label: 'x' },
    { name: 'colour', kind: 'color', label: 'x' },
    { name: 'plan', kind: 'select', label: 'Plan', options: [] },
    { name: 'company', kind: 'text', label: 'Again' },
    null,
  ]));
  assert.deepEqual(fields.map((f) => f.name), ['name', 'email', 'company', 'topic', 'terms']);
  assert.deepEqual(fields[2], { name: 'company', kind: 'text', label: 'Company', required: false, options: [], labels: { fr: 'Société' } });
  assert.deepEqual(fields[3].options, ['Sales', 'Support']);
  assert.equal(prechatFields(prechat(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, kind: 'text', label: 'F' })))).length, 10);
});

test('fields already answered are not asked again: name, email, attributes as the server counts them', () => {
  const fields = prechatFields(prechat());
  const ask = (profile) => fieldsToAsk(fields, readProfile(profile)).map((f) => f.name);
  assert.deepEqual(ask(null), ['name', 'email', 'company', 'topic', 'terms']);
  assert.deepEqual(ask({ name: 'Ada', email: 'ada@example.com', attributes: { topic: 'Sales', terms: false } }), ['company', 'terms'],
    'an unticked box is not an answer');
  assert.deepEqual(ask({ attributes: { company: 'ACME', terms: true, topic: '' } }), ['name', 'email', 'topic']);
});

test('the pre-chat form is due while a required field is unanswered, or nothing was answered yet', () => {
  const fields = prechatFields(prechat());
  assert.equal(prechatPending(fields, readProfile(null)), true);
  assert.equal(prechatPending(fields, readProfile({ name: 'Ada', email: 'a@b.example', attributes: { topic: 'Sales' } })), false,
    'only optional fields left: a returning visitor is not asked again');
  const optional = prechatFields(prechat([{ name: 'company', kind: 'text', label: 'Company' }]));
  assert.equal(prechatPending(optional, readProfile(null)), true, 'a first contact sees optional fields');
  assert.equal(prechatPending(optional, readProfile({ attributes: { company: 'ACME' } })), false);
  assert.equal(prechatPending([], readProfile(null)), false);
});

test('available, nothing enabled: nothing to do before writing', () => {
  assert.equal(nextStep(state()), null);
  assert.equal(nextStep(state({ available: false })), null, 'message policy without a required email takes the message');
  assert.equal(nextStep(state({ available: false, settings: { offline: 'hidden' } })), null, 'an open panel under hidden behaves as message');
});

test('message policy with a required email: the email first, only while nobody is available', () => {
  const settings = { offline_email_required: true };
  assert.equal(nextStep(state({ settings, available: false })), 'email');
  assert.equal(nextStep(state({ settings, available: false, emailKnown: true })), null);
  assert.equal(nextStep(state({ settings, available: true })), null);
  assert.equal(nextStep(state({ settings, available: false, conversationOpen: true })), 'email', 'in an open conversation too');
});

test('form policy: the offline form while nobody is available and the email or answers are missing', () => {
  const settings = { offline: 'form' };
  assert.equal(nextStep(state({ settings, available: false })), 'offline');
  assert.equal(nextStep(state({ settings, available: false, emailKnown: true })), null, 'nothing left to ask: the composer');
  assert.equal(nextStep(state({ settings: { ...settings, ...prechat() }, available: false, emailKnown: true })), 'offline', 'answers missing');
  assert.equal(nextStep(state({ settings, available: true })), null);
});

test('pre-chat form: before the first message of a visitor with no open conversation', () => {
  const settings = prechat();
  assert.equal(nextStep(state({ settings })), 'prechat');
  assert.equal(nextStep(state({ settings, conversationOpen: true })), null);
  assert.equal(nextStep(state({ settings, prechatSent: true })), null);
  assert.equal(nextStep(state({ settings, profile: readProfile({ name: 'A', email: 'a@b.example', attributes: { topic: 'Sales' } }) })), null);
  assert.equal(nextStep(state({ settings: { ...settings, offline_email_required: true }, available: false })), 'prechat',
    'the pre-chat form asks for the email too');
});

test('a step the server asked for stands until done', () => {
  assert.equal(nextStep(state({ wanted: 'email' })), 'email');
});

test('a conflict means the pre-chat form if it was not sent, else the email (the offline form where the site has it)', () => {
  assert.equal(stepForConflict(state({ settings: prechat() })), 'prechat');
  assert.equal(stepForConflict(state({ settings: prechat(), prechatSent: true })), 'email');
  assert.equal(stepForConflict(state({ settings: { offline: 'form' } })), 'offline');
  assert.equal(stepForConflict(state({ emailKnown: true })), null, 'nothing to ask: the send is retried later');
  assert.equal(stepForConflict(state({ settings: prechat(), conversationOpen: true, emailKnown: true })), null);
});

test('a form shows the fields still to ask, or all of them when the server wants answers it seemed to have', () => {
  const settings = prechat();
  const profile = readProfile({ name: 'Ada', email: 'ada@example.com', attributes: { topic: 'Sales' } });
  assert.deepEqual(formFields(state({ settings }), 'prechat').map((f) => f.name), ['name', 'email', 'company', 'topic', 'terms']);
  assert.deepEqual(formFields(state({ settings, profile }), 'prechat').map((f) => f.name), ['company', 'terms']);
  const everything = state({ settings, profile: readProfile({ name: 'A', email: 'a@b.example', attributes: { company: 'C', topic: 'Sales', terms: true } }), wanted: 'prechat' });
  assert.equal(formFields(everything, 'prechat').length, 5);
  assert.deepEqual(formFields(state({ settings, prechatSent: true }), 'offline'), [], 'answered on this page: only the email is left');
  assert.deepEqual(formFields(state({ settings }), 'email'), []);
});

test('email addresses: the usual shape, at most 254 characters', () => {
  assert.equal(isEmail('ada@example.com'), true);
  assert.equal(isEmail('ada@example'), false);
  assert.equal(isEmail('ada example@example.com'), false);
  assert.equal(isEmail(`${'a'.repeat(250)}@example.com`), false);
  assert.equal(isEmail(undefined), false);
});
