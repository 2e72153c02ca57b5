import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCometBFT, findRepoRoot } from '../../../interop/support/ensure-cometbft.js';

/** A PATH holding only the tools the install script needs besides `go`, to simulate a Go-less machine. */
async function toolboxWithoutGo(dir: string): Promise<string> {
  const bin = join(dir, 'tools');
  await mkdir(bin);
  for (const tool of ['bash', 'dirname', 'head', 'tr', 'mkdir', 'date', 'flock']) {
    const path = execFileSync('bash', ['-c', `command -v ${tool} || true`], { encoding: 'utf8' }).trim();
    if (path) await symlink(path, join(bin, tool));
  }
  return bin;
}

async function fakeCometBFT(gobin: string, version: string): Promise<string> {
  await mkdir(gobin, { recursive: true });
  const path = join(gobin, 'cometbft');
  await writeFile(path, `#!/bin/sh\n[ "$1" = version ] && echo ${version}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('interop-support: ensureCometBFT (no Go needed)', () => {
  let dir: string;
  let tools: string;
  let progress: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmp2p-ensure-'));
    tools = await toolboxWithoutGo(dir);
    progress = [];
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (gobin: string, signal?: AbortSignal) =>
    ensureCometBFT({ env: { PATH: tools, COMETBFT_GOBIN: gobin }, onProgress: (l) => progress.push(l), signal });

  it('reuses an existing binary of the right version without needing Go', async () => {
    const gobin = join(dir, 'bin');
    const fake = await fakeCometBFT(gobin, '0.38.17');
    assert.equal(await run(gobin), fake);
    assert.ok(progress.some((l) => l.includes(`reusing ${fake}`)), progress.join('\n'));
  });

  it('fails clearly when Go is missing and nothing is installed', async () => {
    await assert.rejects(run(join(dir, 'empty')), (e: Error) => {
      assert.equal(e.name, 'CometBFTInstallError');
      assert.match(e.message, /exited with code 127/);
      assert.match(e.message, /'go' is not on PATH/);
      return true;
    });
  });

  it('does not accept a binary of another version', async () => {
    const gobin = join(dir, 'bin');
    await fakeCometBFT(gobin, '0.38.16');
    await assert.rejects(run(gobin), { name: 'CometBFTInstallError', message: /'go' is not on PATH/ });
  });

  it('honours an aborted signal', async () => {
    await assert.rejects(run(join(dir, 'bin'), AbortSignal.abort()), { name: 'AbortError' });
    assert.equal(existsSync(join(dir, 'bin')), false, 'the script should not have run');
  });

  it('finds the repository root from this file, and fails outside the repository', () => {
    const root = findRepoRoot();
    assert.ok(existsSync(join(root, 'scripts', 'interop', 'install-cometbft.sh')));
    assert.throws(() => findRepoRoot(tmpdir()), { name: 'CometBFTInstallError', message: /install-cometbft\.sh/ });
  });
});
