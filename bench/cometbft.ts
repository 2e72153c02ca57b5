import { percentile } from '../framework/util/stats.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import { Ping } from '../reactors/echo/echo-channel.js';
import type { NodeAddress } from '../framework/address/node-address.js';
import { ensureGoPeer, goEchoAcrossProcesses, goFigure, type GoFigure } from './go-peer.js';
import { startTmp2pLocalPair, startTmp2pPair, tmp2pMessageRate, tmp2pSetups, type EchoEnds, type PairSettings, type Tmp2pPair } from './tmp2p-pair.js';
import { alternately, coldAndSteady, type BenchRow, type Scenario } from './harness.js';
import { socketEchoRound, startSocketEchoServer, type SocketEchoRound } from './socket-echo.js';

/*
 * tmp2p against CometBFT v0.38.17's own Go stack, in one run: the Go program
 * (bench/go/cometbft-conn) drives p2p/conn directly with rate limits off, both
 * ends in its process; tmp2p runs a node here and one in a worker thread.
 * The echo is also taken with the Go ends in two processes and both tmp2p
 * nodes in this thread, so each topology is compared with its like.
 * CPU per operation is both ends' on each side.
 *
 * Each figure is taken for two tmp2p pairs: default settings, and
 * p2p.busy_poll (Go's runtime spins before it parks a thread; tmp2p only
 * when told to). V8 compiles while it runs, so each tmp2p figure is taken
 * cold (the first round of that case in this process) and steady (once
 * rounds agree, see coldAndSteady). The steady figure then comes from
 * ALTERNATING turns of one round per pair and one Go run; the turn with the
 * median ratio is reported with every turn's ratio: this machine's speed
 * drifts, and only adjacent measurements share its state. Go needs no
 * warm-up beyond what its program does itself.
 */
const SCENARIO = 'cometbft';
const SETUP_DIALERS = 8;
/** Turns of (tmp2p rounds, Go run) per figure. */
const ALTERNATING = 3;
/** p2p.busy_poll of the second pair: a few round trips, so the next message of a ping-pong finds the thread awake. */
const BUSY_POLL = '200us';
/** The echo between tmp2p's two threads (a node in each) and between two Go processes. */
const ECHO_APART = 'echo round trip p50, ends in two threads (Go: two processes)';
/** The echo with both tmp2p nodes on one thread, and the Go program's both ends in one process. */
const ECHO_TOGETHER = 'echo round trip p50, ends on one thread (Go: one process)';

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
  const { seconds, bytes, farFullCollections } = await tmp2pMessageRate(pair, size, count);
  return {
    value: count / seconds,
    cpuMsPerOp: (cpuMs() - cpu) / count,
    notes: `${(bytes / seconds / 1e6).toFixed(1)} MB/s payload, ${farFullCollections} full collections on the receiving thread`,
  };
}

async function echo(pair: EchoEnds, count: number): Promise<Measured & { p99: number }> {
  const reactor = pair.node.reactor(EchoReactor);
  const samples: number[] = [];
  // One subscription for the round, as the Go program reads one channel: a subscription per round trip
  // (firstValueFrom) would time RxJS setting up and tearing down a subscriber, not the stack.
  let arrived: (() => void) | undefined;
  const subscription = reactor.roundTrips$.subscribe(() => arrived?.());
  const cpu = cpuMs();
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const back = new Promise<void>((resolve) => (arrived = resolve));
      reactor.echo.send(pair.far.nodeId, Ping.create({ content: 'rtt', sentAtUs: 1 }));
      await back;
      samples.push(performance.now() - started);
    }
  } finally {
    subscription.unsubscribe();
  }
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  return { value: p50, p99, cpuMsPerOp: (cpuMs() - cpu) / count, notes: `p99 ${p99.toFixed(3)} ms` };
}

async function setups(far: NodeAddress, durationMs: number, settings: PairSettings = {}): Promise<Measured> {
  const cpu = cpuMs();
  const result = await tmp2pSetups(far, SETUP_DIALERS, durationMs, settings);
  return {
    value: result.setups / result.seconds,
    cpuMsPerOp: (cpuMs() - cpu) / result.setups,
    notes: `p50 ${percentile(result.latencies, 50).toFixed(2)} ms per setup`,
  };
}

/** The plain-socket echo (socket-echo.ts) to the server on `port`: a warm-up round, then the median of three. */
async function socketEchoFloor(port: number): Promise<SocketEchoRound> {
  await socketEchoRound(port, 1000);
  const rounds: SocketEchoRound[] = [];
  for (let i = 0; i < 3; i++) rounds.push(await socketEchoRound(port, 3000));
  rounds.sort((a, b) => a.p50 - b.p50);
  return rounds[1]!;
}

function cpuNote(ms: number): string {
  return ms >= 0.1 ? `${ms.toFixed(3)} ms CPU/op` : `${(ms * 1000).toFixed(2)} µs CPU/op`;
}

export const cometbftScenario: Scenario = {
  name: SCENARIO,
  description:
    "tmp2p vs CometBFT v0.38.17's own p2p/conn (SecretConnection + MConnection from a Go program, rate limits off, 1 ms flush throttle for throughput, 0 for echo); loopback TCP; the echo both between two tmp2p threads and two Go processes, and within one thread and one Go process; tmp2p (default settings, and with p2p.busy_poll 200us) and Go measured in turn, the median of 3 turns; ratios tmp2p / Go, CPU per op covers both ends",
  async run(report: (row: BenchRow) => void): Promise<void> {
    const go = await ensureGoPeer();
    if ('skipped' in go) {
      report({ scenario: SCENARIO, case: 'skipped', value: 0, unit: '', notes: go.skipped });
      return;
    }
    const row = (c: string, value: number, unit: string, notes = '') => report({ scenario: SCENARIO, case: c, value, unit, notes });
    const verdict = (met: boolean, target: string) => `target ${target}: ${met ? 'MET' : 'MISSED'}`;
    const goNote = (f: GoFigure) => `${cpuNote(f.cpuMsPerOp)}${f.p99Ms !== undefined ? `, p50 ${f.p50Ms!.toFixed(3)} ms, p99 ${f.p99Ms.toFixed(3)} ms` : ''}`;
    const goRun = (args: readonly string[]) => () => goFigure(go.binary, args);
    const echoArgs = ['-count', '3000', '-warmup', '2000', '-flush', '0'];

    /**
     * Per variant (a tmp2p pair and its settings) cold and steady rounds;
     * then ALTERNATING turns of one round of each variant and one Go run.
     * Prints per variant the cold figure, the median pair's figure and its
     * ratio to the Go run of that turn; and the Go figure of the first
     * variant's median pair.
     */
    const compare = async <T extends Measured>(
      label: string,
      unit: string,
      variants: ReadonlyArray<{ readonly name: string; readonly round: () => Promise<T> }>,
      goMeasure: () => Promise<GoFigure>,
      goValue: (f: GoFigure) => number,
      target: { met: (ratio: number) => boolean; text: string; ratioLabel?: string },
    ) => {
      const warm: Array<{ rounds: number }> = [];
      for (const v of variants) {
        const w = await coldAndSteady(v.round);
        row(`${label}: tmp2p${v.name} cold`, w.cold.value, unit, `${cpuNote(w.cold.cpuMsPerOp)}, ${w.cold.notes}`);
        warm.push(w);
      }
      const results = await alternately(
        variants.map((v) => v.round),
        goMeasure,
        goValue,
        ALTERNATING,
      );
      results.forEach(({ median }, i) =>
        row(`${label}: tmp2p${variants[i]!.name} steady`, median.ours.value, unit, `${cpuNote(median.ours.cpuMsPerOp)}, ${median.ours.notes} (warm after round ${warm[i]!.rounds})`),
      );
      row(`${label}: Go`, goValue(results[0]!.median.theirs), unit, goNote(results[0]!.median.theirs));
      results.forEach(({ median, ratios }, i) => {
        const name = variants[i]!.name;
        row(
          `${label}: tmp2p${name} / Go${target.ratioLabel ?? ''}`,
          median.ratio,
          '×',
          `${verdict(target.met(median.ratio), target.text)}; the median of ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
        );
        row(`${label}: CPU per op, tmp2p${name} / Go`, median.ours.cpuMsPerOp / median.theirs.cpuMsPerOp, '×', 'both ends, the median pair; lower = tmp2p cheaper');
      });
      return results.map((r) => r.median);
    };

    const pair = await startTmp2pPair();
    // Go's runtime spins before it parks a thread; tmp2p's counterpart is p2p.busy_poll, off by default.
    const polled = await startTmp2pPair({ busyPoll: BUSY_POLL });
    const both = <T>(round: (p: Tmp2pPair) => Promise<T>) => [
      { name: '', round: () => round(pair) },
      { name: `, busy_poll ${BUSY_POLL}`, round: () => round(polled) },
    ];
    try {
      await compare('200-byte messages', 'msg/s', both((p) => messages(p, 200, 200_000)), goRun(['messages', '-size', '200', '-count', '300000', '-flush', '1ms', '-case', 'small']), (f) => f.value, {
        met: (r) => r >= 1.2,
        text: '≥ 1.2×',
      });

      await compare(
        '1 MiB messages, payload',
        'MB/s',
        both(async (p) => {
          const m = await messages(p, 1024 * 1024, 150);
          return { ...m, value: (m.value * 1024 * 1024) / 1e6 };
        }),
        goRun(['messages', '-size', String(1024 * 1024), '-count', '200', '-flush', '1ms', '-case', 'bulk']),
        (f) => f.bytes! / f.seconds / 1e6,
        { met: (r) => r >= 1.0, text: '≥ 1.0×' },
      );

      // Echo round trip, one in flight: lower is better. Like against like: the Go program's ends in
      // one process never wake a thread (its runtime finds the reply on its next poll), while each hop
      // between two processes, or two of tmp2p's threads, wakes one that sleeps in epoll.
      const echoTarget = { met: (r: number) => r <= 1.5, text: '≤ 1.5×', ratioLabel: ' (lower = tmp2p better)' };
      const apart = await compare(
        ECHO_APART,
        'ms',
        both((p) => echo(p, 3000)),
        () => goEchoAcrossProcesses(go.binary, echoArgs),
        (f) => f.value,
        echoTarget,
      );
      apart.forEach((rtt, i) => row(`${ECHO_APART} p99: tmp2p${i === 0 ? '' : `, busy_poll ${BUSY_POLL}`} steady`, rtt.ours.p99, 'ms', verdict(rtt.ours.p99 <= 1, '≤ 1 ms')));
      const floorRow = (label: string, floor: SocketEchoRound, tmp2pP50: number) =>
        row(`${label}: Node sockets, one frame each way (floor)`, floor.p50, 'ms', `${cpuNote(floor.cpuMsPerOp)}, p99 ${floor.p99.toFixed(3)} ms; tmp2p (default settings) is ${(tmp2pP50 / floor.p50).toFixed(2)}× this`);
      floorRow(ECHO_APART, await socketEchoFloor(pair.socketEchoPort), apart[0]!.ours.value);
      const local = await startTmp2pLocalPair();
      const localSockets = await startSocketEchoServer();
      try {
        const [together] = await compare(ECHO_TOGETHER, 'ms', [{ name: '', round: () => echo(local, 3000) }], goRun(['echo', ...echoArgs]), (f) => f.value, echoTarget);
        row(`${ECHO_TOGETHER} p99: tmp2p steady`, together!.ours.p99, 'ms', verdict(together!.ours.p99 <= 1, '≤ 1 ms'));
        floorRow(ECHO_TOGETHER, await socketEchoFloor(localSockets.port), together!.ours.value);
      } finally {
        await localSockets.close();
        await local.close();
      }

      // Connection setups: TCP + SecretConnection + NodeInfo, 8 in flight, from fresh transports here (default settings).
      // The Go program's accepting side handshakes and waits for the hang-up; so does the bare acceptor.
      // Into the full node, the router also gates, admits, routes and drops each peer.
      await compare(
        `setups, ${SETUP_DIALERS} in flight`,
        'setups/s',
        [
          { name: ' (bare acceptor, as Go)', round: () => setups(pair.bareFar, 2000) },
          // Both ends poll through the handshake's three round trips, as Go's threads spin through them.
          { name: ` (bare acceptor, busy_poll ${BUSY_POLL})`, round: () => setups(polled.bareFar, 2000, { busyPoll: BUSY_POLL }) },
          { name: ' (into a full node)', round: () => setups(pair.far, 2000) },
        ],
        goRun(['setups', '-inflight', String(SETUP_DIALERS), '-duration', '3s', '-warmup', '1s']),
        (f) => f.value,
        { met: (r) => r >= 1.0, text: '≥ 1.0×' },
      );

      // Bare SecretConnection (Go only: its ceiling under MConnection).
      const goSc = await goFigure(go.binary, ['sc-bulk', '-size', String(1024 * 1024), '-count', '200']);
      row('bare SecretConnection, 1 MiB writes: Go', goSc.value, 'MB/s', goNote(goSc));
    } finally {
      await polled.close();
      await pair.close();
    }
  },
};
