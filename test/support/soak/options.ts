import { P2PError } from '../../../framework/errors/base.js';

export class SoakOptionsError extends P2PError {
  override name = 'SoakOptionsError';
}

/** What the attacker mix runs against the nodes; every count is per node unless it says otherwise. */
export interface AttackOptions {
  /** Clients that connect, complete a real handshake with a fresh key and hang up, over and over (all nodes together). Default 2. */
  readonly churnWorkers: number;
  /** Idle sockets held open against each node; each one the node closes is opened again. Default 16. */
  readonly idleHoldsPerNode: number;
  /** Clients that complete a real handshake and send `burstMessages` undecodable PEX messages in one write (all nodes together). Default 1. */
  readonly burstWorkers: number;
  /** Messages in one fatal burst. Default 2000. */
  readonly burstMessages: number;
  /** Clients that break one rule of the handshake or the framing (bad key, bad signature, tampered frame, …) (all nodes together). Default 1. */
  readonly violationWorkers: number;
  /** Clients that declare oversized messages: 1 MiB length prefixes during the handshake, oversized packets and messages after it (all nodes together). Default 1. */
  readonly oversizedWorkers: number;
  /** Pause of each worker between two attacks, so the attackers share two cores with the nodes. Default 100 ms. */
  readonly pauseMs: number;
}

export interface GrowthTolerance {
  /** Growth always tolerated, in the metric's unit. */
  readonly absolute: number;
  /** Growth tolerated as a fraction of the middle third's mean. */
  readonly relative: number;
}

export interface SoakOptions {
  /** Seconds of load (attacks, restarts, honest traffic) before the run winds down. Default 300. */
  readonly durationS: number;
  /** Nodes, each in its own process, all persistent peers of each other. Default 4. */
  readonly nodes: number;
  /** Seed of the choices (restart victims, attack kinds, source addresses). Default 1. */
  readonly seed: number;
  /** Seconds between two samples of every node. Default 5. */
  readonly sampleIntervalS: number;
  /** Mean seconds between two node restarts (stop and start again in the same process); 0 turns restarts off. Default 30. */
  readonly restartIntervalS: number;
  /** Milliseconds between two echo pings from each node to each honest peer. Default 250. */
  readonly echoIntervalMs: number;
  /** A node that does not answer a sample or a status request within this many seconds has stopped answering. Default 30. */
  readonly answerTimeoutS: number;
  /** Seconds to wait, at the end, for the answers of pings still in flight. Default 60. */
  readonly drainS: number;
  readonly attack: AttackOptions;
  /** Per metric, the growth from the middle third to the last third that still counts as flat. */
  readonly tolerance: {
    readonly rssBytes: GrowthTolerance;
    readonly heapUsedBytes: GrowthTolerance;
    /** Added to the attackers' own socket count per node, which may all be open at one sample and none at the next. */
    readonly handles: GrowthTolerance;
    readonly fds: GrowthTolerance;
  };
  /** Also run the fuzz suite with this many runs per property, in a child process, while the soak runs; 0 = no. Default 0. */
  readonly fuzzRuns: number;
  /** Progress lines on stderr. Default true (the CLI's --json turns them off). */
  readonly progress: boolean;
}

export const DEFAULT_ATTACK_OPTIONS: AttackOptions = {
  churnWorkers: 2,
  idleHoldsPerNode: 16,
  burstWorkers: 1,
  burstMessages: 2000,
  violationWorkers: 1,
  oversizedWorkers: 1,
  pauseMs: 100,
};

const MiB = 1024 * 1024;

export const DEFAULT_SOAK_OPTIONS: SoakOptions = {
  durationS: 300,
  nodes: 4,
  seed: 1,
  sampleIntervalS: 5,
  restartIntervalS: 30,
  echoIntervalMs: 250,
  answerTimeoutS: 30,
  drainS: 60,
  attack: DEFAULT_ATTACK_OPTIONS,
  tolerance: {
    rssBytes: { absolute: 32 * MiB, relative: 0.15 },
    heapUsedBytes: { absolute: 8 * MiB, relative: 0.1 },
    handles: { absolute: 32, relative: 0.2 },
    fds: { absolute: 32, relative: 0.2 },
  },
  fuzzRuns: 0,
  progress: true,
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Overrides = Mutable<Partial<Omit<SoakOptions, 'attack' | 'tolerance'>>> & { attack?: Partial<AttackOptions>; tolerance?: Partial<SoakOptions['tolerance']> };

/** Defaults with `overrides` on top, checked: a SoakOptionsError names the first bad value. */
export function resolveSoakOptions(overrides: Overrides = {}): SoakOptions {
  const options: SoakOptions = {
    ...DEFAULT_SOAK_OPTIONS,
    ...overrides,
    attack: { ...DEFAULT_ATTACK_OPTIONS, ...overrides.attack },
    tolerance: { ...DEFAULT_SOAK_OPTIONS.tolerance, ...overrides.tolerance },
  };
  const check = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER, integer = true) => {
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new SoakOptionsError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${value}`);
    }
  };
  check('duration', options.durationS, 1, 7 * 24 * 3600, false);
  check('nodes', options.nodes, 2, 32);
  check('seed', options.seed, 0, 2 ** 32 - 1);
  check('sample-interval', options.sampleIntervalS, 0.1, 3600, false);
  check('restart-interval', options.restartIntervalS, 0, 7 * 24 * 3600, false);
  check('echo-interval', options.echoIntervalMs, 1, 3_600_000);
  check('answer-timeout', options.answerTimeoutS, 1, 3600, false);
  check('drain', options.drainS, 0, 3600, false);
  check('fuzz-runs', options.fuzzRuns, 0);
  for (const [name, value] of Object.entries(options.attack)) check(`attack.${name}`, value, name === 'burstMessages' ? 1 : 0, 100_000);
  return options;
}

/**
 * `npm run soak -- --duration 3600 --nodes 4 --seed 7 --json`: the CLI's
 * flags as SoakOptions. Unknown flags and bad values are a SoakOptionsError.
 */
export function parseSoakArgs(argv: readonly string[]): { options: SoakOptions; json: boolean } {
  const numeric: Record<string, (o: Overrides, v: number) => void> = {
    '--duration': (o, v) => (o.durationS = v),
    '--nodes': (o, v) => (o.nodes = v),
    '--seed': (o, v) => (o.seed = v),
    '--sample-interval': (o, v) => (o.sampleIntervalS = v),
    '--restart-interval': (o, v) => (o.restartIntervalS = v),
    '--echo-interval': (o, v) => (o.echoIntervalMs = v),
    '--answer-timeout': (o, v) => (o.answerTimeoutS = v),
    '--drain': (o, v) => (o.drainS = v),
    '--fuzz-runs': (o, v) => (o.fuzzRuns = v),
    '--churn-workers': (o, v) => (o.attack = { ...o.attack, churnWorkers: v }),
    '--idle-holds': (o, v) => (o.attack = { ...o.attack, idleHoldsPerNode: v }),
    '--burst-workers': (o, v) => (o.attack = { ...o.attack, burstWorkers: v }),
    '--burst-messages': (o, v) => (o.attack = { ...o.attack, burstMessages: v }),
    '--violation-workers': (o, v) => (o.attack = { ...o.attack, violationWorkers: v }),
    '--oversized-workers': (o, v) => (o.attack = { ...o.attack, oversizedWorkers: v }),
    '--attack-pause': (o, v) => (o.attack = { ...o.attack, pauseMs: v }),
  };
  const overrides: Overrides = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    if (flag === '--json') {
      json = true;
      continue;
    }
    const set = numeric[flag];
    if (set === undefined) throw new SoakOptionsError(`unknown option ${flag}; the options are --json, ${Object.keys(numeric).join(', ')}`);
    const text = inline ?? argv[++i];
    const value = text === undefined || text.trim() === '' ? NaN : Number(text);
    if (Number.isNaN(value)) throw new SoakOptionsError(`${flag} needs a number, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
    set(overrides, value);
  }
  return { options: resolveSoakOptions({ ...overrides, progress: !json }), json };
}
