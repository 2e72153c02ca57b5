/**
 * A small seeded generator (mulberry32): the same `--seed` picks the same
 * restart victims, attack kinds and source addresses, so a run that found
 * something can be replayed in the same order (timings still differ).
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** A duration around `meanMs`: uniform in [meanMs / 2, 3 meanMs / 2). */
  around(meanMs: number): number {
    return meanMs / 2 + this.next() * meanMs;
  }
}
