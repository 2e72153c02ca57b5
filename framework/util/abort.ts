import { AbortError } from '../errors/base.js';

/**
 * A signal that aborts when `parent` aborts or after `timeoutMs`. `dispose`
 * clears the timer and listener so nothing outlives the operation.
 */
export function deadlineSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number,
  onTimeout: () => Error,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason ?? new AbortError());
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(onTimeout()), timeoutMs) : undefined;
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Rejects with the signal's reason (as an Error) when it aborts; races `promise` otherwise. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(reasonOf(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new AbortError(undefined, { cause: signal.reason });
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (never rejects): a pause
 * a stopping loop need not wait out. A signal aborted already resolves it at
 * once (stop() may run inside the error report that led to the pause).
 */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
