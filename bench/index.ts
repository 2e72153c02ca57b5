import 'reflect-metadata';
import { availableParallelism, loadavg } from 'node:os';
import { formatNumber, type BenchRow, type Scenario } from './harness.js';
import { memoryStackScenario } from './memory-stack.js';
import { tcpScenario } from './tcp.js';
import { queueSchedulerScenario } from './queues.js';
import { peerManagerScenario } from './peer-manager.js';
import { memoryDialScenario } from './memory-dial.js';
import { gatingScenario } from './gating.js';
import { priorityUnderLoadScenario } from './priority-under-load.js';
import { libp2pScenario } from './libp2p.js';
import { cometbftScenario } from './cometbft.js';
import { idleConnectionsScenario } from './idle-connections.js';

const scenarios: Scenario[] = [memoryStackScenario, tcpScenario, queueSchedulerScenario, peerManagerScenario, memoryDialScenario, gatingScenario, priorityUnderLoadScenario, libp2pScenario, cometbftScenario, idleConnectionsScenario];

/**
 * `npm run bench [-- name ...]`: runs every scenario (or the named ones) in
 * this one process and prints one row per measurement. Figures go to
 * BENCHMARKS.md together with this command line.
 */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) {
    // A usage error, like a CLI's: one line and exit code 2, no stack trace.
    console.error(`npm run bench: no scenario named ${unknown.join(', ')}; scenarios: ${scenarios.map((s) => s.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const selected = wanted.length ? scenarios.filter((s) => wanted.includes(s.name)) : scenarios;
  console.log(`node ${process.version}, ${new Date().toISOString()}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows: BenchRow[] = [];
  for (const scenario of selected) {
    console.log(`\n## ${scenario.name}: ${scenario.description}`);
    await scenario.run((row) => {
      rows.push(row);
      console.log(`${row.case.padEnd(40)} ${formatNumber(row.value).padStart(14)} ${row.unit.padEnd(8)} ${row.notes ?? ''}`);
    });
  }
  if (process.env.BENCH_JSON) console.log(JSON.stringify(rows));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
