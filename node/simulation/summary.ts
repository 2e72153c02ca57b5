import type { MemoryNetworkStats } from '../../plugins/transports/memory/memory-network.js';
import type { ChurnStats } from './churn.js';
import type { FloodResult } from './flood-probe.js';

/** Smallest, mean and largest of a set of counts. */
export interface Spread {
  readonly min: number;
  readonly mean: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, mean: Math.round((sum / values.length) * 100) / 100, max };
}

/** The overlay at one instant, over the established members (running, not joining). */
export interface GraphReport {
  /** Members counted (running and past their join grace). */
  readonly nodes: number;
  readonly edges: number;
  readonly connected: boolean;
  readonly components: number;
  readonly largestComponent: number;
  /** Members with no connection to another counted member. */
  readonly isolated: number;
  /** Lower bound on the diameter (double-sweep BFS from `diameterSources` random members). */
  readonly diameterEstimate: number;
  readonly diameterSources: number;
  readonly degree: Spread;
  /** Ready outbound connections per member. */
  readonly outbound: Spread;
  /** Members with their full outbound target. */
  readonly atOutboundTarget: number;
  /** Members below it that are connected to every other running member: nobody is left for them to dial. */
  readonly saturated: number;
}

/** One connectivity sample. */
export interface TimelineSample {
  /** Seconds since the nodes started. */
  readonly tS: number;
  readonly running: number;
  /** Running members still within their join grace (left out of the check). */
  readonly joining: number;
  readonly atOutboundTarget: number;
  /** Below the target, connected to every other running member (see GraphReport.saturated). */
  readonly saturated: number;
  readonly connected: boolean;
  readonly components: number;
  readonly largestComponent: number;
}

export interface SimulationSummary {
  readonly nodes: number;
  readonly seeds: number;
  readonly outboundTarget: number;
  readonly inboundSlots: number;
  readonly pexIntervalMs: number;
  readonly link: { readonly latencyMs: number; readonly jitterMs: number; readonly lossPercent: number };
  readonly churnPercent: number;
  /** Seconds the nodes ran. */
  readonly durationS: number;
  /** Milliseconds to build every node's container (before the clock starts). */
  readonly buildMs: number;
  readonly convergence: {
    readonly converged: boolean;
    /** Seconds from start until every running member had its outbound target at once; null if that never happened. */
    readonly timeS: number | null;
  };
  /** The overlay when it converged (or when the run gave up waiting). */
  readonly atConvergence: GraphReport;
  /** A flood from a random non-seed member, hop by hop, after convergence. */
  readonly broadcast: FloodResult;
  readonly heap: {
    readonly baselineMB: number;
    readonly afterConvergenceMB: number;
    /** (after convergence − baseline) / nodes. */
    readonly perNodeMB: number;
  };
  /** Present when churn ran. */
  readonly churn: null | (ChurnStats & {
    /** Samples taken while churn ran, and how many of them found the established members connected. */
    readonly samples: number;
    readonly connectedSamples: number;
    readonly alwaysConnected: boolean;
    /** Smallest largest component over the samples, as a fraction of the established members. */
    readonly minLargestComponentFraction: number;
  });
  /** The overlay at the end. */
  readonly final: GraphReport;
  readonly timeline: readonly TimelineSample[];
  readonly messages: MemoryNetworkStats;
  readonly pex: { readonly requestsSent: number; readonly responsesReceived: number; readonly addressesLearned: number; readonly errors: number };
  /** Router peer errors and loop errors over the run, on every node. */
  readonly peerErrors: number;
  readonly loopErrors: number;
}
