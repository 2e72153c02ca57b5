import { inject, injectable, optional } from 'inversify';
import { InvalidArgumentError } from '../../framework/errors/base.js';
import { clampScore, type PeerScore, type PeerScoreInput, type ScoringStrategy } from '../../framework/peer/scoring.js';
import { TOKENS } from '../../framework/tokens.js';

/** Score table of FixedScoringStrategy: node ID → score. */
export type FixedScores = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

/**
 * Scores every peer from a fixed table (default 0 for peers not in it),
 * ignoring behaviour, failures, uptime and persistence. For tests and for
 * operators who want to pin a ranking. Scores are clamped to [−10000, 10000].
 */
@injectable()
export class FixedScoringStrategy implements ScoringStrategy {
  readonly name = 'fixed';
  private readonly scores: ReadonlyMap<string, number>;

  constructor(@inject(TOKENS.FixedScores) @optional() scores?: FixedScores) {
    const entries = scores === undefined ? [] : scores instanceof Map ? [...scores] : Object.entries(scores);
    for (const [id, value] of entries) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidArgumentError(`fixed score of peer ${id} must be a finite number, got ${String(value)}`);
      }
    }
    this.scores = new Map(entries.map(([id, value]) => [id, clampScore(value)]));
  }

  score(input: PeerScoreInput): PeerScore {
    const fixed = this.scores.get(input.nodeId) ?? 0;
    return { total: fixed, parts: { fixed } };
  }
}
