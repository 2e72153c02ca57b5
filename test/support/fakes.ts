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
