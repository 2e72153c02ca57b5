import type { NodeID } from '../../../framework/identity/node-id.js';
import type { AttackSummary } from './attackers.js';
import type { EchoCounts } from './echo-ledger.js';
import { judgeGrowth, overallVerdict, type SeriesVerdict } from './growth.js';
import type { HostReport, HostSample } from './host-protocol.js';
import type { SoakOptions } from './options.js';

/** A sample as the conductor keeps it: when (seconds into the load), and what. */
export type TimedSample = Omit<HostSample, 'handlesByType'> & { readonly t: number };

/** A node that did not answer: a sample or status request that timed out or failed. */
export interface AnswerFailure {
  readonly node: number;
  readonly t: number;
  readonly what: string;
}

export interface RestartRecord {
  readonly node: number;
  readonly t: number;
  /** From the restart request to every node having the restarted one back (null: never, within the answer timeout). */
  readonly meshRestoredMs: number | null;
}

export interface NodeSummary {
  readonly index: number;
  readonly nodeId: string;
  readonly restarts: number;
  readonly samples: number;
  readonly memory: {
    readonly rssBytes: SeriesVerdict;
    readonly heapUsedBytes: SeriesVerdict;
    readonly handles: SeriesVerdict;
    readonly fds: SeriesVerdict | null;
  };
  /** Addresses the PeerManager kept: must stay within p2p.max_peers however many attackers it met. */
  readonly knownPeers: { readonly first: number; readonly last: number; readonly max: number; readonly cap: number };
  /** Biggest handle types at the last sample, to say what a growing handle count is made of. */
  readonly lastHandlesByType: Readonly<Record<string, number>>;
  readonly echo: EchoCounts;
  readonly seen: HostReport['seen'];
  readonly log: HostReport['log'];
}

export interface SoakSummary {
  /** True when nothing was lost, no node stopped answering, every attack kind injected faults and memory stayed flat. */
  readonly ok: boolean;
  /** Why ok is false, one line each. */
  readonly failures: string[];
  readonly options: SoakOptions;
  /** Seconds of load actually held, and of the whole run (start, mesh, load, drain, stop). */
  readonly loadS: number;
  readonly runS: number;
  readonly verdict: SeriesVerdict['verdict'];
  readonly load: {
    /** Honest connections each node held (of nodes - 1), over samples taken while no node restarted. */
    readonly honestPeersPerNode: { readonly min: number; readonly mean: number; readonly expected: number };
    /** Echo round trips between honest nodes. */
    readonly messages: { readonly sent: number; readonly answered: number; readonly perSecond: number };
    /** Connections the attackers opened (every kind), and idle ones held at once at most. */
    readonly attackConnections: number;
    readonly maxIdleHeld: number;
  };
  readonly faults: AttackSummary;
  /** What was lost: restarts explain `lostToRestart`; everything else must be 0. */
  readonly lost: {
    readonly lostToRestart: number;
    readonly lostToDisconnect: number;
    readonly unanswered: number;
    readonly unmatchedPongs: number;
    readonly unexplainedDisconnects: number;
    /** Honest connections replaced by the router because both ends dialed at once (as peers reconnect): explained, reported. */
    readonly duplicateReplacements: number;
    readonly notQueued: Readonly<Record<string, number>>;
  };
  readonly restarts: { readonly count: number; readonly meshRestoredMaxMs: number | null; readonly notRestored: number };
  /** Sample and status requests, the slowest answer (ms; the answer timeout is the limit), and those not answered. */
  readonly answering: { readonly checks: number; readonly slowestMs: number; readonly failures: readonly AnswerFailure[] };
  readonly nodes: readonly NodeSummary[];
  readonly fuzz?: { readonly runs: number; readonly ok: boolean; readonly tail: string };
}

export interface SoakRecord {
  readonly options: SoakOptions;
  readonly nodeIds: readonly string[];
  readonly samples: readonly TimedSample[][];
  readonly lastHandlesByType: ReadonlyArray<Readonly<Record<string, number>>>;
  readonly reports: readonly HostReport[];
  readonly attacks: AttackSummary;
  readonly restarts: readonly RestartRecord[];
  readonly answerChecks: number;
  readonly slowestAnswerMs: number;
  readonly answerFailures: readonly AnswerFailure[];
  readonly loadS: number;
  readonly runS: number;
  /** Seconds at which restarts were in progress, [from, to): samples then do not count for honestPeersPerNode. */
  readonly restartWindows: ReadonlyArray<readonly [number, number]>;
  readonly failures: readonly string[];
  readonly fuzz?: SoakSummary['fuzz'];
}

/** The warm-up left out of the growth verdict: a fifth of the load, two minutes at most. */
export function warmupS(durationS: number): number {
  return Math.min(120, durationS / 5);
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function mergeCounts(into: Record<string, number>, from: Readonly<Record<string, number | undefined>>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + (n ?? 0);
}

/** Turns what the conductor recorded into the one JSON summary, with its verdict and every reason it failed. */
export function summarize(record: SoakRecord): SoakSummary {
  const { options } = record;
  const failures = [...record.failures];
  const warmup = warmupS(options.durationS);
  const attackerSocketsPerNode = options.attack.idleHoldsPerNode + options.attack.churnWorkers + options.attack.burstWorkers + options.attack.violationWorkers + options.attack.oversizedWorkers;

  const nodes: NodeSummary[] = record.reports.map((report, index) => {
    const samples = record.samples[index] ?? [];
    const judged = samples.filter((s) => s.t >= warmup && s.t <= record.loadS);
    const series = (pick: (s: TimedSample) => number) => judged.map(pick);
    const fdsKnown = judged.every((s) => s.fds !== null);
    const knownPeers = samples.map((s) => s.knownPeers);
    return {
      index,
      nodeId: record.nodeIds[index]!,
      restarts: report.restarts,
      samples: samples.length,
      memory: {
        rssBytes: judgeGrowth(series((s) => s.rssBytes), options.tolerance.rssBytes),
        heapUsedBytes: judgeGrowth(series((s) => s.heapUsedBytes), options.tolerance.heapUsedBytes),
        handles: judgeGrowth(series((s) => s.handles), options.tolerance.handles, attackerSocketsPerNode),
        fds: fdsKnown ? judgeGrowth(series((s) => s.fds!), options.tolerance.fds, attackerSocketsPerNode) : null,
      },
      knownPeers: { first: knownPeers[0] ?? 0, last: knownPeers[knownPeers.length - 1] ?? 0, max: Math.max(0, ...knownPeers), cap: report.maxPeers },
      lastHandlesByType: record.lastHandlesByType[index] ?? {},
      echo: report.echo,
      seen: report.seen,
      log: report.log,
    };
  });

  const verdicts = nodes.flatMap((n) => Object.entries(n.memory).filter(([, v]) => v !== null).map(([metric, v]) => ({ node: n.index, metric, v: v! })));
  for (const { node, metric, v } of verdicts) {
    if (v.verdict === 'growing') failures.push(`node ${node}: ${metric} grew from ${Math.round(v.middleMean)} (middle third) to ${Math.round(v.lastMean)} (last third), more than the ${Math.round(v.tolerated)} tolerated`);
  }
  if (verdicts.some(({ v }) => v.verdict === 'inconclusive')) failures.push(`too few samples after the ${warmup} s warm-up to judge growth (3 per third needed): run longer or sample more often`);
  for (const n of nodes) if (n.knownPeers.max > n.knownPeers.cap) failures.push(`node ${n.index}: kept ${n.knownPeers.max} peer addresses, over p2p.max_peers (${n.knownPeers.cap})`);

  const echo = (pick: (e: EchoCounts) => number) => sum(nodes.map((n) => pick(n.echo)));
  const notQueued: Record<string, number> = {};
  for (const n of nodes) mergeCounts(notQueued, n.echo.notQueued);
  const lost = {
    lostToRestart: echo((e) => e.lostToRestart),
    lostToDisconnect: echo((e) => e.lostToDisconnect),
    unanswered: echo((e) => e.unanswered),
    unmatchedPongs: echo((e) => e.unmatchedPongs),
    unexplainedDisconnects: echo((e) => e.disconnects.unexplained),
    duplicateReplacements: echo((e) => e.disconnects.duplicateReplaced),
    notQueued,
  };
  if (lost.lostToDisconnect > 0) failures.push(`${lost.lostToDisconnect} pings lost when an honest connection went down with no restart to explain it`);
  if (lost.unanswered > 0) failures.push(`${lost.unanswered} pings never answered`);
  if (lost.unmatchedPongs > 0) failures.push(`${lost.unmatchedPongs} pongs matched no ping in flight`);
  if (lost.unexplainedDisconnects > 0) {
    const details = nodes.flatMap((n) => n.echo.unexplainedDetails.map((d) => `node ${n.index}'s connection to ${d.peer.slice(0, 8)}… at ${new Date(d.at).toISOString()}: ${d.reason}\n${bothJournals(record.reports, n.index, d.peer, d.at)}`));
    failures.push(`${lost.unexplainedDisconnects} honest connections went down with no restart to explain it:\n${details.join('\n')}`);
  }
  const sent = echo((e) => e.sent);
  if (sent === 0) failures.push('no honest traffic flowed');

  const a = record.attacks;
  const kinds = [
    ['churn', a.churn, options.attack.churnWorkers],
    ['fatal burst', a.fatalBurst, options.attack.burstWorkers],
    ['protocol violation', a.violation, options.attack.violationWorkers],
    ['oversized message', a.oversized, options.attack.oversizedWorkers],
  ] as const;
  for (const [name, counts, workers] of kinds) {
    if (workers > 0 && counts.injected === 0) failures.push(`the ${name} attackers injected no fault (failures: ${JSON.stringify(counts.failed)})`);
    if (counts.notDropped > 0) failures.push(`${counts.notDropped} ${name} connections were still open after ${options.answerTimeoutS} s: the node kept a hostile peer`);
  }
  if (options.attack.idleHoldsPerNode > 0 && a.idleHold.opened === 0) failures.push('no idle socket was ever held open');

  const notRestored = record.restarts.filter((r) => r.meshRestoredMs === null).length;
  if (notRestored > 0) failures.push(`${notRestored} restarts: the other nodes did not have the restarted node back within ${options.answerTimeoutS} s`);
  for (const f of record.answerFailures) failures.push(`node ${f.node} did not answer at ${f.t} s: ${f.what}`);

  if (record.fuzz && !record.fuzz.ok) failures.push(`the fuzz suite failed with ${record.fuzz.runs} runs per property:\n${record.fuzz.tail}`);

  const inRestart = (t: number) => record.restartWindows.some(([from, to]) => t >= from && t < to);
  const steady = record.samples.flat().filter((s) => s.t >= 0 && s.t <= record.loadS && s.running && !inRestart(s.t));
  const restored = record.restarts.flatMap((r) => (r.meshRestoredMs === null ? [] : [r.meshRestoredMs]));

  return {
    ok: failures.length === 0,
    failures,
    options,
    loadS: record.loadS,
    runS: record.runS,
    verdict: overallVerdict(verdicts.map(({ v }) => v.verdict)),
    load: {
      honestPeersPerNode: {
        min: steady.length ? Math.min(...steady.map((s) => s.honestPeers)) : 0,
        mean: steady.length ? sum(steady.map((s) => s.honestPeers)) / steady.length : 0,
        expected: options.nodes - 1,
      },
      messages: { sent, answered: echo((e) => e.answered), perSecond: record.loadS > 0 ? Math.round(sent / record.loadS) : 0 },
      attackConnections: a.churn.attempts + a.fatalBurst.attempts + a.violation.attempts + a.oversized.attempts + a.idleHold.opened,
      maxIdleHeld: a.idleHold.maxHeld,
    },
    faults: a,
    lost,
    restarts: { count: record.restarts.length, meshRestoredMaxMs: restored.length ? Math.max(...restored) : null, notRestored },
    answering: { checks: record.answerChecks, slowestMs: record.slowestAnswerMs, failures: record.answerFailures },
    nodes,
    ...(record.fuzz ? { fuzz: record.fuzz } : {}),
  };
}

/** How far around an unexplained disconnect the journals are printed. */
const JOURNAL_SPAN_MS = 5000;

/** What node `index` and the peer `peer` each journaled of the other within JOURNAL_SPAN_MS of `at`, merged in time order. */
function bothJournals(reports: readonly HostReport[], index: number, peer: NodeID, at: number): string {
  const own = reports[index]!;
  const other = reports.findIndex((r) => r.nodeId === peer);
  const lines = [
    ...own.journal.filter((e) => e.peer === peer).map((e) => ({ ...e, by: index })),
    ...(other < 0 ? [] : reports[other]!.journal.filter((e) => e.peer === own.nodeId).map((e) => ({ ...e, by: other }))),
  ]
    .filter((e) => Math.abs(e.at - at) <= JOURNAL_SPAN_MS)
    .sort((a, b) => a.at - b.at);
  if (lines.length === 0) return '    (neither node journaled anything of the other around then)';
  return lines.map((e) => `    ${new Date(e.at).toISOString()} node ${e.by}: ${e.what}`).join('\n');
}
