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
/**
 * No round before this one counts as steady: a path's first rounds can agree
 * while V8 is still compiling it (1 MiB messages ran 140, 210, then 245 MB/s
 * in rounds 1–3 of one process).
 */
export const MIN_STEADY_ROUND = 3;
export const MAX_ROUNDS = 8;

/**
 * Runs `round` until two results in a row agree within SETTLED, from round
 * MIN_STEADY_ROUND on (at most MAX_ROUNDS); returns the first result (cold:
 * V8 has not compiled that path yet) and the last (steady), and how many
 * rounds it took.
 */
export async function coldAndSteady<T extends { readonly value: number }>(round: () => Promise<T>): Promise<{ cold: T; steady: T; rounds: number }> {
  const cold = await round();
  let previous = cold;
  for (let rounds = 2; ; rounds++) {
    const current = await round();
    const settled = rounds >= MIN_STEADY_ROUND && Math.abs(current.value - previous.value) <= SETTLED * previous.value;
    if (settled || rounds >= MAX_ROUNDS) return { cold, steady: current, rounds };
    previous = current;
  }
}

/** One tmp2p round and the peer's run just after it, and tmp2p's figure over the peer's. */
export interface MeasuredPair<T, P> {
  readonly ours: T;
  readonly theirs: P;
  readonly ratio: number;
}

/**
 * Measures each of our variants and then the peer, in turn, `pairs` times;
 * returns, per variant, the (variant, peer) pair with the median ratio and
 * every ratio. On a shared machine whose speed drifts by up to 2× over a
 * minute, figures taken a minute apart compare two machines; adjacent
 * measurements share the drift, and the median pair drops one that a burst
 * of load split.
 */
export async function alternately<T extends { readonly value: number }, P>(
  ours: ReadonlyArray<() => Promise<T>>,
  theirs: () => Promise<P>,
  theirValue: (figure: P) => number,
  pairs = 3,
): Promise<Array<{ median: MeasuredPair<T, P>; ratios: number[] }>> {
  const measured: MeasuredPair<T, P>[][] = ours.map(() => []);
  for (let i = 0; i < pairs; i++) {
    const our = [];
    for (const round of ours) our.push(await round());
    const their = await theirs();
    our.forEach((o, v) => measured[v]!.push({ ours: o, theirs: their, ratio: o.value / theirValue(their) }));
  }
  return measured.map((m) => ({
    median: [...m].sort((a, b) => a.ratio - b.ratio)[Math.floor(pairs / 2)]!,
    ratios: m.map((x) => x.ratio),
  }));
}
