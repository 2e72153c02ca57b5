/** Minimal benchmark plumbing: scenarios report rows; the runner prints a table. */
export interface BenchRow {
  readonly scenario: string;
  readonly case: string;
  readonly value: number;
  readonly unit: string;
  /** Free-form extras (heap, ratios, ceilings). */
  readonly notes?: string;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(report: (row: BenchRow) => void): Promise<void>;
}

export function heapMB(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Samples heap usage every 50 ms while `task` runs; returns its result and the peak. */
export async function withPeakHeap<T>(task: () => Promise<T>): Promise<{ result: T; peakHeapMB: number }> {
  let peak = heapMB();
  const timer = setInterval(() => (peak = Math.max(peak, heapMB())), 50);
  try {
    const result = await task();
    peak = Math.max(peak, heapMB());
    return { result, peakHeapMB: peak };
  } finally {
    clearInterval(timer);
  }
}

export function formatNumber(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(n >= 10 ? 1 : 3);
}
