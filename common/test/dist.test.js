// dist/ is what the sources build to: `scripts/build-web.mjs --check` rebuilds into a
// temporary folder and fails, naming the files, when the committed bundles are stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('dist/ is up to date with the sources', () => {
  const run = spawnSync(process.execPath, ['scripts/build-web.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
