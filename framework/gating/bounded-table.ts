import { InvalidArgumentError } from '../errors/base.js';

/**
 * What a full table does with a new key: forget its least recently used
 * entry (`evict-oldest`, for state that only makes a rule stricter, such as
 * when an IP last connected), or refuse the key (`refuse`, for state that must
 * not be forgotten, such as how many connections an IP holds open).
 */
export type FullTablePolicy = 'evict-oldest' | 'refuse';

/**
 * A map with a hard bound on its entries, for per-IP state an attacker could
 * otherwise grow by cycling addresses. Reads through `touch` mark an entry as
 * recently used; evictions and refusals are counted for operators.
 */
export class BoundedTable<K, V> {
  private readonly entries = new Map<K, V>();
  /** Entries forgotten to make room (`evict-oldest`). */
  evictions = 0;
  /** New keys turned away because the table was full (`refuse`). */
  refusals = 0;

  constructor(
    readonly capacity: number,
    readonly whenFull: FullTablePolicy,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError(`table capacity must be an integer ≥ 1, got ${String(capacity)}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value without changing its recency. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** The value, marked most recently used. */
  touch(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /**
   * Stores `value` as the most recently used entry. Returns false only when
   * the key is new, the table is full and its policy is `refuse`.
   */
  set(key: K, value: V): boolean {
    if (this.entries.delete(key)) {
      this.entries.set(key, value);
      return true;
    }
    if (this.entries.size >= this.capacity) {
      if (this.whenFull === 'refuse') {
        this.refusals++;
        return false;
      }
      this.entries.delete(this.entries.keys().next().value as K);
      this.evictions++;
    }
    this.entries.set(key, value);
    return true;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Entries from least to most recently used. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries[Symbol.iterator]();
  }
}
