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

/** Rounds repeated until two in a row agree within this fraction (of the earlier one). */
export const SETTLED = 0.05;
export const MAX_ROUNDS = 8;

/**
 * Runs `round` until two results in a row agree within SETTLED (at most
 * MAX_ROUNDS); returns the first result (cold: V8 has not compiled that path
 * yet) and the last (steady), and how many rounds it took.
 */
export async function coldAndSteady<T extends { readonly value: number }>(round: () => Promise<T>): Promise<{ cold: T; steady: T; rounds: number }> {
  const cold = await round();
  let previous = cold;
  for (let rounds = 2; ; rounds++) {
    const current = await round();
    if (Math.abs(current.value - previous.value) <= SETTLED * previous.value || rounds >= MAX_ROUNDS) return { cold, steady: current, rounds };
    previous = current;
  }
}
