import { Observable, type OperatorFunction } from 'rxjs';
import { BoundedConsumer, InvalidConsumeOptionsError, resolveConsumeOptions, type ConsumeOptions, type ConsumerStats } from './bounded-consumer.js';

export interface ConsumeOperatorOptions extends ConsumeOptions {
  /** Called for each message the overflow policy drops. */
  readonly onDrop?: (item: unknown) => void;
  /** Receives the consumer's counters once subscribed (for metrics or tests). */
  readonly stats?: (read: () => ConsumerStats) => void;
}

/**
 * An RxJS operator that runs an async `handler` over a stream with at most
 * `concurrency` calls in flight and a bounded buffer; beyond it the overflow
 * policy drops the oldest or the newest message, and counts it. Emits each
 * handler's result (in completion order). A plain Observable cannot be made
 * to wait, so `block` is refused here: use `ChannelHandle.consume` (or
 * `@Channel(def, { consume })`), which stops the channel's delivery instead.
 *
 *   channel.inbound.pipe(consumeBounded((e) => save(e.message), { concurrency: 4, buffer: 256, overflow: 'drop-oldest' }))
 */
export function consumeBounded<T, R>(handler: (item: T) => R | PromiseLike<R>, options: ConsumeOperatorOptions = {}): OperatorFunction<T, R> {
  const resolved = resolveConsumeOptions({ overflow: 'drop-oldest', ...options });
  if (resolved.overflow === 'block') {
    throw new InvalidConsumeOptionsError('consume option overflow "block" needs a source that can wait: use ChannelHandle.consume() for channels, or a drop policy here');
  }
  return (source) =>
    new Observable<R>((subscriber) => {
      let completed = false;
      const consumer = new BoundedConsumer<T>(
        async (item) => {
          const result = await handler(item);
          subscriber.next(result);
        },
        resolved,
        { onError: (error) => subscriber.error(error), onDrop: options.onDrop },
      );
      options.stats?.(() => consumer.stats());
      const subscription = source.subscribe({
        next: (item) => consumer.push(item),
        error: (error) => subscriber.error(error),
        complete: () => {
          completed = true;
          void consumer.idle().then(() => subscriber.complete());
        },
      });
      return () => {
        if (!completed) subscription.unsubscribe();
      };
    });
}
