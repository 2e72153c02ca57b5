import { Waiters } from './waiters.js';
import { AbortError } from '../errors/base.js';

const TIMED_OUT = Symbol('timed out');

/**
 * A one-slot latch: notify() before anyone waits is remembered, so a loop
 * that checks state, then waits, never misses a change that happened in
 * between. Several notifies collapse into one wake-up.
 */
export class Wakeup {
  private notified = false;
  private readonly waiters = new Waiters();

  notify(): void {
    if (this.waiters.size > 0) this.waiters.wakeAll();
    else this.notified = true;
  }

  /**
   * Resolves on notify(), at `deadline` (epoch ms) if given, or rejects with
   * AbortError when `signal` aborts. Nothing (timer, listener, parked waiter)
   * outlives the call.
   */
  async wait(signal?: AbortSignal, deadline?: number): Promise<void> {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    if (this.notified) {
      this.notified = false;
      return;
    }
    if (deadline === undefined) return this.waiters.wait(signal);
    const local = new AbortController();
    const onAbort = () => local.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => local.abort(TIMED_OUT), Math.max(0, deadline - Date.now()));
    try {
      await this.waiters.wait(local.signal);
    } catch (error) {
      if (local.signal.reason !== TIMED_OUT) throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
