import type { NodeID } from '../identity/node-id.js';

/** Lowest score a strategy may return. */
export const MIN_PEER_SCORE = -10_000;
/** Highest score a strategy may return. */
export const MAX_PEER_SCORE = 10_000;

/** What a scoring strategy knows about a peer at one moment. */
export interface PeerScoreInput {
  readonly nodeId: NodeID;
  /** Listed in `persistentPeers`. */
  readonly persistent: boolean;
  /** Net good − bad behaviour reports from reactors. */
  readonly behaviour: number;
  /** Consecutive dial failures summed over the peer's addresses. */
  readonly dialFailures: number;
  /** How long the current connection has been up; 0 when not connected. */
  readonly connectedForMs: number;
  /** Clock time of the evaluation (epoch ms). */
  readonly now: number;
}

/**
 * A peer's score: `total` orders peers (higher = preferred for dialing, kept
 * longer when evicting, advertised more often); `parts` explains it to
 * operators and should add up to `total`.
 */
export interface PeerScore {
  readonly total: number;
  readonly parts: Readonly<Record<string, number>>;
}

/**
 * How long the manager may reuse a peer's score while every input except
 * `now` is unchanged. Any change of behaviour, failures, persistence or
 * connection rescores at once (v0.35 cached rankings and missed behaviour
 * changes); only a strategy's own dependence on `now` is seen this coarsely.
 */
export const SCORE_REUSE_MS = 1000;

/**
 * Peer-scoring plugin. `score` is called often (every ranking), so it must be
 * cheap, synchronous and pure: the same input gives the same score. Totals
 * outside [MIN_PEER_SCORE, MAX_PEER_SCORE] are clamped by the manager. A
 * result may be reused for up to SCORE_REUSE_MS while the input other than
 * `now` is unchanged.
 */
export interface ScoringStrategy {
  readonly name: string;
  score(input: PeerScoreInput): PeerScore;
}

/** Clamps a number into the score range; NaN becomes 0 so one bad plugin value cannot poison sorting. */
export function clampScore(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(MAX_PEER_SCORE, Math.max(MIN_PEER_SCORE, value));
}
