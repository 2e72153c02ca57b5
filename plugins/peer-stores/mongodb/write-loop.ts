import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerRecord } from '../../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../../framework/peer/types.js';
import { PeerStoreConflictError } from '../errors.js';
import type { DocumentWriter } from './document-writer.js';
import { isTransientMongoError } from './mongo-errors.js';
import type { ResolvedMongoOptions } from './options.js';
import type { OutageTracker, WriteBacklog } from './outage-tracker.js';
import { backoffDelay } from './status.js';
import type { BufferedWrite, WriteBuffer } from './write-buffer.js';

/** Result of one buffered write: done, dropped for good, or put back after a transient failure. */
type Outcome = 'ok' | 'rejected' | { readonly transient: unknown };
type SaveWrite = [NodeID, { readonly kind: 'save'; readonly record: PeerRecord }];

/** What the write loop is given by its MongoPeerStore. */
export interface WriteLoopComponents {
  readonly buffer: WriteBuffer;
  readonly outage: Pick<OutageTracker, 'state' | 'failures' | 'noteSuccess' | 'noteFailure'>;
  readonly options: Pick<ResolvedMongoOptions, 'writeBatchSize' | 'writeConcurrency' | 'retryMinMs' | 'retryMaxMs'>;
  readonly log: PeerManagerLogger;
  /** The database, as logs name it. */
  readonly target: string;
  /** Connects and readies the collection; rejects while the database cannot be reached. */
  prepare(): Promise<void>;
  /** The store's DocumentWriter; only called once prepare() has succeeded. */
  writer(): DocumentWriter;
}

/**
 * The MongoDB store's write-behind: `enqueue` buffers a write (bounded,
 * coalesced per peer: WriteBuffer) and returns, and a background loop
 * applies what is buffered, `writeBatchSize` writes a round. While the
 * database is unreachable it backs off exponentially (the OutageTracker's
 * failure count), probing with one write at a time, and catches up at full
 * speed once one gets through.
 */
export class WriteLoop implements WriteBacklog {
  /** Writes still buffered when the store closed, or failing after it did. */
  droppedAtClose = 0;
  /** Writes the database rejected for good (logged, not retried). */
  failed = 0;
  /** Writes put back after a transient failure or lasting contention. */
  retries = 0;
  private flushing = false;
  private flushDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly components: WriteLoopComponents) {}

  get pending(): number {
    return this.components.buffer.size;
  }

  get dropped(): number {
    return this.components.buffer.dropped + this.droppedAtClose;
  }

  /** Buffers the write and makes sure the loop runs. */
  enqueue(nodeId: NodeID, write: BufferedWrite): void {
    const dropped = this.components.buffer.put(nodeId, write);
    if (dropped !== undefined) this.noteDropped(dropped);
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    this.flushDone = this.flushLoop();
  }

  /** Resolves once everything buffered so far has been written or dropped (or the loop stopped). */
  whenIdle(): Promise<void> {
    if (this.components.buffer.size === 0 && !this.flushing) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends a backoff sleep now. */
  wakeUp(): void {
    this.wake?.();
  }

  /** Stops retrying; discards what is still buffered and returns how many writes that was. */
  stop(): number {
    this.stopped = true;
    this.wake?.();
    const abandoned = this.components.buffer.clear();
    this.droppedAtClose += abandoned;
    return abandoned;
  }

  /** The loop's current run: resolves once it has returned (at once when none runs). */
  get currentRun(): Promise<void> {
    return this.flushDone;
  }

  /** Wakes everyone waiting in whenIdle(): the loop went idle, or was stopped and never will. */
  releaseIdleWaiters(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async flushLoop(): Promise<void> {
    const { buffer, outage, options, log, target } = this.components;
    try {
      while (!this.stopped && buffer.size > 0) {
        if (outage.failures > 0) await this.sleep(backoffDelay(outage.failures, options.retryMinMs, options.retryMaxMs));
        if (this.stopped) break;
        try {
          await this.components.prepare();
        } catch (error) {
          if (!isTransientMongoError(error)) log.error({ err: error, target }, 'preparing the peer store collection failed; retrying');
          outage.noteFailure(error, this);
          continue;
        }
        // While down, probe with a single write; once one gets through, write at full speed.
        const batch = buffer.take(outage.state === 'down' ? 1 : options.writeBatchSize);
        const outcomes = await this.executeBatch(batch);
        const transient = outcomes.find((o): o is { transient: unknown } => typeof o === 'object');
        if (transient !== undefined) outage.noteFailure(transient.transient, this);
        else outage.noteSuccess(this);
      }
    } finally {
      // Cleared synchronously after the last check, so a write buffered from now on starts a new loop.
      this.flushing = false;
      if (buffer.size === 0 || this.stopped) this.releaseIdleWaiters();
    }
  }

  /**
   * Saves of peers this store knows nothing about go out as one unordered
   * insertMany (a new peer needs no merge); those that exist already, and
   * every other write, take the conditional path, `writeConcurrency` at a
   * time. After a transient failure the rest of the batch is put back
   * untried: each would only wait out server selection too.
   */
  private async executeBatch(batch: [NodeID, BufferedWrite][]): Promise<Outcome[]> {
    const fresh = batch.filter((entry): entry is SaveWrite => entry[1].kind === 'save' && this.components.writer().isNew(entry[0]));
    const rest = fresh.length > 1 ? batch.filter((entry) => !fresh.includes(entry as SaveWrite)) : batch;
    const outcomes: Outcome[] = [];
    if (fresh.length > 1) {
      const { individually, transient } = await this.insertFresh(fresh);
      if (transient !== undefined) outcomes.push({ transient });
      rest.push(...individually);
    }
    let next = 0;
    let halted = outcomes.length > 0;
    const worker = async (): Promise<void> => {
      while (!halted && next < rest.length) {
        const [id, write] = rest[next++]!;
        const outcome = await this.execute(id, write);
        if (typeof outcome === 'object') halted = true;
        outcomes.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.components.options.writeConcurrency, rest.length) }, worker));
    for (const [id, write] of rest.slice(next)) this.putBack(id, write, false);
    return outcomes;
  }

  /** Inserts new peers; returns those to write one by one (they existed, or a document of theirs failed). */
  private async insertFresh(writes: SaveWrite[]): Promise<{ individually: [NodeID, BufferedWrite][]; transient?: unknown }> {
    let failed: Set<number>;
    try {
      failed = await this.components.writer().insertMany(writes.map(([, w]) => w.record));
    } catch (error) {
      // Unknown outcome. Transient: put all back (a retry merges with whatever did land). Otherwise isolate the bad document.
      if (this.stopped || !isTransientMongoError(error)) return { individually: writes };
      for (const [id, write] of writes) this.putBack(id, write, true);
      return { individually: [], transient: error };
    }
    writes.forEach(([id], i) => failed.has(i) || this.components.buffer.done(id));
    return { individually: writes.filter((_, i) => failed.has(i)) };
  }

  /** Runs one buffered write; a transient failure or lasting contention puts it back. */
  private async execute(nodeId: NodeID, write: BufferedWrite): Promise<Outcome> {
    const { buffer, log, target } = this.components;
    try {
      if (write.kind === 'save') await this.components.writer().save(write.record);
      else await this.components.writer().delete(nodeId);
      buffer.done(nodeId);
      return 'ok';
    } catch (error) {
      if (this.stopped) {
        buffer.done(nodeId);
        this.droppedAtClose++;
        return 'rejected';
      }
      if (error instanceof PeerStoreConflictError) {
        this.putBack(nodeId, write, true);
        return 'ok'; // contention, not an outage
      }
      if (isTransientMongoError(error)) {
        this.putBack(nodeId, write, true);
        return { transient: error };
      }
      buffer.done(nodeId);
      this.failed++;
      log.error({ peer: nodeId, op: write.kind, err: error, target }, 'the database rejected a peer store write; it is dropped');
      return 'rejected';
    }
  }

  private putBack(nodeId: NodeID, write: BufferedWrite, attempted: boolean): void {
    const dropped = this.components.buffer.retry(nodeId, write);
    if (dropped !== undefined) this.noteDropped(dropped);
    if (attempted) this.retries++;
  }

  private noteDropped(nodeId: NodeID): void {
    const { buffer, log, target } = this.components;
    const dropped = buffer.dropped;
    if (dropped === 1 || dropped % 1000 === 0) {
      log.warn({ peer: nodeId, dropped, limit: buffer.limit, target }, 'peer store write buffer full; oldest buffered write dropped');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
