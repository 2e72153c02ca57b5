import { firstValueFrom } from 'rxjs';
import { percentile } from '../framework/util/stats.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import { Ping } from '../reactors/echo/echo-channel.js';
import { ensureGoPeer, goFigure, type GoFigure } from './go-peer.js';
import { startTmp2pPair, tmp2pMessageRate, tmp2pSetups, type Tmp2pPair } from './tmp2p-pair.js';
import { coldAndSteady, type BenchRow, type Scenario } from './harness.js';

/*
 * tmp2p against CometBFT v0.38.17's own Go stack, in one run: the Go program
 * (bench/go/cometbft-conn) drives p2p/conn directly with rate limits off, both
 * ends in its process; tmp2p runs a node here and one in a worker thread.
 * CPU per operation is the whole process's (both ends) on each side.
 *
 * V8 compiles while it runs, so each tmp2p figure is taken twice: cold (the
 * first round of that case in this process) and steady (rounds repeated until
 * two in a row agree within 5 %, at most MAX_ROUNDS). Go needs no warm-up
 * beyond what its program does itself.
 */
const SCENARIO = 'cometbft';
const SETUP_DIALERS = 8;
/** p2p.busy_poll of the second echo pair: a few round trips, so the next message of a ping-pong finds the thread awake. */
const ECHO_BUSY_POLL = '200us';

interface Measured {
  readonly value: number;
  readonly cpuMsPerOp: number;
  readonly notes: string;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function messages(pair: Tmp2pPair, size: number, count: number): Promise<Measured> {
  const cpu = cpuMs();
  const { seconds, bytes } = await tmp2pMessageRate(pair, size, count);
  return { value: count / seconds, cpuMsPerOp: (cpuMs() - cpu) / count, notes: `${(bytes / seconds / 1e6).toFixed(1)} MB/s payload` };
}

async function echo(pair: Tmp2pPair, count: number): Promise<Measured & { p99: number }> {
  const reactor = pair.node.reactor(EchoReactor);
  const samples: number[] = [];
  const cpu = cpuMs();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const back = firstValueFrom(reactor.roundTrips$);
    reactor.echo.send(pair.far.nodeId, Ping.create({ content: 'rtt', sentAtUs: 1 }));
    await back;
    samples.push(performance.now() - started);
  }
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  return { value: p50, p99, cpuMsPerOp: (cpuMs() - cpu) / count, notes: `p99 ${p99.toFixed(3)} ms` };
}

async function setups(pair: Tmp2pPair, durationMs: number): Promise<Measured> {
  const cpu = cpuMs();
  const result = await tmp2pSetups(pair.far, SETUP_DIALERS, durationMs);
  return {
    value: result.setups / result.seconds,
    cpuMsPerOp: (cpuMs() - cpu) / result.setups,
    notes: `p50 ${percentile(result.latencies, 50).toFixed(2)} ms per setup`,
  };
}

function cpuNote(ms: number): string {
  return ms >= 0.1 ? `${ms.toFixed(3)} ms CPU/op` : `${(ms * 1000).toFixed(2)} µs CPU/op`;
}

export const cometbftScenario: Scenario = {
  name: SCENARIO,
  description:
    "tmp2p vs CometBFT v0.38.17's own p2p/conn (SecretConnection + MConnection from a Go program, rate limits off, 1 ms flush throttle for throughput, 0 for echo); loopback TCP; ratios tmp2p / Go, CPU per op covers both ends",
  async run(report: (row: BenchRow) => void): Promise<void> {
    const go = await ensureGoPeer();
    if ('skipped' in go) {
      report({ scenario: SCENARIO, case: 'skipped', value: 0, unit: '', notes: go.skipped });
      return;
    }
    const row = (c: string, value: number, unit: string, notes = '') => report({ scenario: SCENARIO, case: c, value, unit, notes });
    const verdict = (_ratio: number, met: boolean, target: string) => `target ${target}: ${met ? 'MET' : 'MISSED'}`;
    const goRow = (label: string, f: GoFigure, unit: string, value = f.value) =>
      row(`${label}: Go`, value, unit, `${cpuNote(f.cpuMsPerOp)}${f.p99Ms !== undefined ? `, p50 ${f.p50Ms!.toFixed(3)} ms, p99 ${f.p99Ms.toFixed(3)} ms` : ''}`);
    const tmp2pRows = (label: string, unit: string, r: { cold: Measured; steady: Measured; rounds: number }) => {
      row(`${label}: tmp2p cold`, r.cold.value, unit, `${cpuNote(r.cold.cpuMsPerOp)}, ${r.cold.notes}`);
      row(`${label}: tmp2p steady`, r.steady.value, unit, `${cpuNote(r.steady.cpuMsPerOp)}, ${r.steady.notes} (round ${r.rounds})`);
    };

    const pair = await startTmp2pPair();
    try {
      // 200-byte messages.
      const small = await coldAndSteady(() => messages(pair, 200, 200_000));
      const goSmall = await goFigure(go.binary, ['messages', '-size', '200', '-count', '300000', '-flush', '1ms', '-case', 'small']);
      tmp2pRows('200-byte messages', 'msg/s', small);
      goRow('200-byte messages', goSmall, 'msg/s');
      const smallRatio = small.steady.value / goSmall.value;
      row('200-byte messages: tmp2p / Go', smallRatio, '×', verdict(smallRatio, smallRatio >= 1.2, '≥ 1.2×'));
      row('200-byte messages: CPU per message, Go / tmp2p', goSmall.cpuMsPerOp / small.steady.cpuMsPerOp, '×', 'both ends; higher = tmp2p cheaper, steadier than rates on a busy machine');

      // 1 MiB messages.
      const bulk = await coldAndSteady(async () => {
        const m = await messages(pair, 1024 * 1024, 150);
        return { ...m, value: (m.value * 1024 * 1024) / 1e6 };
      });
      const goBulk = await goFigure(go.binary, ['messages', '-size', String(1024 * 1024), '-count', '200', '-flush', '1ms', '-case', 'bulk']);
      tmp2pRows('1 MiB messages, payload', 'MB/s', bulk);
      goRow('1 MiB messages, payload', goBulk, 'MB/s', goBulk.bytes! / goBulk.seconds / 1e6);
      const bulkRatio = bulk.steady.value / (goBulk.bytes! / goBulk.seconds / 1e6);
      row('1 MiB messages: tmp2p / Go', bulkRatio, '×', verdict(bulkRatio, bulkRatio >= 1.0, '≥ 1.0×'));
      row('1 MiB messages: CPU per message, Go / tmp2p', goBulk.cpuMsPerOp / bulk.steady.cpuMsPerOp, '×', 'both ends; higher = tmp2p cheaper');

      // Echo round trip, one in flight.
      const rtt = await coldAndSteady(() => echo(pair, 3000));
      const goEcho = await goFigure(go.binary, ['echo', '-count', '3000', '-warmup', '2000', '-flush', '0']);
      tmp2pRows('echo round trip p50', 'ms', rtt);
      goRow('echo round trip p50', goEcho, 'ms');
      const echoRatio = rtt.steady.value / goEcho.value;
      row('echo p50: tmp2p / Go (lower = tmp2p better)', echoRatio, '×', verdict(echoRatio, echoRatio <= 1.5, '≤ 1.5×'));
      const p99 = (rtt.steady as Measured & { p99: number }).p99;
      row('echo round trip p99: tmp2p steady', p99, 'ms', verdict(p99, p99 <= 1, '≤ 1 ms'));
      // Go's runtime spins before it parks a thread; tmp2p's counterpart is p2p.busy_poll (off by default).
      const polled = await startTmp2pPair({ busyPoll: ECHO_BUSY_POLL });
      try {
        const polledRtt = await coldAndSteady(() => echo(polled, 3000));
        tmp2pRows(`echo round trip p50, busy_poll ${ECHO_BUSY_POLL}`, 'ms', polledRtt);
        const polledRatio = polledRtt.steady.value / goEcho.value;
        row(`echo p50, busy_poll ${ECHO_BUSY_POLL}: tmp2p / Go`, polledRatio, '×', verdict(polledRatio, polledRatio <= 1.5, '≤ 1.5×'));
        const polledP99 = (polledRtt.steady as Measured & { p99: number }).p99;
        row(`echo round trip p99, busy_poll ${ECHO_BUSY_POLL}: tmp2p steady`, polledP99, 'ms', verdict(polledP99, polledP99 <= 1, '≤ 1 ms'));
      } finally {
        await polled.close();
      }

      // Connection setups: TCP + SecretConnection + NodeInfo, 8 in flight.
      const setup = await coldAndSteady(() => setups(pair, 2000));
      const goSetup = await goFigure(go.binary, ['setups', '-inflight', String(SETUP_DIALERS), '-duration', '3s', '-warmup', '1s']);
      tmp2pRows(`setups, ${SETUP_DIALERS} in flight`, 'setups/s', setup);
      goRow(`setups, ${SETUP_DIALERS} in flight`, goSetup, 'setups/s');
      const setupRatio = setup.steady.value / goSetup.value;
      row(`setups: tmp2p / Go`, setupRatio, '×', verdict(setupRatio, setupRatio >= 1.0, '≥ 1.0×'));
      row('setup CPU, both ends: tmp2p steady / Go', setup.steady.cpuMsPerOp / goSetup.cpuMsPerOp, '×', `${setup.steady.cpuMsPerOp.toFixed(3)} ms vs ${goSetup.cpuMsPerOp.toFixed(3)} ms per setup`);

      // Bare SecretConnection (Go only: its ceiling under MConnection).
      const goSc = await goFigure(go.binary, ['sc-bulk', '-size', String(1024 * 1024), '-count', '200']);
      goRow('bare SecretConnection, 1 MiB writes', goSc, 'MB/s');
    } finally {
      await pair.close();
    }
  },
};
