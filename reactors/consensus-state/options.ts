import { parseDuration } from '../../framework/util/duration.js';
import { ConsensusStateOptionsError } from './errors.js';

/**
 * Options of the consensus-state listener, from `[reactors.consensus-state]`
 * in config.toml (snake_case keys) or `createNode` values. Durations take
 * milliseconds or a duration string.
 */
export interface ConsensusStateOptions {
  /**
   * The chain's initial height (genesis `initial_height`). NewRoundSteps at
   * it must carry last_commit_round −1, above it ≥ 0, and none may be below
   * it — for ours and for peers'. Default 1.
   */
  readonly initialHeight: number;
  /**
   * Announce our height to peers with NewRoundStep (what makes CometBFT
   * gossip mempool txs to us). The height is the blocksync reactor's last
   * verified height + 1 when it runs, else whatever `announce()` was given.
   * Default true.
   */
  readonly announce: boolean;
  /**
   * Least time between two announcements to all peers; height changes in
   * between are folded into one (the latest). A peer that connects is told
   * at once. Default 200 ms: while blocksync catches up thousands of blocks
   * a second, peers hear a few heights a second rather than every one.
   */
  readonly minAnnounceIntervalMs: number | string;
}

export interface ResolvedConsensusStateOptions {
  readonly initialHeight: number;
  readonly announce: boolean;
  readonly minAnnounceIntervalMs: number;
}

export const DEFAULT_CONSENSUS_STATE_OPTIONS: Readonly<ConsensusStateOptions> = Object.freeze({
  initialHeight: 1,
  announce: true,
  minAnnounceIntervalMs: 200,
});

function fail(option: string, value: unknown, rule: string): never {
  throw new ConsensusStateOptionsError(`consensus-state option "${option}" is ${JSON.stringify(value) ?? String(value)}; ${rule}`);
}

/** Validates options (unknown keys included, to catch typos) and fills in defaults. Throws ConsensusStateOptionsError. */
export function resolveConsensusStateOptions(input: Partial<ConsensusStateOptions> | undefined): ResolvedConsensusStateOptions {
  const raw = input ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(table)', raw, 'expected a table of options');
  const known = Object.keys(DEFAULT_CONSENSUS_STATE_OPTIONS);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) fail(key, (raw as Record<string, unknown>)[key], `unknown option; known options: ${known.join(', ')}`);
  }
  const o = { ...DEFAULT_CONSENSUS_STATE_OPTIONS, ...raw };
  if (!Number.isSafeInteger(o.initialHeight) || o.initialHeight < 1) fail('initialHeight', o.initialHeight, 'expected an integer ≥ 1');
  if (typeof o.announce !== 'boolean') fail('announce', o.announce, 'expected true or false');
  if (typeof o.minAnnounceIntervalMs !== 'number' && typeof o.minAnnounceIntervalMs !== 'string') {
    fail('minAnnounceIntervalMs', o.minAnnounceIntervalMs, 'expected milliseconds or a duration string such as "200ms"');
  }
  let interval: number;
  try {
    interval = parseDuration(o.minAnnounceIntervalMs);
  } catch (cause) {
    return fail('minAnnounceIntervalMs', o.minAnnounceIntervalMs, (cause as Error).message);
  }
  return { initialHeight: o.initialHeight, announce: o.announce, minAnnounceIntervalMs: interval };
}
