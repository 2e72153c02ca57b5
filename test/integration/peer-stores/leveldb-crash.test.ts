import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LevelPeerStore } from '../../../plugins/peer-stores/leveldb.js';
import { CHURN_PEERS, HAMMER_PEERS, hammerRecord } from './fixtures/hammer-records.js';

/** Runs the hammer script the way this file runs: compiled JS from dist, or TypeScript through tsx. */
function hammerCommand(path: string, firstRound: number): { command: string; args: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./fixtures/level-hammer.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return { command: process.execPath, args: [...(fromSource ? ['--import', 'tsx'] : []), script, path, String(firstRound)] };
}

interface CrashOutcome {
  /** Last round the child reported as fully acknowledged before it died. */
  readonly lastAcked: number;
  readonly signal: NodeJS.Signals | null;
}

/** Starts the hammer, lets it acknowledge `rounds` rounds, and SIGKILLs it as soon as the next round has begun committing. */
async function hammerAndKill(path: string, firstRound: number, rounds: number): Promise<CrashOutcome> {
  const { command, args } = hammerCommand(path, firstRound);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
  let stderr = '';
  let lastAcked = firstRound - 1;
  let buffered = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const match = /^(acked|started) (\d+)$/.exec(line);
          if (match?.[1] === 'acked') lastAcked = Number(match[2]);
          if (match?.[1] === 'started' && Number(match[2]) >= firstRound + rounds) resolve();
        }
      });
      child.once('exit', (code, signal) => reject(new Error(`hammer exited early (code ${code}, signal ${signal}); stderr:\n${stderr}`)));
    });
    child.kill('SIGKILL');
    const signal = await exited;
    // Every "acked" line the child managed to print, even after the kill was sent, vouches for committed writes.
    await new Promise<void>((resolve) => (child.stdout.readableEnded ? resolve() : child.stdout.once('close', () => resolve())));
    return { lastAcked, signal };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('LevelPeerStore crash safety (kill -9 during heavy writes)', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmp2p-level-crash-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reopens after every SIGKILL with whole records and every acknowledged write', async () => {
    const path = join(dir, 'peerstore');
    let nextRound = 1;
    let killedMidRound = 0;
    for (let cycle = 0; cycle < 4; cycle++) {
      const { lastAcked, signal } = await hammerAndKill(path, nextRound, 3 + cycle);
      assert.equal(signal, 'SIGKILL');

      // The dead process's lock is gone: this open would fail otherwise.
      const store = new LevelPeerStore({ path });
      const records = await store.load();
      const stats = store.stats();
      await store.close();

      assert.equal(stats.corrupt, 0, 'no record failed to parse or validate');
      assert.ok(records.length >= HAMMER_PEERS && records.length <= HAMMER_PEERS + CHURN_PEERS, `${records.length} records`);
      let newest = 0;
      for (const record of records) {
        const n = parseInt(record.nodeId, 16);
        const round = record.lastConnected!;
        // Whole, not torn: the record is exactly what that round wrote for that peer.
        assert.deepStrictEqual(record, hammerRecord(n, round));
        if (n <= HAMMER_PEERS) assert.ok(round >= lastAcked, `peer ${n} is at round ${round}, but round ${lastAcked} was acknowledged`);
        // Nothing from the future: at most the round in progress at the kill.
        assert.ok(round <= lastAcked + 1, `peer ${n} is at round ${round}, after the last started round ${lastAcked + 1}`);
        newest = Math.max(newest, round);
      }
      const partial = records.filter((r) => r.lastConnected === lastAcked + 1).length;
      if (partial > 0 && partial < HAMMER_PEERS) killedMidRound++;
      nextRound = newest + 1;
    }
    // The kill really interrupted a stream of commits (not a quiet moment between rounds).
    assert.ok(killedMidRound > 0, 'no kill landed inside a round');
  });
});
