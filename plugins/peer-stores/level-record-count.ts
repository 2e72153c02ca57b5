/** A write to the database, as LevelDB's batch takes it. */
export type LevelOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

/**
 * How many records the store held after its last write, stored in the same
 * atomic batch as that write. LevelDB loses whole files without a word (a
 * deleted table, a directory without CURRENT); a load that finds fewer
 * records than this count knows the store was truncated.
 *
 * The count is known from a load on: the load's keys, kept up to date by
 * every batch. While it is not known (before the first load, after a failed
 * batch, after writes landed during a load) each batch removes the stored
 * count instead, so a stored count is never stale.
 */
export class RecordCount {
  /** The key of the stored count; outside the records' key range. */
  static readonly KEY = 'meta/records';

  private keys: Set<string> | undefined;
  private batches = 0;

  constructor(private readonly recordPrefix: string) {}

  /** Called before a load starts reading; pass the token to `loaded`. */
  beginLoad(): number {
    return this.batches;
  }

  /**
   * Takes the keys a load found, unless batches started since `token`
   * (their keys may be missing from what the load read). Returns whether the
   * stored count should be rewritten now (it differs from `stored`).
   */
  loaded(token: number, keys: Set<string>, stored: number | undefined, idle: boolean): boolean {
    this.keys = token === this.batches && idle ? keys : undefined;
    return this.keys !== undefined && stored !== this.keys.size;
  }

  /** The op a batch of `ops` ends with: the count after them, or its removal while unknown. */
  opFor(ops: readonly LevelOp[]): LevelOp {
    this.batches++;
    const keys = this.keys;
    if (keys === undefined) return { type: 'del', key: RecordCount.KEY };
    for (const op of ops) {
      if (!op.key.startsWith(this.recordPrefix)) continue;
      if (op.type === 'put') keys.add(op.key);
      else keys.delete(op.key);
    }
    return { type: 'put', key: RecordCount.KEY, value: String(keys.size) };
  }

  /** A batch failed: it may or may not have landed, so the count is unknown until the next load. */
  forget(): void {
    this.keys = undefined;
  }

  get current(): number | undefined {
    return this.keys?.size;
  }
}

/** A stored count as a number, or undefined when absent or not a count. */
export function parseRecordCount(value: string | undefined): number | undefined {
  const count = value === undefined ? NaN : Number(value);
  return Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}
