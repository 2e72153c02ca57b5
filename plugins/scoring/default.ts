import { injectable } from 'inversify';
import { MAX_PEER_SCORE, MIN_PEER_SCORE, type PeerScore, type PeerScoreInput, type ScoringStrategy } from '../../framework/peer/scoring.js';

/** Added to every persistent peer; together with the clamps below it puts every persistent peer above every other. */
export const PERSISTENT_BONUS = 7500;
/** Points per net good behaviour report (negative for bad). */
export const BEHAVIOUR_WEIGHT = 10;
/** Points lost per consecutive dial failure. */
export const DIAL_FAILURE_PENALTY = 100;
/** Points per full minute of the current connection… */
export const UPTIME_POINTS_PER_MINUTE = 1;
/** …up to this many points, so long-lived peers are kept but cannot become untouchable. */
export const MAX_UPTIME_BONUS = 100;

/** Lowest total of a persistent peer; every other peer stays strictly below it. */
export const PERSISTENT_FLOOR = 5000;

/**
 * The default peer ranking:
 *
 *   behaviour·10 − dialFailures·100 + min(minutes connected, 100)
 *
 * clamped to [−10000, 4999] for ordinary peers; persistent peers get
 * 7500 + the same sum, clamped to [5000, 10000], so they always outrank
 * every other peer yet still differ among themselves. `parts` holds
 * each term, plus `clamp` when clamping changed the total.
 */
@injectable()
export class DefaultScoringStrategy implements ScoringStrategy {
  readonly name = 'default';

  score(input: PeerScoreInput): PeerScore {
    const behaviour = finite(input.behaviour) * BEHAVIOUR_WEIGHT;
    const dialFailures = 0 - Math.max(0, finite(input.dialFailures)) * DIAL_FAILURE_PENALTY; // 0 - x avoids -0
    const minutes = Math.floor(Math.max(0, finite(input.connectedForMs)) / 60_000);
    const uptime = Math.min(MAX_UPTIME_BONUS, minutes * UPTIME_POINTS_PER_MINUTE);
    const persistent = input.persistent ? PERSISTENT_BONUS : 0;
    const raw = persistent + behaviour + dialFailures + uptime;
    const total = input.persistent ? clamp(raw, PERSISTENT_FLOOR, MAX_PEER_SCORE) : clamp(raw, MIN_PEER_SCORE, PERSISTENT_FLOOR - 1);
    const parts: Record<string, number> = { persistent, behaviour, dialFailures, uptime };
    if (total !== raw) parts.clamp = total - raw;
    return { total, parts };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
