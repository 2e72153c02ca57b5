import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo-root.js';

describe('npm run bench: choosing scenarios', () => {
  it('refuses an unknown scenario name with one line naming the scenarios and exit code 2, before running any', () => {
    const result = spawnSync(process.execPath, [join(repoRoot(), 'dist/bench/index.js'), 'tcp', 'no-such-scenario'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stdout, '', 'nothing ran');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /no scenario named no-such-scenario; scenarios: .*\bcometbft\b/);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  });
});
