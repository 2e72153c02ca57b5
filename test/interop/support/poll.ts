import { AbortError } from '../../../framework/errors/base.js';
import { CometBFTWaitTimeoutError } from './errors.js';

export interface PollOptions {
  /** Give up after this many ms. Default 30000. */
  readonly timeoutMs?: number;
  /** Pause between probes in ms. Default 200. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/** Resolves after `ms`, or rejects with AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `probe` until it returns something other than `undefined`. Errors thrown by `probe` count as
 * "not yet" (a node may briefly refuse RPC) and the last one is reported if time runs out.
 * `describe` is called on timeout to explain what was being waited for and what was seen.
 */
export async function pollUntil<T>(
  probe: (signal: AbortSignal | undefined) => Promise<T | undefined>,
  describe: (lastError: unknown) => string,
  options: PollOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
    try {
      const value = await probe(options.signal);
      if (value !== undefined) return value;
    } catch (error) {
      if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
      lastError = error;
    }
    if (Date.now() + intervalMs > deadline) {
      throw new CometBFTWaitTimeoutError(`timed out after ${timeoutMs} ms: ${describe(lastError)}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs, options.signal);
  }
}
