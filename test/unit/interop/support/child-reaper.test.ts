import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { killTrackedChildren, trackChild, trackedChildCount } from '../../../interop/support/child-reaper.js';

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

/** True while `pid` runs; a zombie (killed, not yet reaped by its new parent) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('interop-support: child reaper', () => {
  it('kills tracked children and forgets them once they exit', async () => {
    const before = trackedChildCount();
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    trackChild(child);
    assert.equal(trackedChildCount(), before + 1);
    killTrackedChildren();
    assert.equal(await exited(child), 'SIGKILL');
    assert.equal(trackedChildCount(), before);
  });

  it('kills a whole process group when asked to', async () => {
    // bash prints the pid of its background sleep, then waits; killing only bash would orphan it.
    const leader = spawn('bash', ['-c', 'sleep 60 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    const grandchild = await new Promise<number>((resolve) => leader.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    assert.ok(alive(grandchild));
    trackChild(leader, { group: true });
    killTrackedChildren();
    assert.equal(await exited(leader), 'SIGKILL');
    for (let i = 0; i < 100 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(grandchild), false, `grandchild ${grandchild} should be dead`);
  });

  it('ignores a child that has already exited', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    await exited(child);
    const before = trackedChildCount();
    trackChild(child);
    assert.equal(trackedChildCount(), before);
  });
});
