import 'reflect-metadata';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { createNode } from '../node/create-node.js';
import { silentLogger } from '../framework/logging/logger.js';
import { NodeAddress } from '../framework/address/node-address.js';
import { BytesValue } from './tcp-channel.js';
import { LowPriorityChannel, PriorityBenchReactor, hrtimeMs, priorityNodeConfig, probeMessage, readProbe, type PriorityNodeSettings } from './priority-shared.js';
import { NearTrace, type StageTimes } from './priority-trace.js';
import type { MConnConnection } from '../plugins/transports/mconn/mconn-connection.js';
import { mailbox } from './worker-mailbox.js';

/*
 * One case of priority-under-load, run in a worker of its own so that every
 * case starts in a fresh isolate: run one after another in one thread, the
 * second and third case of a size measured 4x the first's p99 and 25% less
 * throughput (JIT and heap state a case leaves behind), which is the
 * harness, not the stack.
 */

export const HIGH_INTERVAL_MS = 5;
export const WARMUP_MS = 1000;
export const MEASURE_MS = 8000;
/** Echoes still missing this long after the last send count as lost. */
export const ECHO_GRACE_MS = 3000;

export interface CaseInput {
  readonly settings: PriorityNodeSettings;
  readonly lowSize: number;
  readonly trace: boolean;
}

export interface CaseResult {
  /** Round trips A → B → A on A's clock, ms. */
  readonly rtts: number[];
  /** A's send to B's handler, ms (process.hrtime, one clock for both threads). */
  readonly oneWay: number[];
  readonly sent: number;
  readonly lowBytesPerSecond: number;
  readonly lowMessagesPerSecond: number;
  /** Low-priority messages A's peer queue shed to admit high-priority ones. */
  readonly lowShed: number;
  readonly reconnects: number;
  readonly stages?: Array<[string, number[]]>;
}

/**
 * One plugin, one low-message size, one rate: node A (this worker) keeps its
 * peer queue to node B (a worker) full of low-priority messages with
 * sendWhenRoom, and every 5 ms sends a small message on the high-priority
 * channel, which B stamps and echoes back on that channel.
 */
async function runCase({ settings, lowSize, trace: tracing }: CaseInput): Promise<CaseResult> {
  const worker = new Worker(new URL('./priority-peer-worker.js', import.meta.url), { workerData: settings });
  const next = mailbox(worker);
  const listening = await next<{ type: string; address: string }>('listening');
  const node = await createNode(priorityNodeConfig(settings), { reactors: [PriorityBenchReactor], logger: silentLogger() });
  const far = NodeAddress.parse(listening.address);
  let reconnects = 0;
  const subscription = node.events$.subscribe((e) => e.type === 'peer-down' && reconnects++);
  let flooding = true;
  try {
    node.addPeer(far);
    while (!node.peers().includes(far.nodeId)) await sleep(10);
    const reactor = node.reactor(PriorityBenchReactor);
    const peer = node.router.peer(far.nodeId)!;

    const lowPayload = BytesValue.create({ value: new Uint8Array(lowSize).fill(1) });
    const flood = (async () => {
      while (flooding && (await reactor.low.sendWhenRoom(far.nodeId, lowPayload)) === 'queued');
    })();
    await sleep(WARMUP_MS);

    const trace = tracing ? new NearTrace() : undefined;
    if (trace) {
      const conn = peer.connection as MConnConnection;
      const farBytesRead = new SharedArrayBuffer(8);
      const instrumented = next('instrumented');
      worker.postMessage({ type: 'instrument', farBytesRead });
      await instrumented;
      trace.start(conn, farBytesRead);
    }
    const sentAt: number[] = [];
    const rtts: number[] = [];
    const oneWay: number[] = [];
    reactor.onEcho = (message) => {
      const now = hrtimeMs();
      const { seq, arrivedMs } = readProbe(message);
      rtts.push(now - sentAt[seq]!);
      oneWay.push(arrivedMs - sentAt[seq]!);
      trace?.echoed(seq, arrivedMs);
    };
    const before = await lowCount(worker, next);
    const shedBefore = peer.queue.stats().dropped.get(LowPriorityChannel.id) ?? 0;
    const started = performance.now();
    let seq = 0;
    const timer = setInterval(() => {
      const message = probeMessage(seq);
      trace?.sending(seq);
      sentAt[seq++] = hrtimeMs();
      // fifo refuses it while the flood holds the queue full: then it waits its turn like any sender.
      if (reactor.high.send(far.nodeId, message) !== 'queued') void reactor.high.sendWhenRoom(far.nodeId, message);
    }, HIGH_INTERVAL_MS);
    await sleep(MEASURE_MS);
    clearInterval(timer);
    const after = await lowCount(worker, next);
    const seconds = (performance.now() - started) / 1000;
    const lowShed = (peer.queue.stats().dropped.get(LowPriorityChannel.id) ?? 0) - shedBefore;
    const giveUp = performance.now() + ECHO_GRACE_MS;
    while (rtts.length < seq && performance.now() < giveUp) await sleep(20);
    let stages: Array<[string, number[]]> | undefined;
    if (trace) {
      const dump = next<{ type: string; stages: StageTimes; loopDelay: number[] }>('trace');
      worker.postMessage({ type: 'trace-dump' });
      stages = trace.stagesWith(await dump);
    }
    flooding = false;
    await Promise.race([flood, sleep(1000)]);
    return {
      rtts,
      oneWay,
      sent: seq,
      lowBytesPerSecond: (after.bytes - before.bytes) / seconds,
      lowMessagesPerSecond: (after.messages - before.messages) / seconds,
      lowShed,
      reconnects,
      stages,
    };
  } finally {
    flooding = false;
    subscription.unsubscribe();
    await node.stop();
    worker.postMessage({ type: 'stop' });
    await next('stopped');
    await worker.terminate();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function lowCount(worker: Worker, next: ReturnType<typeof mailbox>) {
  const reply = next<{ type: string; messages: number; bytes: number }>('low-count');
  worker.postMessage({ type: 'low-count' });
  return reply;
}


/** Runs `input` in a fresh worker and resolves with its result. */
export function runCaseInWorker(input: CaseInput): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: input });
    worker.once('message', (result: CaseResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the priority-under-load case worker exited with ${code} before reporting`)));
  });
}

if (parentPort !== null && (workerData as Partial<CaseInput> | undefined)?.settings !== undefined) {
  const result = await runCase(workerData as CaseInput);
  parentPort.postMessage(result);
  process.exit(0);
}
