import { FloodReactor } from '../../reactors/flood/flood-reactor.js';
import type { SimulatedMember } from './simulated-network.js';

export interface FloodProbeOptions {
  /** Who starts the flood. */
  readonly origin: SimulatedMember;
  /** Who must receive it (the origin may be among them). */
  readonly targets: readonly SimulatedMember[];
  /** Give up waiting for the last targets after this long. */
  readonly timeoutMs: number;
  /** After the last first arrival, how long to keep counting copies still travelling. Default 1 s. */
  readonly settleMs?: number;
  readonly signal?: AbortSignal;
}

/** How one flood spread. */
export interface FloodResult {
  /** Targets it reached (the origin counts as reached). */
  readonly reached: number;
  readonly of: number;
  /** From the origin's send to the first arrival at the last target; null when some target was never reached. */
  readonly timeMs: number | null;
  /** From the send to the latest first arrival, reached or not. */
  readonly lastArrivalMs: number;
  /** Median time to a target's first arrival. */
  readonly medianMs: number;
  /** Most hops any target saw it after (the origin's eccentricity in the overlay, if paths were shortest). */
  readonly maxHops: number;
  readonly meanHops: number;
  /** Flood copies received per reached target, duplicates included (≈ the average degree for a flood). */
  readonly copiesPerNode: number;
}

const POLL_MS = 10;

/**
 * Starts one flood at `origin` through the flood reactor and waits until
 * every target has seen it (or the timeout). Times are each node's
 * `performance.now()` at first arrival, so they include every hop's
 * latency and queueing, not the polling.
 */
export async function measureFlood(options: FloodProbeOptions): Promise<FloodResult> {
  const reactors = options.targets.map((t) => t.node?.reactor(FloodReactor));
  const receivedBefore = reactors.reduce((sum, r) => sum + (r?.stats.received ?? 0), 0);
  const origin = options.origin.node!.reactor(FloodReactor).start();
  const deadline = performance.now() + options.timeoutMs;
  const arrivals = () => reactors.map((r) => r?.arrival(origin.origin, origin.id));
  let seen = arrivals();
  while (seen.some((a) => a === undefined) && performance.now() < deadline && !options.signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    seen = arrivals();
  }
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1_000));
  const reached = seen.filter((a) => a !== undefined);
  const times = reached.map((a) => a.at - origin.at).sort((a, b) => a - b);
  const hops = reached.map((a) => a.hops);
  const receivedAfter = reactors.reduce((sum, r) => sum + (r?.stats.received ?? 0), 0);
  return {
    reached: reached.length,
    of: options.targets.length,
    timeMs: reached.length === options.targets.length ? (times.at(-1) ?? 0) : null,
    lastArrivalMs: times.at(-1) ?? 0,
    medianMs: times.length ? times[Math.floor((times.length - 1) / 2)]! : 0,
    maxHops: hops.length ? Math.max(...hops) : 0,
    meanHops: hops.length ? hops.reduce((a, b) => a + b, 0) / hops.length : 0,
    copiesPerNode: reached.length ? (receivedAfter - receivedBefore) / reached.length : 0,
  };
}
