import { inject, injectable, optional } from 'inversify';
import type { Collection, MongoClient } from 'mongodb';
import { AbortError, InvalidArgumentError, throwIfAborted, toError } from '../../../framework/errors/base.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerRecord, PeerStore, PeerStoreHealth } from '../../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../../framework/peer/types.js';
import { TOKENS } from '../../../framework/tokens.js';
import { deadlineSignal, raceSignal } from '../../../framework/util/abort.js';
import { PeerStoreClosedError, PeerStoreConfigError, PeerStoreConflictError, PeerStoreError, PeerStoreUnavailableError } from '../errors.js';
import { assertNodeID, assertSaveable, checkRecord, checkVersioned } from '../record-codec.js';
import { storeLogger } from '../store-logger.js';
import { DocumentWriter } from './document-writer.js';
import { mongoDriver } from './driver.js';
import { isMongoServerError, isTransientMongoError } from './mongo-errors.js';
import { resolveMongoOptions, type MongoPeerStoreOptions, type ResolvedMongoOptions } from './options.js';
import { stripBookkeeping, type PeerDocument } from './peer-document.js';
import { PeerLocks, type LockDocument } from './peer-locks.js';
import { RevisionCache } from './revision-cache.js';
import { backoffDelay, redact, type MongoPeerStoreStatus, type MongoStoreState } from './status.js';
import { WriteBuffer, type BufferedWrite } from './write-buffer.js';

/** Warn again about a continuing outage at most this often. */
const OUTAGE_REMINDER_MS = 60_000;
/** Corrupted documents logged one by one per load; the rest are only counted. */
const CORRUPT_LOG_LIMIT = 20;

/** Result of one buffered write: done, dropped for good, or put back after a transient failure. */
type Outcome = 'ok' | 'rejected' | { readonly transient: unknown };
type SaveWrite = [NodeID, { readonly kind: 'save'; readonly record: PeerRecord }];

/** The driver's objects for one store, made when it first connects. */
interface MongoHandles {
  readonly client: MongoClient;
  readonly collection: Collection<PeerDocument>;
  readonly writer: DocumentWriter;
}

const NO_WRITES: DocumentWriter['counters'] = { written: 0, deleted: 0, conflicts: 0 };

/**
 * Peer store in a MongoDB collection (`peers` by default) that several nodes
 * may share. One document per peer, keyed by node ID; writes merge into the
 * stored document and replace it only at the revision they merged into (see
 * `DocumentWriter`, `mergeRecords`), so concurrent writers never roll back
 * each other's newer facts. Writes are write-behind: `save`/`delete` return
 * once buffered (bounded, coalesced per peer) and a background loop applies
 * them. While the database is unreachable the loop backs off exponentially,
 * `status()` says `down` (and the outage is logged), and it catches up when
 * the database returns. `load()` first drains the buffer, then reads, within
 * `loadTimeoutMs` and the caller's AbortSignal.
 */
@injectable()
export class MongoPeerStore implements PeerStore {
  readonly name = 'mongodb';
  private readonly options: ResolvedMongoOptions;
  /** The driver (imported on first use, see driver.ts), its client, collection and our writer. */
  private handles: Promise<MongoHandles> | undefined;
  private connected: MongoHandles | undefined;
  private readonly buffer: WriteBuffer;
  private readonly log: PeerManagerLogger;
  private readonly target: string;
  private prepared: Promise<void> | undefined;
  private locking: boolean | undefined;
  private state: MongoStoreState = 'connecting';
  private since = Date.now();
  private lastError: string | undefined;
  private lastReminder = 0;
  /** Consecutive transient failures: the backoff exponent. */
  private failures = 0;
  private flushing = false;
  private flushDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private accepting = true;
  private stopped = false;
  private closing: Promise<void> | undefined;
  private readonly counters = { droppedAtClose: 0, failed: 0, retries: 0, outages: 0, loaded: 0, corrupt: 0 };

  constructor(
    @inject(TOKENS.MongoPeerStoreOptions) @optional() options?: MongoPeerStoreOptions,
    @inject(TOKENS.Logger) @optional() logger?: PeerManagerLogger,
  ) {
    this.options = resolveMongoOptions(options);
    const o = this.options;
    this.target = `${redact(o.uri)} ${o.database}.${o.collection}`;
    this.log = storeLogger(logger, this.name);
    this.buffer = new WriteBuffer(o.maxBufferedWrites);
  }

  /**
   * Loads the driver and makes the client, once. The client connects on its
   * first operation; a connection string the driver refuses is a
   * PeerStoreConfigError (the schema only checked its scheme).
   */
  private connect(): Promise<MongoHandles> {
    this.handles ??= (async () => {
      const { MongoClient } = await mongoDriver();
      const o = this.options;
      let client: MongoClient;
      try {
        client = new MongoClient(o.uri, { ...o.clientOptions, serverSelectionTimeoutMS: o.serverSelectionTimeoutMs });
      } catch (cause) {
        throw new PeerStoreConfigError(`invalid MongoDB connection string ${redact(o.uri)}: ${toError(cause).message} (config key p2p.peer_store_mongodb_uri)`, { cause });
      }
      const collection = client.db(o.database).collection<PeerDocument>(o.collection);
      const writer = new DocumentWriter(collection, new RevisionCache(o.revisionCacheSize), o.maxConflictRetries, this.log);
      return (this.connected = { client, collection, writer });
    })();
    return this.handles;
  }

  /** Our writer; only called once `prepare()` (which connects) has succeeded. */
  private get writer(): DocumentWriter {
    if (this.connected === undefined) throw new PeerStoreError('MongoPeerStore used before it connected');
    return this.connected.writer;
  }

  health(): PeerStoreHealth {
    const status = this.status();
    return {
      store: this.name,
      state: status.state,
      pendingWrites: status.pending,
      ...(status.lastError !== undefined ? { lastError: status.lastError } : {}),
      details: { target: this.target, ...status },
    };
  }

  status(): MongoPeerStoreStatus {
    const { droppedAtClose, ...counters } = this.counters;
    return {
      state: this.state,
      since: this.since,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      consecutiveFailures: this.failures,
      ...(this.locking !== undefined ? { writeLocks: this.locking } : {}),
      pending: this.buffer.size,
      dropped: this.buffer.dropped + droppedAtClose,
      coalesced: this.buffer.coalesced,
      ...(this.connected?.writer.counters ?? NO_WRITES),
      ...counters,
    };
  }

  async load(signal?: AbortSignal): Promise<PeerRecord[]> {
    throwIfAborted(signal);
    this.assertAccepting();
    const ms = this.options.loadTimeoutMs;
    const deadline = deadlineSignal(signal, ms, () => new PeerStoreUnavailableError(`loading peers from MongoDB ${this.target} did not finish within ${ms} ms`));
    try {
      await raceSignal(this.prepare(), deadline.signal);
      await raceSignal(this.whenIdle(), deadline.signal); // read our own buffered writes
      const { collection } = await this.connect();
      const cursor = collection.find({}, { sort: { updatedAt: -1 }, limit: this.options.maxLoadRecords, signal: deadline.signal });
      const docs = await raceSignal(cursor.toArray(), deadline.signal);
      this.noteSuccess();
      return this.decodeDocuments(docs);
    } catch (error) {
      if (signal?.aborted) throw new AbortError('loading peers from MongoDB was aborted', { cause: signal.reason });
      if (isTransientMongoError(error)) this.noteFailure(error);
      if (error instanceof PeerStoreError) throw error;
      throw new PeerStoreUnavailableError(`loading peers from MongoDB ${this.target} failed: ${toError(error).message}`, { cause: error });
    } finally {
      deadline.dispose();
    }
  }

  /** Buffers the write and returns; it reaches the database in the background (see `flush`). */
  async save(record: PeerRecord): Promise<void> {
    assertSaveable(record, 'MongoPeerStore');
    const checked = checkRecord(record); // also copies, so later changes to `record` cannot leak in
    if (!checked.ok) throw new InvalidArgumentError(`MongoPeerStore.save got an invalid record for peer ${record.nodeId}: ${checked.problem}`);
    this.assertAccepting();
    this.enqueue(record.nodeId, { kind: 'save', record: checked.record });
  }

  async delete(nodeId: NodeID): Promise<void> {
    assertNodeID(nodeId, 'MongoPeerStore');
    this.assertAccepting();
    this.enqueue(nodeId, { kind: 'delete' });
  }

  /** Resolves once every write buffered so far reached the database (or was dropped). Waits through outages; bound it with `signal`. */
  async flush(signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    await (signal ? raceSignal(this.whenIdle(), signal) : this.whenIdle());
  }

  /** Keeps writing what is buffered for up to `closeTimeoutMs`, drops the rest (counted, logged), closes the client. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- write loop ----

  private enqueue(nodeId: NodeID, write: BufferedWrite): void {
    const dropped = this.buffer.put(nodeId, write);
    if (dropped !== undefined) this.noteDropped(dropped);
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    this.flushDone = this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (!this.stopped && this.buffer.size > 0) {
        if (this.failures > 0) await this.sleep(backoffDelay(this.failures, this.options.retryMinMs, this.options.retryMaxMs));
        if (this.stopped) break;
        try {
          await this.prepare();
        } catch (error) {
          if (!isTransientMongoError(error)) this.log.error({ err: error, target: this.target }, 'preparing the peer store collection failed; retrying');
          this.noteFailure(error);
          continue;
        }
        // While down, probe with a single write; once one gets through, write at full speed.
        const batch = this.buffer.take(this.state === 'down' ? 1 : this.options.writeBatchSize);
        const outcomes = await this.executeBatch(batch);
        const transient = outcomes.find((o): o is { transient: unknown } => typeof o === 'object');
        if (transient !== undefined) this.noteFailure(transient.transient);
        else this.noteSuccess();
      }
    } finally {
      // Cleared synchronously after the last check, so a write buffered from now on starts a new loop.
      this.flushing = false;
      if (this.buffer.size === 0 || this.stopped) for (const resolve of this.idleWaiters.splice(0)) resolve();
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
    const fresh = batch.filter((entry): entry is SaveWrite => entry[1].kind === 'save' && this.writer.isNew(entry[0]));
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
    await Promise.all(Array.from({ length: Math.min(this.options.writeConcurrency, rest.length) }, worker));
    for (const [id, write] of rest.slice(next)) this.putBack(id, write, false);
    return outcomes;
  }

  /** Inserts new peers; returns those to write one by one (they existed, or a document of theirs failed). */
  private async insertFresh(writes: SaveWrite[]): Promise<{ individually: [NodeID, BufferedWrite][]; transient?: unknown }> {
    let failed: Set<number>;
    try {
      failed = await this.writer.insertMany(writes.map(([, w]) => w.record));
    } catch (error) {
      // Unknown outcome. Transient: put all back (a retry merges with whatever did land). Otherwise isolate the bad document.
      if (this.stopped || !isTransientMongoError(error)) return { individually: writes };
      for (const [id, write] of writes) this.putBack(id, write, true);
      return { individually: [], transient: error };
    }
    writes.forEach(([id], i) => failed.has(i) || this.buffer.done(id));
    return { individually: writes.filter((_, i) => failed.has(i)) };
  }

  /** Runs one buffered write; a transient failure or lasting contention puts it back. */
  private async execute(nodeId: NodeID, write: BufferedWrite): Promise<Outcome> {
    try {
      if (write.kind === 'save') await this.writer.save(write.record);
      else await this.writer.delete(nodeId);
      this.buffer.done(nodeId);
      return 'ok';
    } catch (error) {
      if (this.stopped) {
        this.buffer.done(nodeId);
        this.counters.droppedAtClose++;
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
      this.buffer.done(nodeId);
      this.counters.failed++;
      this.log.error({ peer: nodeId, op: write.kind, err: error, target: this.target }, 'the database rejected a peer store write; it is dropped');
      return 'rejected';
    }
  }

  private putBack(nodeId: NodeID, write: BufferedWrite, attempted: boolean): void {
    const dropped = this.buffer.retry(nodeId, write);
    if (dropped !== undefined) this.noteDropped(dropped);
    if (attempted) this.counters.retries++;
  }

  /** Creates the indexes and decides on write locks, once per store (again after a failure). */
  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      const { client, collection, writer } = await this.connect();
      await collection.createIndex({ nodeId: 1 }, { unique: true, name: 'nodeId_unique' });
      await collection.createIndex({ updatedAt: -1 }, { name: 'updatedAt_desc' });
      const mode = this.options.writeLocks;
      const server = await this.serverName(client);
      const locking = mode === 'always' || (mode === 'auto' && server.startsWith('FerretDB'));
      this.locking = locking;
      if (locking) {
        const locks = client.db(this.options.database).collection<LockDocument>(`${this.options.collection}_locks`);
        writer.locks = new PeerLocks(locks, this.options.lockLeaseMs, this.options.lockWaitMs);
      }
      this.log.info({ target: this.target, server, writeLocks: locking }, 'peer store collection ready');
    })().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  /** "FerretDB vX" or "MongoDB vX" from buildInfo ("unknown" where a server refuses the command). */
  private async serverName(client: MongoClient): Promise<string> {
    try {
      const info = await client.db('admin').command({ buildInfo: 1 });
      return typeof info.ferretdbVersion === 'string' ? `FerretDB ${info.ferretdbVersion}` : `MongoDB ${String(info.version)}`;
    } catch (error) {
      if (isMongoServerError(error) && !isTransientMongoError(error)) return 'unknown';
      throw error;
    }
  }

  // ---- load ----

  private decodeDocuments(docs: PeerDocument[]): PeerRecord[] {
    const records: PeerRecord[] = [];
    let corrupt = 0;
    for (const doc of docs) {
      const id = typeof doc._id === 'string' ? (doc._id as NodeID) : undefined;
      const checked = id === undefined ? { ok: false as const, problem: `_id ${JSON.stringify(doc._id)} is not a node ID` } : checkVersioned(stripBookkeeping(doc), id);
      if (!checked.ok) {
        if (++corrupt <= CORRUPT_LOG_LIMIT) this.log.warn({ id: String(doc._id), problem: checked.problem, target: this.target }, 'corrupted peer record skipped');
        continue;
      }
      records.push(checked.record);
      this.writer.remember(checked.record.nodeId, doc.rev, checked.record);
    }
    if (corrupt > CORRUPT_LOG_LIMIT) this.log.warn({ corrupt, target: this.target }, `${corrupt - CORRUPT_LOG_LIMIT} more corrupted peer records skipped`);
    if (docs.length >= this.options.maxLoadRecords) {
      this.log.warn({ limit: this.options.maxLoadRecords, target: this.target }, 'peer store holds more records than maxLoadRecords; only the most recently updated were loaded');
    }
    this.counters.corrupt += corrupt;
    this.counters.loaded = records.length;
    return records;
  }

  // ---- health ----

  private noteSuccess(): void {
    this.failures = 0;
    if (this.state === 'up') return;
    if (this.state === 'down') {
      this.log.info({ target: this.target, downMs: Date.now() - this.since, pending: this.buffer.size }, 'peer store database reachable again; catching up');
    }
    this.setState('up');
    this.lastError = undefined;
  }

  private noteFailure(error: unknown): void {
    this.failures++;
    this.lastError = toError(error).message;
    const now = Date.now();
    if (this.state === 'down') {
      if (now - this.lastReminder >= OUTAGE_REMINDER_MS) {
        this.lastReminder = now;
        this.log.warn({ target: this.target, downMs: now - this.since, pending: this.buffer.size, dropped: this.status().dropped, err: this.lastError }, 'peer store database still unreachable');
      }
      return;
    }
    this.setState('down');
    this.counters.outages++;
    this.lastReminder = now;
    this.log.warn({ target: this.target, pending: this.buffer.size, err: this.lastError }, 'peer store database unreachable; buffering writes and retrying');
  }

  private noteDropped(nodeId: NodeID): void {
    const dropped = this.buffer.dropped;
    if (dropped === 1 || dropped % 1000 === 0) {
      this.log.warn({ peer: nodeId, dropped, limit: this.buffer.limit, target: this.target }, 'peer store write buffer full; oldest buffered write dropped');
    }
  }

  private setState(state: MongoStoreState): void {
    if (this.state === 'closed') return;
    this.state = state;
    this.since = Date.now();
  }

  // ---- lifecycle ----

  private whenIdle(): Promise<void> {
    if (this.buffer.size === 0 && !this.flushing) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
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

  private assertAccepting(): void {
    if (!this.accepting) throw new PeerStoreClosedError(`the MongoDB peer store ${this.target} is closed`);
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    this.failures = 0; // one prompt last try instead of waiting out the backoff
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.whenIdle().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    this.stopped = true;
    this.wake?.();
    const abandoned = this.buffer.clear();
    this.counters.droppedAtClose += abandoned;
    if (!finished) {
      this.log.error({ target: this.target, dropped: abandoned, waitedMs: this.options.closeTimeoutMs, err: this.lastError }, 'peer store closed with writes the database never received');
    }
    // Closing the client fails in-flight operations at once instead of waiting for server selection.
    const handles = await this.handles?.catch(() => undefined);
    await handles?.client.close().catch((error: unknown) => this.log.debug({ err: error }, 'closing the MongoDB client failed'));
    await this.flushDone;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.setState('closed');
  }
}
