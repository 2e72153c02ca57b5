import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { MongoUnavailableError, mongoRequired, startMongo } from '../../support/mongodb/server.js';
import { ensureFerretDB, repoRoot } from '../../support/mongodb/ferretdb.js';

const SCRIPT = join(repoRoot(), 'scripts', 'ferretdb', 'install-ferretdb.sh');

function runScript(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('MongoDB test server bootstrap', function () {
  this.timeout(20 * 60_000); // may build FerretDB on first use
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tmp2p-ferret-script-'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('install-ferretdb.sh exits 127 with a clear message when Go is missing and nothing is cached', async () => {
    const { code, stdout, stderr } = await runScript({ PATH: '/usr/bin:/bin', FERRETDB_BIN_DIR: join(scratch, 'bin') });
    assert.equal(code, 127);
    assert.equal(stdout, '');
    assert.match(stderr, /'go' is not on PATH/);
    assert.match(stderr, /MONGODB_URI/);
  });

  it('install-ferretdb.sh reuses a built binary without Go, printing its path last', async function () {
    let binary: string;
    try {
      binary = await ensureFerretDB();
    } catch (error) {
      if (error instanceof MongoUnavailableError && !mongoRequired()) this.skip();
      throw error;
    }
    const { code, stdout, stderr } = await runScript({ PATH: '/usr/bin:/bin' });
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim().split('\n').at(-1), binary);
    assert.match(stderr, /reusing .*ferretdb \(version v1\.24\.2\)/);
    assert.ok(existsSync(binary));
  });

  it('starts a server that answers, on a free port, and removes it on stop', async function () {
    let server;
    try {
      server = await startMongo({ ownServer: true });
    } catch (error) {
      if (error instanceof MongoUnavailableError && !mongoRequired()) this.skip();
      throw error;
    }
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
    } finally {
      await client.close();
    }
    assert.ok(server.suspend && server.resume, 'a server of our own can be stopped and restarted');
    await server.stop();
    const after = new MongoClient(server.uri, { serverSelectionTimeoutMS: 300 });
    await assert.rejects(after.db('admin').command({ ping: 1 }));
    await after.close();
  });

  it('refuses an unknown TMP2P_TEST_MONGO value', async () => {
    const saved = process.env.TMP2P_TEST_MONGO;
    process.env.TMP2P_TEST_MONGO = 'sqlite';
    try {
      await assert.rejects(startMongo({ ownServer: true }), { name: 'MongoServerStartError', message: /TMP2P_TEST_MONGO=sqlite/ });
    } finally {
      if (saved === undefined) delete process.env.TMP2P_TEST_MONGO;
      else process.env.TMP2P_TEST_MONGO = saved;
    }
  });
});
