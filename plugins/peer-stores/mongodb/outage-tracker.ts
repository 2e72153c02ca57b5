import { toError } from '../../../framework/errors/base.js';
import type { PeerManagerLogger } from '../../../framework/peer/types.js';
import type { MongoStoreState } from './status.js';

/** Warn again about a continuing outage at most this often. */
const OUTAGE_REMINDER_MS = 60_000;

/** What an outage costs so far, for the lines that report it. */
export interface WriteBacklog {
  /** Writes buffered: waiting or being executed. */
  readonly pending: number;
  /** Writes discarded: buffer full, or given up at close. */
  readonly dropped: number;
}

/**
 * Whether the MongoDB store's database is reachable, as its operations find
 * it: `up` once one gets through, `down` from the first that cannot reach
 * it (an outage: warned about once, reminded every minute while it lasts,
 * and its end logged), `closed` for good once the store closes. Consecutive
 * failures are the write loop's backoff exponent.
 */
export class OutageTracker {
  /** Consecutive transient failures: the backoff exponent. */
  failures = 0;
  /** Transitions to `down`. */
  outages = 0;
  private current: MongoStoreState = 'connecting';
  private changedAt: number;
  private lastFailure: string | undefined;
  private lastReminder = 0;

  constructor(
    private readonly log: PeerManagerLogger,
    /** The database, as logs name it (credentials redacted). */
    private readonly target: string,
    private readonly now: () => number = Date.now,
  ) {
    this.changedAt = now();
  }

  get state(): MongoStoreState {
    return this.current;
  }

  /** When the current state began (epoch ms). */
  get since(): number {
    return this.changedAt;
  }

  /** Message of the last failure that made or kept the store down; cleared once it is up. */
  get lastError(): string | undefined {
    return this.lastFailure;
  }

  /** An operation reached the database. */
  noteSuccess(backlog: WriteBacklog): void {
    this.failures = 0;
    if (this.current === 'up') return;
    if (this.current === 'down') {
      this.log.info({ target: this.target, downMs: this.now() - this.changedAt, pending: backlog.pending }, 'peer store database reachable again; catching up');
    }
    this.setState('up');
    this.lastFailure = undefined;
  }

  /** An operation could not reach the database. */
  noteFailure(error: unknown, backlog: WriteBacklog): void {
    this.failures++;
    this.lastFailure = toError(error).message;
    const now = this.now();
    if (this.current === 'down') {
      if (now - this.lastReminder >= OUTAGE_REMINDER_MS) {
        this.lastReminder = now;
        this.log.warn({ target: this.target, downMs: now - this.changedAt, pending: backlog.pending, dropped: backlog.dropped, err: this.lastFailure }, 'peer store database still unreachable');
      }
      return;
    }
    this.setState('down');
    this.outages++;
    this.lastReminder = now;
    this.log.warn({ target: this.target, pending: backlog.pending, err: this.lastFailure }, 'peer store database unreachable; buffering writes and retrying');
  }

  /** The store closed; nothing changes the state after this. */
  close(): void {
    this.setState('closed');
  }

  private setState(state: MongoStoreState): void {
    if (this.current === 'closed') return;
    this.current = state;
    this.changedAt = this.now();
  }
}
