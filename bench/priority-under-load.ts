import { Worker } from 'node:worker_threads';
import { createNode } from '../framework/container/create-node.js';
import { silentLogger } from '../framework/logging/logger.js';
import { NodeAddress } from '../framework/address/node-address.js';
import { percentile } from '../framework/util/stats.js';
import { BytesValue } from './tcp-channel.js';
import {
  LowPriorityChannel,
  PROBE_SIZE,
  PriorityBenchReactor,
  hrtimeMs,
  priorityNodeConfig,
  probeMessage,
  readProbe,
  type PriorityNodeSettings,
} from './priority-shared.js';
import { NearTrace, type StageTimes } from './priority-trace.js';
import type { MConnConnection } from '../plugins/transports/mconn/mconn-connection.js';
import { mailbox } from './worker-mailbox.js';
import type { BenchRow, Scenario } from './harness.js';

/**
 * The cases, each narrowed by an environment variable for focused runs
 * (comma-separated): PRIORITY_PLUGINS (queue_type values, default
 * fifo,priority,wdrr), PRIORITY_SIZES (low message bytes, default 1 KiB —
 * mempool-transaction-like — and 64 KiB — block-part-like), PRIORITY_RATES
 * (send_rate = recv_rate in B/s; default 0 = off, the issue's case, then
 * CometBFT's default 5,120,000 for contrast).
 */
const PLUGINS = listFromEnv('PRIORITY_PLUGINS', ['fifo', 'priority', 'wdrr'], (s) => s);
const LOW_SIZES = listFromEnv('PRIORITY_SIZES', [1024, 64 * 1024], integerAtLeast('PRIORITY_SIZES', 1));
const RATES = listFromEnv('PRIORITY_RATES', [0, 5_120_000], integerAtLeast('PRIORITY_RATES', 0));
const HIGH_INTERVAL_MS = 5;
const WARMUP_MS = 1000;
const MEASURE_MS = 8000;
/** Echoes still missing this long after the last send count as lost. */
const ECHO_GRACE_MS = 3000;
const TRACE = process.env.PRIORITY_TRACE === '1';

interface CaseResult {
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
 * One plugin, one low-message size, one rate: node A (this thread) keeps its
 * peer queue to node B (a worker) full of low-priority messages with
 * sendWhenRoom, and every 5 ms sends a small message on the high-priority
 * channel, which B stamps and echoes back on that channel.
 */
async function runCase(settings: PriorityNodeSettings, lowSize: number): Promise<CaseResult> {
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

    const trace = TRACE ? new NearTrace() : undefined;
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

function listFromEnv<T>(name: string, fallback: readonly T[], parse: (item: string) => T): readonly T[] {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') return fallback;
  return value.split(',').map((item) => parse(item.trim()));
}

function integerAtLeast(name: string, min: number): (item: string) => number {
  return (item) => {
    const n = Number(item);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name}: "${item}" is not an integer ≥ ${min}`);
    return n;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function lowCount(worker: Worker, next: ReturnType<typeof mailbox>) {
  const reply = next<{ type: string; messages: number; bytes: number }>('low-count');
  worker.postMessage({ type: 'low-count' });
  return reply;
}

const sizeLabel = (bytes: number) => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);
const rateLabel = (rate: number) => (rate === 0 ? 'no rate limit' : `rate ${(rate / 1e6).toFixed(2)} MB/s`);
const spread = (values: number[]) => `p50 ${percentile(values, 50).toFixed(2)}, max ${Math.max(...values).toFixed(2)}`;

export const priorityUnderLoadScenario: Scenario = {
  name: 'priority-under-load',
  description:
    `loopback TCP (SecretConnection + MConnection), far node in a worker, p2p.queue_type on both; A keeps its peer queue to B full of low-priority (1) messages with sendWhenRoom ` +
    `while a high-priority (10) channel sends a ${PROBE_SIZE}-B message every ${HIGH_INTERVAL_MS} ms, which B echoes back; ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s of flood. ` +
    `RTT is A's clock; one-way is A's send to B's handler on process.hrtime (one clock for both threads)`,

  async run(report: (row: BenchRow) => void): Promise<void> {
    for (const rate of RATES) {
      for (const lowSize of LOW_SIZES) {
        for (const queueType of PLUGINS) {
          const r = await runCase({ queueType, rate }, lowSize);
          const label = `${queueType}, low ${sizeLabel(lowSize)}, ${rateLabel(rate)}`;
          const row = (name: string, value: number, unit: string, notes?: string) =>
            report({ scenario: 'priority-under-load', case: `${label}: ${name}`, value, unit, notes });
          const lost = r.sent - r.rtts.length;
          const problems = `${lost ? `; ${lost} of ${r.sent} not back within ${ECHO_GRACE_MS / 1000} s` : ''}${r.reconnects ? `; ${r.reconnects} reconnects` : ''}`;
          row('high RTT p99', percentile(r.rtts, 99), 'ms', `${spread(r.rtts)}; ${r.rtts.length} samples${problems}`);
          row('high one-way p99', percentile(r.oneWay, 99), 'ms', spread(r.oneWay));
          row('low throughput', r.lowBytesPerSecond / 1e6, 'MB/s', `${Math.round(r.lowMessagesPerSecond).toLocaleString('en-US')} msg/s; ${r.lowShed} low shed for high in A's peer queue`);
          for (const [stage, values] of r.stages ?? []) {
            if (stage.endsWith('event-loop delay')) row(`trace ${stage} p99`, values[1]!, 'ms', `p50 ${values[0]!.toFixed(2)}, max ${values[2]!.toFixed(2)}`);
            else row(`trace ${stage} p99`, percentile(values, 99), stage.endsWith('(KiB)') ? 'KiB' : 'ms', spread(values));
          }
        }
      }
    }
  },
};
