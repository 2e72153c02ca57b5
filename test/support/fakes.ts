import type { Clock, RandomSource } from '../../framework/peer/types.js';

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Always returns the same value. */
export class FixedRandom implements RandomSource {
  constructor(public value = 0.5) {}
  next(): number {
    return this.value;
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be repeated. */
export class SeededRandom implements RandomSource {
  constructor(private seed: number) {}
  next(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** SeededRandom as a plain `() => number`. */
export function seeded(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}
