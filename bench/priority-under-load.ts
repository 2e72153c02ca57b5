import { percentile } from '../framework/util/stats.js';
import { PROBE_SIZE } from './priority-shared.js';
import { ECHO_GRACE_MS, HIGH_INTERVAL_MS, MEASURE_MS, WARMUP_MS, runCaseInWorker } from './priority-case.js';
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
const TRACE = process.env.PRIORITY_TRACE === '1';

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
          const r = await runCaseInWorker({ settings: { queueType, rate }, lowSize, trace: TRACE });
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
