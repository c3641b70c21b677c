import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD_MAX, PASSWORD_MIN, charCount, checkNewPassword, parseResetHash, resetTitle } from '../lib/reset.js';

test('a reset link gives its token, and whether it is an invitation', () => {
  assert.deepEqual(parseResetHash('#/reset?token=abc123'), { token: 'abc123', invite: false });
  assert.deepEqual(parseResetHash('#/reset?token=abc123&invite=1'), { token: 'abc123', invite: true });
  assert.deepEqual(parseResetHash('#/reset?invite=1&token=abc123'), { token: 'abc123', invite: true });
  assert.deepEqual(parseResetHash('#/reset?token=abc123&invite=0'), { token: 'abc123', invite: false });
  assert.deepEqual(parseResetHash('#reset?token=a%2Bb%3D'), { token: 'a+b=', invite: false }, 'percent-encoded');
  assert.deepEqual(parseResetHash('#/reset/?token=x'), { token: 'x', invite: false });
});

test('a reset route without a token is still a reset route; anything else is not', () => {
  assert.deepEqual(parseResetHash('#/reset'), { token: '', invite: false });
  assert.deepEqual(parseResetHash('#/reset?invite=1'), { token: '', invite: true });
  assert.deepEqual(parseResetHash('#/reset?token='), { token: '', invite: false });
  for (const hash of ['', '#', '#/', '#/login', '#/inbox/open', '#/resets?token=a', '#/c/reset', '#/admin/reset?token=a']) {
    assert.equal(parseResetHash(hash), null, hash);
  }
});

test('a new password: 8 to 256 characters, counted as the server counts them, and confirmed', () => {
  assert.equal(PASSWORD_MIN, 8);
  assert.equal(PASSWORD_MAX, 256);
  assert.deepEqual(checkNewPassword('', ''), { field: 'password', message: 'Use at least 8 characters.' });
  assert.deepEqual(checkNewPassword('1234567', '1234567'), { field: 'password', message: 'Use at least 8 characters.' });
  assert.equal(checkNewPassword('12345678', '12345678'), null);
  assert.equal(checkNewPassword('x'.repeat(256), 'x'.repeat(256)), null);
  assert.deepEqual(checkNewPassword('x'.repeat(257), 'x'.repeat(257)), { field: 'password', message: 'Use at most 256 characters.' });
  assert.deepEqual(checkNewPassword('12345678', '12345679'), { field: 'confirm', message: 'The two passwords differ.' });
  assert.deepEqual(checkNewPassword('12345678', ''), { field: 'confirm', message: 'The two passwords differ.' });
  // Four emoji are 8 UTF-16 units but 4 characters: too short. 256 emoji are 256 characters.
  assert.equal(charCount('😀😀😀😀'), 4);
  assert.equal(checkNewPassword('😀😀😀😀', '😀😀😀😀')?.field, 'password');
  assert.equal(checkNewPassword('😀'.repeat(256), '😀'.repeat(256)), null);
  assert.equal(checkNewPassword('é'.repeat(8), 'é'.repeat(8)), null);
});

test('the heading says whether the account is being set up', () => {
  assert.equal(resetTitle(false), 'Choose a password');
  assert.equal(resetTitle(true), 'Welcome! Choose a password to finish setting up your account');
});
