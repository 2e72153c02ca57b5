import { P2PError } from '../../framework/errors/base.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';
import type { Logger } from '../../framework/logging/logger.js';

/** A simulation option is out of range; the message names it, its value and what is allowed. */
export class SimulationOptionsError extends P2PError {
  override name = 'SimulationOptionsError';
}

/** What `runSimulation` takes; every field has a default (see DEFAULT_SIMULATION_OPTIONS). */
export interface SimulationOptions {
  /** Nodes in the network, seeds included. Default 100. */
  readonly nodes: number;
  /** How many of them run as PEX seeds (seed mode); every node knows only these at start. Default 3. */
  readonly seeds: number;
  /** Seconds of operation, from the moment the nodes start. Default 90. */
  readonly durationS: number;
  /** Percent of the non-seed nodes that leave and rejoin each minute once the network has converged (0-100). Default 0. */
  readonly churnPercent: number;
  /** How long a churned node stays away before it restarts with the same key. Default 5 s. */
  readonly churnDowntimeMs: number;
  /** Outbound slots per node (`p2p.max_outgoing_connections`). Default 10. */
  readonly outbound: number;
  /** Inbound slots per node (`p2p.max_inbound_connections`; `p2p.max_connections` = outbound + inbound). Default 40. */
  readonly inbound: number;
  /** One-way latency of every link, ms. Default 0. */
  readonly latencyMs: number;
  /** Random extra latency per message, uniform in [0, jitterMs). Default 0. */
  readonly jitterMs: number;
  /** Percent of messages lost (0-100). Default 0. */
  readonly lossPercent: number;
  /** PEX `request_interval_ms`. Default 30 s (CometBFT's ensurePeersPeriod); the 10 s per-peer pacing holds whatever this is. */
  readonly pexIntervalMs: number;
  /** BFS sources for the diameter estimate. Default 16. */
  readonly diameterSamples: number;
  /** How often connectivity is sampled. Default 1 s. */
  readonly sampleIntervalMs: number;
  /** A node (re)started less than this long ago is "joining" and left out of the connectivity check. Default 10 s. */
  readonly joinGraceMs: number;
  /** How long a flood may take to reach every node before it is reported as partial. Default 15 s. */
  readonly floodTimeoutMs: number;
  /** Config overrides for every node, as `--set` takes them (`"p2p.min_retry_time": "100ms"`). Default none. */
  readonly set: Readonly<Record<string, string>>;
  /** Extra reactors every node runs (the simulation always runs PEX and the flood reactor). Default none. */
  readonly reactors: readonly ReactorClass[];
  /** Uniform in [0, 1): picks churned nodes, flood origins, diameter sources, losses and jitter. Default Math.random. */
  readonly random: () => number;
  /** Called with a line of progress now and then. Default: nothing. */
  readonly progress: (line: string) => void;
  /** Ends the run early (the summary covers what ran). */
  readonly signal?: AbortSignal;
  /** Root logger of every node. Default: silent (a thousand nodes' lines would drown the report). */
  readonly logger?: Logger;
}

export const DEFAULT_SIMULATION_OPTIONS: Readonly<SimulationOptions> = Object.freeze({
  nodes: 100,
  seeds: 3,
  durationS: 90,
  churnPercent: 0,
  churnDowntimeMs: 5_000,
  outbound: 10,
  inbound: 40,
  latencyMs: 0,
  jitterMs: 0,
  lossPercent: 0,
  pexIntervalMs: 30_000,
  diameterSamples: 16,
  sampleIntervalMs: 1_000,
  joinGraceMs: 10_000,
  floodTimeoutMs: 15_000,
  set: Object.freeze({}),
  reactors: Object.freeze([]) as readonly ReactorClass[],
  random: Math.random,
  progress: () => {},
});

/** Largest network one process is meant to hold (about 10 × the 500 the benchmark runs). */
export const MAX_SIMULATION_NODES = 5_000;

type NumericKey = Exclude<{ [K in keyof SimulationOptions]: SimulationOptions[K] extends number ? K : never }[keyof SimulationOptions], undefined>;

/** Fills in defaults and validates; throws SimulationOptionsError naming the first bad option. */
export function resolveSimulationOptions(input: Partial<SimulationOptions> = {}): SimulationOptions {
  const known = Object.keys(DEFAULT_SIMULATION_OPTIONS).concat('signal', 'logger');
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new SimulationOptionsError(`simulation option "${key}" is unknown; known options: ${known.join(', ')}`);
  }
  const o: SimulationOptions = { ...DEFAULT_SIMULATION_OPTIONS, ...input };
  const number = (key: NumericKey, min: number, max: number, integer: boolean) => {
    const value = o[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      throw new SimulationOptionsError(`simulation option "${key}" = ${JSON.stringify(value)} is invalid: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
  };
  number('nodes', 2, MAX_SIMULATION_NODES, true);
  number('seeds', 1, o.nodes - 1, true);
  number('durationS', 1, 86_400, false);
  number('churnPercent', 0, 100, false);
  number('churnDowntimeMs', 0, 3_600_000, false);
  number('outbound', 1, 1_000, true);
  number('inbound', 0, 10_000, true);
  number('latencyMs', 0, 60_000, false);
  number('jitterMs', 0, 60_000, false);
  number('lossPercent', 0, 100, false);
  number('pexIntervalMs', 1, 3_600_000, false);
  number('diameterSamples', 1, MAX_SIMULATION_NODES, true);
  number('sampleIntervalMs', 10, 3_600_000, false);
  number('joinGraceMs', 0, 3_600_000, false);
  number('floodTimeoutMs', 1, 3_600_000, false);
  if (typeof o.set !== 'object' || o.set === null || Object.values(o.set).some((v) => typeof v !== 'string')) {
    throw new SimulationOptionsError('simulation option "set" must map config keys to string values, e.g. { "p2p.min_retry_time": "100ms" }');
  }
  if (!Array.isArray(o.reactors) || o.reactors.some((r) => typeof r !== 'function')) {
    throw new SimulationOptionsError('simulation option "reactors" must be a list of reactor classes');
  }
  for (const key of ['random', 'progress'] as const) {
    if (typeof o[key] !== 'function') throw new SimulationOptionsError(`simulation option "${key}" must be a function`);
  }
  return o;
}
