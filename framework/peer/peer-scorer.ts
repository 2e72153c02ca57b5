import type { ConnectionTable } from './connections.js';
import { totalDialFailures, type PeerEntry } from './peer-entry.js';
import { clampScore, SCORE_REUSE_MS, type PeerScore, type ScoringStrategy } from './scoring.js';
import type { PeerManagerLogger } from './types.js';

/**
 * Runs the scoring plugin for the manager: gathers a peer's inputs, clamps
 * the result, reuses it while the inputs are unchanged (for at most
 * SCORE_REUSE_MS), and turns a throwing plugin into a logged score of 0.
 * Scoring every known peer for every decision cost ~1 µs a peer — 10 ms a
 * dial with 10,000 peers — hence the reuse.
 */
export class PeerScorer {
  private failed = false;

  constructor(
    private readonly strategy: ScoringStrategy,
    private readonly conns: ConnectionTable,
    private readonly log: PeerManagerLogger,
  ) {}

  readonly score = (entry: PeerEntry, now: number): PeerScore => {
    const connection = this.conns.connected.get(entry.nodeId);
    const persistent = entry.persistent;
    const behaviour = entry.behaviour;
    const dialFailures = totalDialFailures(entry);
    const connectedForMs = connection === undefined ? 0 : Math.max(0, now - connection.since);
    const memo = entry.scoreMemo;
    if (
      memo !== undefined &&
      memo.persistent === persistent &&
      memo.behaviour === behaviour &&
      memo.dialFailures === dialFailures &&
      memo.connectedForMs === connectedForMs &&
      now >= memo.at &&
      now - memo.at < SCORE_REUSE_MS
    ) {
      return memo.score;
    }
    try {
      const raw = this.strategy.score({ nodeId: entry.nodeId, persistent, behaviour, dialFailures, connectedForMs, now });
      const score = { total: clampScore(raw.total), parts: raw.parts };
      entry.scoreMemo = { persistent, behaviour, dialFailures, connectedForMs, at: now, score };
      return score;
    } catch (error) {
      if (!this.failed) {
        this.failed = true; // once: a broken plugin would otherwise flood the log
        this.log.error({ err: error, strategy: this.strategy.name }, 'scoring strategy threw; scoring such peers 0');
      }
      return { total: 0, parts: { error: 0 } };
    }
  };
}
