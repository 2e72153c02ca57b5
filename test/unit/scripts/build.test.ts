import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
// The repository root, from dist/test/unit/scripts (npm test) or test/unit/scripts (tsx).
const root = ['../../../..', '../../..'].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((dir) => existsSync(join(dir, 'scripts', 'build.mjs')))!;

describe('scripts/build.mjs', function () {
  this.timeout(120_000);
  const fixture = join(root, 'dist', 'test', 'unit', 'scripts', 'deleted-source');

  after(() => rm(fixture, { recursive: true, force: true }));

  it('removes the outputs of a deleted source, so an old test neither runs nor is packed, and keeps the rest', async () => {
    await mkdir(fixture, { recursive: true });
    const orphans = ['gone.js', 'gone.js.map', 'gone.d.ts'].map((name) => join(fixture, name));
    for (const file of orphans) await writeFile(file, '// compiled from a source that no longer exists\n');

    const { stderr } = await exec(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root });

    assert.deepEqual(orphans.filter((file) => existsSync(file)), [], stderr);
    // At least the three planted here (more when a source was deleted since the last build).
    const removed = Number(/(\d+) output file\(s\) of deleted sources removed/.exec(stderr)?.[1] ?? 0);
    assert.ok(removed >= 3, stderr);
    for (const kept of ['dist/.tsbuildinfo', 'dist/node/index.js', 'dist/node/index.d.ts', 'dist/node/index.js.map', 'dist/proto/gen/messages.js', 'dist/proto/gen/messages.d.ts']) {
      assert.ok(existsSync(join(root, kept)), `${kept} was removed`);
    }
    assert.ok(existsSync(fileURLToPath(import.meta.url)), 'this test itself was kept');
  });
});
