import type { PeerEntry } from './peer-entry.js';
import type { PeerScore } from './scoring.js';

/**
 * Scores of every peer at one instant. A fresh Ranking is made for each
 * decision, so rankings are never stale (v0.35 cached them and missed
 * behaviour changes) while one decision sees one consistent order: `compute`
 * must return the same score for the same entry at the same instant (the
 * manager's per-entry memo does, see SCORE_REUSE_MS), so nothing is kept here.
 */
export class Ranking {
  constructor(
    readonly now: number,
    private readonly compute: (entry: PeerEntry, now: number) => PeerScore,
  ) {}

  score(entry: PeerEntry): PeerScore {
    return this.compute(entry, this.now);
  }

  total(entry: PeerEntry): number {
    return this.score(entry).total;
  }

  /** Best first: higher score, then the per-peer random tie-breaker, then insertion order. */
  compare = (a: PeerEntry, b: PeerEntry): number => this.total(b) - this.total(a) || a.tiebreak - b.tiebreak;

  /** `entries` sorted best first. */
  ranked(entries: Iterable<PeerEntry>): PeerEntry[] {
    return [...entries].sort(this.compare);
  }
}

/**
 * `entries` (in insertion order) ordered for pruning, first to go first:
 * lowest score, then peers without addresses (they cannot be dialed anyway),
 * then the most recently added, so a newcomer does not push out an equal
 * peer we already know.
 */
export function pruneOrder(entries: readonly PeerEntry[], ranking: Ranking): PeerEntry[] {
  return entries
    .map((entry, order) => ({ entry, order }))
    .sort(
      (a, b) =>
        ranking.total(a.entry) - ranking.total(b.entry) ||
        Number(a.entry.addresses.size > 0) - Number(b.entry.addresses.size > 0) ||
        b.order - a.order,
    )
    .map(({ entry }) => entry);
}
