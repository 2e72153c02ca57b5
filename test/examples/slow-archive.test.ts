import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The compiled example, from dist/test/examples (npm test) or test/examples (tsx).
const example = ['../../examples/slow-archive.js', '../../dist/examples/slow-archive.js']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path))!;

describe('examples/slow-archive.ts', function () {
  this.timeout(90_000);

  it('accounts for every record: saved by the slow store or dropped by drop-oldest', async () => {
    const { stdout, stderr } = await run(process.execPath, [example, '600'], { timeout: 90_000 });
    const line = /^600 records sent, (\d+) saved, (\d+) dropped by the overflow policy \(drop-oldest\)$/m.exec(stdout);
    assert.ok(line, stdout + stderr);
    assert.equal(Number(line[1]) + Number(line[2]), 600);
    assert.ok(Number(line[1]) > 0, 'the store saved records');
  });
});
