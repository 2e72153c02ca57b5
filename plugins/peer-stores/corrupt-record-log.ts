import type { PeerManagerLogger } from '../../framework/peer/types.js';

/** Corrupted records logged one by one per load; the rest are only counted. */
export const CORRUPT_LOG_LIMIT = 20;

/**
 * The corrupted records one load of a persistent store skipped: the first
 * CORRUPT_LOG_LIMIT are logged one by one, the rest only counted and summed
 * up in one line at the end, so a store full of bad values cannot flood the log.
 */
export class CorruptRecordLog {
  /** Records skipped so far. */
  count = 0;

  /** @param where fields naming the store in every line (its path, its target). */
  constructor(
    private readonly log: PeerManagerLogger,
    private readonly where: Readonly<Record<string, unknown>>,
  ) {}

  /** A record was skipped; `which` names it (its key, its id). */
  skipped(which: Readonly<Record<string, unknown>>, problem: string): void {
    if (++this.count <= CORRUPT_LOG_LIMIT) this.log.warn({ ...which, problem, ...this.where }, 'corrupted peer record skipped');
  }

  /** The load is done: says how many were skipped without a line of their own. */
  summarize(): void {
    if (this.count > CORRUPT_LOG_LIMIT) this.log.warn({ corrupt: this.count, ...this.where }, `${this.count - CORRUPT_LOG_LIMIT} more corrupted peer records skipped`);
  }
}
