import { optionChecks } from '../../framework/util/option-checks.js';
import { ConsensusStateOptionsError } from './errors.js';

const { integer, duration, boolean, table } = optionChecks('consensus-state', (message) => new ConsensusStateOptionsError(message));

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


/** Validates options (unknown keys included, to catch typos) and fills in defaults. Throws ConsensusStateOptionsError. */
export function resolveConsensusStateOptions(input: Partial<ConsensusStateOptions> | undefined): ResolvedConsensusStateOptions {
  const raw = table(input ?? {}, Object.keys(DEFAULT_CONSENSUS_STATE_OPTIONS)) as Partial<ConsensusStateOptions>;
  const o = { ...DEFAULT_CONSENSUS_STATE_OPTIONS, ...raw };
  return {
    initialHeight: integer('initialHeight', o.initialHeight, 1),
    announce: boolean('announce', o.announce),
    minAnnounceIntervalMs: duration('minAnnounceIntervalMs', o.minAnnounceIntervalMs, 0),
  };
}
