import { Worker } from 'node:worker_threads';

/*
 * A deadlocked main thread cannot fail its own test: nothing on it runs
 * again. A worker thread watches a heartbeat in shared memory instead, and
 * when the main thread has not beaten for `stallMs` it writes why to stderr
 * and kills the whole process, which fails the test run (mocha never
 * reports, the exit status is non-zero). The bound is a stall, not a speed:
 * any machine that makes progress at all passes.
 */
const WATCHER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beats = new Int32Array(workerData.heartbeat);
let last = Atomics.load(beats, 0);
let lastChange = Date.now();
const timer = setInterval(() => {
  const now = Atomics.load(beats, 0);
  if (now !== last) { last = now; lastChange = Date.now(); return; }
  if (Date.now() - lastChange < workerData.stallMs) return;
  writeSync(2, '\\nFATAL: the main thread stalled for ' + workerData.stallMs + ' ms during "' + workerData.what + '" (' + now + ' beats so far); killing the test process\\n');
  process.kill(process.pid, 'SIGKILL');
}, 50);
parentPort.on('message', () => { clearInterval(timer); parentPort.close(); });
`;

export interface MainThreadWatchdog {
  /** Call at least once per `stallMs` from the main thread. */
  beat(): void;
  /** Stops watching; resolves when the worker has exited. */
  stop(): Promise<void>;
}

export async function startMainThreadWatchdog(what: string, stallMs = 5000): Promise<MainThreadWatchdog> {
  const heartbeat = new SharedArrayBuffer(4);
  const beats = new Int32Array(heartbeat);
  const worker = new Worker(WATCHER_SOURCE, { eval: true, workerData: { heartbeat, stallMs, what } });
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  });
  return {
    beat: () => void Atomics.add(beats, 0, 1),
    stop: async () => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      await exited;
    },
  };
}
