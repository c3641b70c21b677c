// What a visitor waiting for an agent reads: the typical reply time and the place in the queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EN } from '../src/lib/i18n.js';
import { expectedReplyText, queueText } from '../src/lib/waiting.js';

const FR = { ...EN, ...JSON.parse(readFileSync(new URL('../src/i18n/fr.json', import.meta.url), 'utf8')) };

test('the expected reply time is said in minutes, rounded, then in hours', () => {
  assert.equal(expectedReplyText(EN, 0), 'Usually replies in under a minute');
  assert.equal(expectedReplyText(EN, 60), 'Usually replies in under a minute');
  assert.equal(expectedReplyText(EN, 61), 'Usually replies in about 1 minute');
  assert.equal(expectedReplyText(EN, 120), 'Usually replies in about 2 minutes');
  assert.equal(expectedReplyText(EN, 200), 'Usually replies in about 3 minutes');
  assert.equal(expectedReplyText(EN, 59 * 60), 'Usually replies in about 59 minutes');
  assert.equal(expectedReplyText(EN, 3600), 'Usually replies in about 1 hour');
  assert.equal(expectedReplyText(EN, 5 * 3600 + 600), 'Usually replies in about 5 hours');
  assert.equal(expectedReplyText(FR, 300), 'Répond généralement en 5 minutes environ');
});

test('no expected reply time without a number', () => {
  for (const value of [null, undefined, -5, Number.NaN, Infinity, '120']) assert.equal(expectedReplyText(EN, value), null, String(value));
});

test('the place in the queue, or nothing once an agent took the conversation', () => {
  assert.equal(queueText(EN, 3), 'You are number 3 in the queue');
  assert.equal(queueText(FR, 1), 'Vous êtes numéro 1 dans la file d’attente');
  for (const value of [null, undefined, 0, -1, 2.5, '2']) assert.equal(queueText(EN, value), null, String(value));
});
