import { PERSISTENT_FALLBACK_MIN_RETRY_MS, type PeerManagerOptions } from './options.js';

type RetryOptions = Pick<PeerManagerOptions, 'minRetryTimeMs' | 'maxRetryTimeMs' | 'maxRetryTimePersistentMs'>;

/**
 * How long to wait after the latest failure before dialing an address again.
 *
 * `minRetryTimeMs · 2^(failures−1) + jitter`, capped at `maxRetryTimeMs`
 * (`maxRetryTimePersistentMs` for persistent peers); the cap includes the
 * jitter so the documented maximum really is the maximum. Exponential rather
 * than v0.35.9's linear growth: a dead address stops costing dials quickly
 * while a flaky one is retried within seconds.
 *
 * Returns 0 with no failures and `Infinity` for "never" (non-persistent peer
 * with `minRetryTimeMs` 0). `jitter` is drawn once per failure by the caller so
 * the delay is stable between calls.
 */
export function retryDelay(failures: number, persistent: boolean, jitter: number, options: RetryOptions): number {
  if (failures <= 0) return 0;
  let base = options.minRetryTimeMs;
  if (base === 0) {
    if (!persistent) return Infinity;
    base = PERSISTENT_FALLBACK_MIN_RETRY_MS;
  }
  // 2^1000 is still finite; beyond that every cap is long reached anyway.
  const delay = base * 2 ** Math.min(failures - 1, 1000) + jitter;
  const cap = persistent ? options.maxRetryTimePersistentMs || options.maxRetryTimeMs : options.maxRetryTimeMs;
  return cap > 0 ? Math.min(delay, cap) : delay;
}
