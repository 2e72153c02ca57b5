import { AbortError, withoutStack } from '../errors/base.js';

/**
 * Parked consumers that are handed a value directly. A consumer merely
 * woken (Waiters) resumes, fetches the value and returns it to its own
 * caller: two promise turns per handoff. Here the producer resolves the
 * consumer's promise with the value itself: one turn, on paths (a routed
 * peer's send loop, a channel's delivery) that take every message. Each
 * waiter detaches its abort listener when settled.
 */
export class Handoff<T> {
  private pending: Array<{ resolve: (value: T) => void; reject: (e: Error) => void; cleanup: () => void }> = [];

  get size(): number {
    return this.pending.length;
  }

  /** Parks until give() hands a value, rejectAll() fails every waiter, or `signal` aborts (AbortError). */
  wait(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return new Promise<T>((resolve, reject) => {
      const entry = { resolve, reject, cleanup: () => {} };
      if (signal) {
        const onAbort = () => {
          const i = this.pending.indexOf(entry);
          if (i >= 0) this.pending.splice(i, 1);
          reject(withoutStack(() => new AbortError(undefined, { cause: signal.reason })));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.push(entry);
    });
  }

  /** Hands `value` to the oldest waiter; false (and nothing done) when none waits. */
  give(value: T): boolean {
    const entry = this.pending.shift();
    if (entry === undefined) return false;
    entry.cleanup();
    entry.resolve(value);
    return true;
  }

  /** Hands `value` to every waiter (a Waiters' "wake all"). */
  giveAll(value: T): void {
    const woken = this.pending;
    this.pending = [];
    for (const w of woken) {
      w.cleanup();
      w.resolve(value);
    }
  }

  rejectAll(error: Error): void {
    const woken = this.pending;
    this.pending = [];
    for (const w of woken) {
      w.cleanup();
      w.reject(error);
    }
  }
}

/**
 * A set of parked promises woken together. Used wherever a loop must wait
 * for "something changed" without polling: queue has room, connection
 * writable. Each waiter detaches its abort listener when settled, so
 * long-lived signals do not accumulate listeners.
 */
export class Waiters extends Handoff<void> {
  /** Wakes every waiter. */
  wakeAll(): void {
    this.giveAll(undefined);
  }

  /** Wakes the oldest waiter only. */
  wakeOne(): void {
    this.give(undefined);
  }
}
