import { Observable, type Subscriber } from 'rxjs';
import type { PeerUpdate } from './types.js';

interface Subscription {
  readonly subscriber: Subscriber<PeerUpdate>;
  /** Sequence number of the last update already reflected in this subscriber's replay. */
  readonly after: number;
}

/**
 * Ordered, synchronous fan-out of peer updates. Two things make the ordering
 * hold even when a subscriber calls back into the peer manager from its
 * handler (which may publish more updates mid-delivery):
 * - updates published during delivery are queued and delivered after the
 *   current one has reached every subscriber, so all subscribers see the same order;
 * - a new subscriber replays the current `up` set and then receives only
 *   updates published after it subscribed, so it never sees a `down` without its `up`.
 */
export class PeerUpdateHub {
  private readonly subscriptions = new Set<Subscription>();
  private readonly outbox: { seq: number; update: PeerUpdate }[] = [];
  private seq = 0;
  private delivering = false;
  private completed = false;

  constructor(private readonly currentlyUp: () => Iterable<PeerUpdate>) {}

  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  publish(update: PeerUpdate): void {
    if (this.completed) return;
    this.outbox.push({ seq: ++this.seq, update });
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.outbox.length; i++) {
        const { seq, update: next } = this.outbox[i];
        for (const s of [...this.subscriptions]) {
          if (s.after < seq && !s.subscriber.closed) s.subscriber.next(next);
        }
      }
    } finally {
      this.outbox.length = 0;
      this.delivering = false;
    }
  }

  observable(): Observable<PeerUpdate> {
    return new Observable<PeerUpdate>((subscriber) => {
      if (this.completed) {
        subscriber.complete();
        return undefined;
      }
      const subscription: Subscription = { subscriber, after: this.seq };
      for (const update of this.currentlyUp()) {
        if (subscriber.closed) return undefined;
        subscriber.next(update);
      }
      this.subscriptions.add(subscription);
      return () => {
        this.subscriptions.delete(subscription);
      };
    });
  }

  complete(): void {
    if (this.completed) return;
    this.completed = true;
    for (const s of [...this.subscriptions]) s.subscriber.complete();
    this.subscriptions.clear();
  }
}
