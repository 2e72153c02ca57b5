import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';

/**
 * Counts this thread's full (mark-compact) garbage collections from the moment
 * it is made. The bench prints them beside bulk figures: after a phase of
 * small messages V8 may start one every 50–80 ms on a receiving thread (README,
 * "Throughput: V8's young generation"), and a rate alone would not say so.
 */
export class FullCollectionCounter {
  private total = 0;
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.total++;
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Full collections so far. The observer reports them asynchronously, so a count read right after one may lag by a turn. */
  get count(): number {
    return this.total;
  }

  stop(): void {
    this.observer.disconnect();
  }
}
