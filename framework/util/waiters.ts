import { AbortError, withoutStack } from '../errors/base.js';

/**
 * A set of parked promises woken together. Used wherever a loop must wait
 * for "something changed" without polling: queue has room, queue has items,
 * connection writable. Each waiter detaches its abort listener when settled,
 * so long-lived signals do not accumulate listeners.
 */
export class Waiters {
  private pending: Array<{ resolve: () => void; reject: (e: Error) => void; cleanup: () => void }> = [];

  get size(): number {
    return this.pending.length;
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      const entry = {
        resolve: () => {
          entry.cleanup();
          resolve();
        },
        reject: (e: Error) => {
          entry.cleanup();
          reject(e);
        },
        cleanup: () => {},
      };
      if (signal) {
        const onAbort = () => {
          const i = this.pending.indexOf(entry);
          if (i >= 0) this.pending.splice(i, 1);
          // Every waiter of a closing connection ends here; the stack would only show this line.
          entry.reject(withoutStack(() => new AbortError(undefined, { cause: signal.reason })));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.push(entry);
    });
  }

  /** Wakes every waiter. */
  wakeAll(): void {
    if (this.pending.length === 0) return;
    const woken = this.pending;
    this.pending = [];
    for (const w of woken) w.resolve();
  }

  /** Wakes the oldest waiter only. */
  wakeOne(): void {
    this.pending.shift()?.resolve();
  }

  rejectAll(error: Error): void {
    const woken = this.pending;
    this.pending = [];
    for (const w of woken) w.reject(error);
  }
}
