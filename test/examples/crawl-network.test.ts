import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The compiled example, from dist/test/examples (npm test) or test/examples (tsx).
const example = ['../../examples/crawl-network.js', '../../dist/examples/crawl-network.js']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path))!;

describe('examples/crawl-network.ts', function () {
  this.timeout(60_000);

  it('crawls its three loopback nodes from the first one and prints the table and the edges', async () => {
    const { stdout } = await run(process.execPath, [example], { timeout: 60_000 });
    assert.match(stdout, /^node\s+status\s+address\s+moniker/m);
    for (const moniker of ['node-0', 'node-1', 'node-2']) assert.match(stdout, new RegExp(`^[0-9a-f]{40}\\s+reachable\\s+127\\.0\\.0\\.1:\\d+\\s+${moniker}\\s`, 'm'));
    assert.match(stdout, /^3 nodes: 3 reachable, 0 unreachable, 0 skipped, 0 not dialed; \d+ edges; 3 dials; complete after/m);
    assert.match(stdout, /^[0-9a-f]{8}… advertised [0-9a-f]{40}@127\.0\.0\.1:\d+$/m);
  });
});
