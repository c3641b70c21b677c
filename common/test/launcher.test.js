// The launcher's icons have one definition (common/launcher.js) that the loader, a classic
// script that cannot import it, copies: the two must not drift apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LAUNCHER_ICONS } from '../launcher.js';

const loader = readFileSync(new URL('../../widget/src/loader.js', import.meta.url), 'utf8');

test("the loader draws the launcher with common/launcher.js's icons", () => {
  assert.ok(loader.includes(`const ICON_CHAT = '${LAUNCHER_ICONS.chat}';`), 'the speech bubble');
  assert.ok(loader.includes(`const ICON_CLOSE = '${LAUNCHER_ICONS.close}';`), 'the ×');
});
