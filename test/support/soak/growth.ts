import type { GrowthTolerance } from './options.js';

/** One metric of one node over the run, and whether it stayed flat. */
export interface SeriesVerdict {
  readonly first: number;
  readonly last: number;
  readonly max: number;
  /** Means of the middle and the last third of the samples taken after the warm-up. */
  readonly middleMean: number;
  readonly lastMean: number;
  /** lastMean - middleMean, and how much of it is tolerated. */
  readonly growth: number;
  readonly tolerated: number;
  /**
   * "flat": the last third is within tolerance of the middle third;
   * "growing": it is not; "inconclusive": too few samples after the warm-up
   * to have three of them in each third.
   */
  readonly verdict: 'flat' | 'growing' | 'inconclusive';
}

/** Samples needed in each third. */
const MIN_PER_THIRD = 3;

/**
 * Whether `values` (one metric, in sampling order, the warm-up already left
 * out) grew without bound. A bounded quantity settles, so the mean of the
 * last third stays near the mean of the middle third however long the run;
 * one that leaks a fixed amount per connection, message or restart keeps
 * climbing, and the last third exceeds the middle by the leak's rate times a
 * third of the run. The first third is left out too: caches, JIT code and
 * pools are still filling there. Growth within `tolerance` (the larger of
 * its absolute part plus `slack`, and its relative part of the middle mean)
 * counts as flat, whatever the machine's speed: both thirds carry the same
 * load.
 */
export function judgeGrowth(values: readonly number[], tolerance: GrowthTolerance, slack = 0): SeriesVerdict {
  const all = values.filter((v) => Number.isFinite(v));
  const first = all[0] ?? 0;
  const last = all[all.length - 1] ?? 0;
  const max = all.reduce((m, v) => Math.max(m, v), 0);
  const third = Math.floor(all.length / 3);
  if (third < MIN_PER_THIRD) {
    return { first, last, max, middleMean: 0, lastMean: 0, growth: 0, tolerated: 0, verdict: 'inconclusive' };
  }
  const middleMean = mean(all.slice(all.length - 2 * third, all.length - third));
  const lastMean = mean(all.slice(all.length - third));
  const growth = lastMean - middleMean;
  const tolerated = Math.max(tolerance.absolute + slack, tolerance.relative * middleMean);
  return { first, last, max, middleMean, lastMean, growth, tolerated, verdict: growth > tolerated ? 'growing' : 'flat' };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The run's verdict from its metrics': growing if any grew, else inconclusive if any was, else flat. */
export function overallVerdict(verdicts: Iterable<SeriesVerdict['verdict']>): SeriesVerdict['verdict'] {
  let result: SeriesVerdict['verdict'] = 'flat';
  for (const v of verdicts) {
    if (v === 'growing') return 'growing';
    if (v === 'inconclusive') result = 'inconclusive';
  }
  return result;
}
