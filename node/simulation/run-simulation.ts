import { ChurnDriver } from './churn.js';
import { measureFlood } from './flood-probe.js';
import { liveHeapBytes } from './heap.js';
import { allAtTarget, graphReport, timelineSample, type ObservationRules } from './observations.js';
import { resolveSimulationOptions, type SimulationOptions } from './options.js';
import { RunCounters } from './run-counters.js';
import { SimulatedNetwork } from './simulated-network.js';
import type { SimulationSummary, TimelineSample } from './summary.js';

const MB = 1024 * 1024;
const CONVERGENCE_POLL_MS = 100;

function sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
  const ms = at - performance.now();
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs a whole network in this process and reports how it formed:
 *
 * 1. builds every node (stopped), then starts the seeds and all the others
 *    at once — the clock starts here;
 * 2. waits until every node holds its outbound target (converged), then
 *    analyses the overlay (connectivity, diameter estimate, degrees),
 *    measures the heap and floods one message hop by hop to time it;
 * 3. with churn, makes nodes leave and rejoin until the duration is up,
 *    sampling connectivity of the established nodes throughout;
 * 4. reports the overlay at the end and stops everything.
 *
 * Throws SimulationOptionsError (or ConfigError for a bad `set`) before
 * building anything.
 */
export async function runSimulation(input: Partial<SimulationOptions> = {}): Promise<SimulationSummary> {
  const o = resolveSimulationOptions(input);
  const rules: ObservationRules = { outboundTarget: Math.min(o.outbound, o.nodes - 1), joinGraceMs: o.joinGraceMs };
  const random = o.random;
  const baselineBytes = liveHeapBytes();
  const buildStarted = performance.now();
  const network = await SimulatedNetwork.create(o, o.logger);
  const buildMs = performance.now() - buildStarted;
  const counters = new RunCounters(network);
  const timeline: TimelineSample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let churn: ChurnDriver | undefined;
  try {
    const t0 = performance.now();
    const elapsedS = () => (performance.now() - t0) / 1000;
    const deadline = t0 + o.durationS * 1000;
    await network.startAll();
    sampler = setInterval(() => {
      const sample = timelineSample(network, rules, elapsedS());
      timeline.push(sample);
      o.progress(
        `t=${sample.tS.toFixed(0)}s running=${sample.running} joining=${sample.joining} at-target=${sample.atOutboundTarget}${sample.saturated > 0 ? ` saturated=${sample.saturated}` : ''} ` +
          `connected=${sample.connected ? 'yes' : 'no'} components=${sample.components} largest=${sample.largestComponent}`,
      );
    }, o.sampleIntervalMs);

    let convergedAt: number | null = null;
    while (performance.now() < deadline && !o.signal?.aborted) {
      if (allAtTarget(network, rules)) {
        convergedAt = elapsedS();
        break;
      }
      await sleepUntil(Math.min(deadline, performance.now() + CONVERGENCE_POLL_MS), o.signal);
    }
    const report = () => graphReport(network, rules, { diameterSources: o.diameterSamples, random });
    const atConvergence = report();
    o.progress(convergedAt === null ? `not converged after ${elapsedS().toFixed(1)} s` : `converged after ${convergedAt.toFixed(1)} s`);
    const afterConvergenceBytes = liveHeapBytes();

    const running = network.running();
    const origins = running.filter((m) => !m.isSeed);
    const origin = origins[Math.min(origins.length - 1, Math.floor(random() * origins.length))] ?? running[0]!;
    const broadcast = await measureFlood({ origin, targets: running, timeoutMs: o.floodTimeoutMs, signal: o.signal });
    o.progress(`flood reached ${broadcast.reached}/${broadcast.of} in ${broadcast.lastArrivalMs.toFixed(1)} ms, ${broadcast.maxHops} hops at most`);

    const churnFrom = timeline.length;
    if (o.churnPercent > 0 && performance.now() < deadline && !o.signal?.aborted) {
      churn = new ChurnDriver(network, {
        percentPerMinute: o.churnPercent,
        downtimeMs: o.churnDowntimeMs,
        random,
        onError: (error, member) => o.progress(`churn: node ${member.index}: ${error.message}`),
      });
      churn.start();
      o.progress(`churn: one node leaves every ${(churn.periodMs / 1000).toFixed(2)} s for ${(o.churnDowntimeMs / 1000).toFixed(1)} s`);
    }
    await sleepUntil(deadline, o.signal);
    await churn?.stop();
    clearInterval(sampler);
    sampler = undefined;
    const final = report();
    const durationS = elapsedS();
    counters.finish(network);

    const churnSamples = timeline.slice(churnFrom);
    const established = (s: TimelineSample) => s.running - s.joining;
    return {
      nodes: o.nodes,
      seeds: o.seeds,
      outboundTarget: rules.outboundTarget,
      inboundSlots: o.inbound,
      pexIntervalMs: o.pexIntervalMs,
      link: { latencyMs: o.latencyMs, jitterMs: o.jitterMs, lossPercent: o.lossPercent },
      churnPercent: o.churnPercent,
      durationS: round(durationS, 1),
      buildMs: Math.round(buildMs),
      convergence: { converged: convergedAt !== null, timeS: convergedAt === null ? null : round(convergedAt, 2) },
      atConvergence,
      broadcast: { ...broadcast, lastArrivalMs: round(broadcast.lastArrivalMs, 2), medianMs: round(broadcast.medianMs, 2), timeMs: broadcast.timeMs === null ? null : round(broadcast.timeMs, 2), meanHops: round(broadcast.meanHops, 2), copiesPerNode: round(broadcast.copiesPerNode, 2) },
      heap: {
        baselineMB: round(baselineBytes / MB, 1),
        afterConvergenceMB: round(afterConvergenceBytes / MB, 1),
        perNodeMB: round((afterConvergenceBytes - baselineBytes) / MB / o.nodes, 3),
      },
      churn:
        churn === undefined
          ? null
          : {
              ...churn.stats,
              samples: churnSamples.length,
              connectedSamples: churnSamples.filter((s) => s.connected).length,
              alwaysConnected: churnSamples.every((s) => s.connected),
              minLargestComponentFraction: round(Math.min(1, ...churnSamples.map((s) => (established(s) === 0 ? 1 : s.largestComponent / established(s)))), 3),
            },
      final,
      timeline,
      messages: network.memoryNetwork.stats(),
      pex: counters.pex,
      peerErrors: counters.peerErrors,
      loopErrors: counters.loopErrors,
    };
  } finally {
    if (sampler !== undefined) clearInterval(sampler);
    await churn?.stop();
    counters.finish(network);
    await network.stop();
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
