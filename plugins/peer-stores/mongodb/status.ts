/** `up`: the last operation reached the database; `down`: it did not, writes are buffered and retried. */
export type MongoStoreState = 'connecting' | 'up' | 'down' | 'closed';

/** What an operator needs to see an outage and its cost. Counters are since construction. */
export interface MongoPeerStoreStatus {
  readonly state: MongoStoreState;
  /** When the current state began (epoch ms). */
  readonly since: number;
  /** Message of the last failure that made or kept the store down. */
  readonly lastError?: string;
  /** Attempts in a row that could not reach the database (0 when up); drives the retry backoff. */
  readonly consecutiveFailures: number;
  /** Whether writes take per-peer locks (decided on first contact; undefined before). */
  readonly writeLocks?: boolean;
  /** Writes buffered: waiting or being executed. */
  readonly pending: number;
  readonly written: number;
  readonly deleted: number;
  /** Writes discarded: buffer full during an outage, or still buffered when close gave up. */
  readonly dropped: number;
  /** Writes replaced by a newer write of the same peer before they ran. */
  readonly coalesced: number;
  /** Conditional writes that found another writer's revision and merged again. */
  readonly conflicts: number;
  /** Writes the database rejected for good (logged, not retried). */
  readonly failed: number;
  /** Writes put back after a transient failure or lasting contention. */
  readonly retries: number;
  /** Transitions to `down`. */
  readonly outages: number;
  /** Valid records returned by the last load. */
  readonly loaded: number;
  /** Documents skipped by loads as corrupted. */
  readonly corrupt: number;
}

/** Exponential with jitter in [½, 1] of the step, so writers that failed together do not retry in lockstep. */
export function backoffDelay(failures: number, minMs: number, maxMs: number): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/** The connection string without credentials, for logs and errors. */
export function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
