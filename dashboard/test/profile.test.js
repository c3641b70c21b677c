import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../lib/api.js';
import { NAME_MAX, checkName, checkPasswordChange, passwordChangeError } from '../lib/profile.js';

test('a name: 1 to 200 characters once trimmed, counted as the server counts them', () => {
  assert.equal(checkName('Ada'), null);
  assert.equal(checkName('  Ada Lovelace '), null);
  assert.equal(checkName(''), 'Enter your name.');
  assert.equal(checkName('   \n'), 'Enter your name.');
  assert.equal(checkName('x'.repeat(NAME_MAX)), null);
  assert.equal(checkName(` ${'x'.repeat(NAME_MAX)} `), null, 'the spaces around are not counted');
  assert.equal(checkName('x'.repeat(NAME_MAX + 1)), `Use at most ${NAME_MAX} characters.`);
  assert.equal(checkName('😀'.repeat(NAME_MAX)), null, 'an emoji is one character, not two UTF-16 units');
});

test('a password change: the current password, then at least 8 characters typed twice alike, and a new one', () => {
  const ok = { current: 'old password', password: 'new password', confirm: 'new password' };
  assert.equal(checkPasswordChange(ok), null);
  assert.deepEqual(checkPasswordChange({ ...ok, current: '' }), { field: 'current', message: 'Enter your current password.' });
  assert.deepEqual(checkPasswordChange({ ...ok, password: 'short', confirm: 'short' }), { field: 'password', message: 'Use at least 8 characters.' });
  assert.deepEqual(checkPasswordChange({ ...ok, password: '1234567', confirm: '1234567' }), { field: 'password', message: 'Use at least 8 characters.' });
  assert.equal(checkPasswordChange({ ...ok, password: '12345678', confirm: '12345678' }), null, 'exactly 8');
  assert.deepEqual(checkPasswordChange({ ...ok, password: 'x'.repeat(257), confirm: 'x'.repeat(257) }), { field: 'password', message: 'Use at most 256 characters.' });
  assert.deepEqual(checkPasswordChange({ ...ok, confirm: 'new passw0rd' }), { field: 'confirm', message: 'The two passwords differ.' });
  assert.deepEqual(checkPasswordChange({ ...ok, confirm: '' }), { field: 'confirm', message: 'The two passwords differ.' });
  assert.deepEqual(checkPasswordChange({ ...ok, current: 'new password' }), { field: 'password', message: 'The new password is the one you have now.' });
  // The length comes before the match: a short one is named first, at the new password.
  assert.equal(checkPasswordChange({ ...ok, password: 'short', confirm: 'other' })?.field, 'password');
});

test("the server's refusals: a wrong current password at its field, too many with the wait, anything else as said", () => {
  assert.deepEqual(passwordChangeError(new ApiError(403, 'forbidden', 'current_password is wrong')), { field: 'current', message: 'The current password is wrong.' });
  assert.deepEqual(passwordChangeError(new ApiError(429, 'rate_limited', 'too many requests', 42)), { field: null, message: 'Too many wrong passwords. Try again in 42 seconds.' });
  assert.deepEqual(passwordChangeError(new ApiError(429, 'rate_limited', 'too many requests')), { field: null, message: 'Too many wrong passwords. Try again in 60 seconds.' });
  assert.deepEqual(passwordChangeError(new ApiError(422, 'validation_failed', 'new_password: must be 8 to 256 characters')), { field: null, message: 'new_password: must be 8 to 256 characters' });
  assert.deepEqual(passwordChangeError(new ApiError(0, 'network', 'The server cannot be reached.')), { field: null, message: 'The server cannot be reached.' });
  assert.deepEqual(passwordChangeError(null), { field: null, message: 'The password could not be changed.' });
});

test('a picture is a JPEG, PNG, GIF or WebP of at most 5 MiB; a signature at most 1000 characters', async () => {
  const { AVATAR_MAX_BYTES, checkAvatar, checkSignature } = await import('../lib/profile.js');
  assert.equal(checkAvatar({ type: 'image/png', size: 100 }), null);
  assert.equal(checkAvatar({ type: 'image/webp', size: AVATAR_MAX_BYTES }), null);
  assert.match(checkAvatar({ type: 'image/svg+xml', size: 100 }) ?? '', /JPEG, PNG, GIF or WebP/);
  assert.match(checkAvatar({ type: 'image/jpeg', size: AVATAR_MAX_BYTES + 1 }) ?? '', /5 MB/);
  assert.equal(checkSignature(''), null);
  assert.equal(checkSignature('😀'.repeat(1000)), null);
  assert.match(checkSignature('x'.repeat(1001)) ?? '', /1000/);
});
