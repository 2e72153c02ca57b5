import { AbortError } from '../errors/base.js';
import { raceSignal } from '../util/abort.js';
import { GaterTimeoutError } from './errors.js';
import type { GateContext } from './gater.js';

/**
 * The deadline gaters answer within, for one phase of one connection. It
 * costs nothing until a gater reads `signal` or answers with a promise — the
 * common, synchronous case sets no timer — and then runs `timeoutMs` from
 * that moment. `dispose` clears the timer and the parent listener.
 */
export class AnswerDeadline implements GateContext {
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onParentAbort = () => this.controller?.abort(this.parent?.reason ?? new AbortError());

  constructor(
    private readonly parent: AbortSignal | undefined,
    private readonly timeoutMs: number,
  ) {}

  get signal(): AbortSignal {
    return this.start().signal;
  }

  /** Resolves with the answer, or rejects with GaterTimeoutError at the deadline or the parent's reason when it aborts. */
  race<T>(answer: PromiseLike<T>): Promise<T> {
    return raceSignal(Promise.resolve(answer), this.start().signal);
  }

  get timedOut(): boolean {
    return this.controller?.signal.reason instanceof GaterTimeoutError;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }

  private start(): AbortController {
    if (this.controller) return this.controller;
    const controller = new AbortController();
    this.controller = controller;
    if (this.parent?.aborted) {
      controller.abort(this.parent.reason);
      return controller;
    }
    this.parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.timer = setTimeout(
      () => controller.abort(new GaterTimeoutError(`no answer within ${this.timeoutMs} ms (gating.filter_timeout)`)),
      this.timeoutMs,
    );
    return controller;
  }
}
