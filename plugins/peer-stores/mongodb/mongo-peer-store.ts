import { inject, injectable, optional } from 'inversify';
import type { Collection, MongoClient } from 'mongodb';
import { AbortError, InvalidArgumentError, throwIfAborted, toError } from '../../../framework/errors/base.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerRecord, PeerStore, PeerStoreHealth } from '../../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../../framework/peer/types.js';
import { TOKENS } from '../../../framework/tokens.js';
import { deadlineSignal, raceSignal } from '../../../framework/util/abort.js';
import { CorruptRecordLog } from '../corrupt-record-log.js';
import { PeerStoreClosedError, PeerStoreConfigError, PeerStoreError, PeerStoreUnavailableError } from '../errors.js';
import { assertNodeID, assertSaveable, checkRecord, checkVersioned } from '../record-codec.js';
import { storeLogger } from '../store-logger.js';
import { DocumentWriter } from './document-writer.js';
import { mongoDriver } from './driver.js';
import { isMongoServerError, isTransientMongoError } from './mongo-errors.js';
import { resolveMongoOptions, type MongoPeerStoreOptions, type ResolvedMongoOptions } from './options.js';
import { OutageTracker } from './outage-tracker.js';
import { stripBookkeeping, type PeerDocument } from './peer-document.js';
import { PeerLocks, type LockDocument } from './peer-locks.js';
import { RevisionCache } from './revision-cache.js';
import { redact, type MongoPeerStoreStatus } from './status.js';
import { WriteBuffer } from './write-buffer.js';
import { WriteLoop } from './write-loop.js';

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
 * each other's newer facts. Writes are write-behind (`WriteLoop`): `save`
 * and `delete` return once buffered (bounded, coalesced per peer) and a
 * background loop applies them. While the database is unreachable the loop
 * backs off exponentially, `status()` says `down` (`OutageTracker`, which
 * logs the outage), and it catches up when the database returns. `load()`
 * first drains the buffer, then reads, within `loadTimeoutMs` and the
 * caller's AbortSignal.
 */
@injectable()
export class MongoPeerStore implements PeerStore {
  readonly name = 'mongodb';
  private readonly options: ResolvedMongoOptions;
  /** The driver (imported on first use, see driver.ts), its client, collection and our writer. */
  private handles: Promise<MongoHandles> | undefined;
  private connected: MongoHandles | undefined;
  private readonly buffer: WriteBuffer;
  private readonly writes: WriteLoop;
  private readonly outage: OutageTracker;
  private readonly log: PeerManagerLogger;
  private readonly target: string;
  private prepared: Promise<void> | undefined;
  private locking: boolean | undefined;
  private accepting = true;
  private closing: Promise<void> | undefined;
  private readonly counters = { loaded: 0, corrupt: 0 };

  constructor(
    @inject(TOKENS.MongoPeerStoreOptions) @optional() options?: MongoPeerStoreOptions,
    @inject(TOKENS.Logger) @optional() logger?: PeerManagerLogger,
  ) {
    this.options = resolveMongoOptions(options);
    const o = this.options;
    this.target = `${redact(o.uri)} ${o.database}.${o.collection}`;
    this.log = storeLogger(logger, this.name);
    this.buffer = new WriteBuffer(o.maxBufferedWrites);
    this.outage = new OutageTracker(this.log, this.target);
    this.writes = new WriteLoop({
      buffer: this.buffer,
      outage: this.outage,
      options: o,
      log: this.log,
      target: this.target,
      prepare: () => this.prepare(),
      writer: () => this.writer,
    });
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
    const { outage, writes } = this;
    return {
      state: outage.state,
      since: outage.since,
      ...(outage.lastError !== undefined ? { lastError: outage.lastError } : {}),
      consecutiveFailures: outage.failures,
      ...(this.locking !== undefined ? { writeLocks: this.locking } : {}),
      pending: writes.pending,
      dropped: writes.dropped,
      coalesced: this.buffer.coalesced,
      ...(this.connected?.writer.counters ?? NO_WRITES),
      failed: writes.failed,
      retries: writes.retries,
      outages: outage.outages,
      ...this.counters,
    };
  }

  async load(signal?: AbortSignal): Promise<PeerRecord[]> {
    throwIfAborted(signal);
    this.assertAccepting();
    const ms = this.options.loadTimeoutMs;
    const deadline = deadlineSignal(signal, ms, () => new PeerStoreUnavailableError(`loading peers from MongoDB ${this.target} did not finish within ${ms} ms`));
    try {
      await raceSignal(this.prepare(), deadline.signal);
      await raceSignal(this.writes.whenIdle(), deadline.signal); // read our own buffered writes
      const { collection } = await this.connect();
      const cursor = collection.find({}, { sort: { updatedAt: -1 }, limit: this.options.maxLoadRecords, signal: deadline.signal });
      const docs = await raceSignal(cursor.toArray(), deadline.signal);
      this.outage.noteSuccess(this.writes);
      return this.decodeDocuments(docs);
    } catch (error) {
      if (signal?.aborted) throw new AbortError('loading peers from MongoDB was aborted', { cause: signal.reason });
      if (isTransientMongoError(error)) this.outage.noteFailure(error, this.writes);
      if (error instanceof PeerStoreError) throw error;
      throw new PeerStoreUnavailableError(`loading peers from MongoDB ${this.target} failed: ${toError(error).message}`, { cause: error });
    } finally {
      deadline.dispose();
    }
  }

  /** Buffers the write and returns; it reaches the database in the background (see `flush`, WriteLoop). */
  async save(record: PeerRecord): Promise<void> {
    assertSaveable(record, 'MongoPeerStore');
    const checked = checkRecord(record); // also copies, so later changes to `record` cannot leak in
    if (!checked.ok) throw new InvalidArgumentError(`MongoPeerStore.save got an invalid record for peer ${record.nodeId}: ${checked.problem}`);
    this.assertAccepting();
    this.writes.enqueue(record.nodeId, { kind: 'save', record: checked.record });
  }

  async delete(nodeId: NodeID): Promise<void> {
    assertNodeID(nodeId, 'MongoPeerStore');
    this.assertAccepting();
    this.writes.enqueue(nodeId, { kind: 'delete' });
  }

  /** Resolves once every write buffered so far reached the database (or was dropped). Waits through outages; bound it with `signal`. */
  async flush(signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    await (signal ? raceSignal(this.writes.whenIdle(), signal) : this.writes.whenIdle());
  }

  /** Keeps writing what is buffered for up to `closeTimeoutMs`, drops the rest (counted, logged), closes the client. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
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
    const corrupt = new CorruptRecordLog(this.log, { target: this.target });
    for (const doc of docs) {
      const id = typeof doc._id === 'string' ? (doc._id as NodeID) : undefined;
      const checked = id === undefined ? { ok: false as const, problem: `_id ${JSON.stringify(doc._id)} is not a node ID` } : checkVersioned(stripBookkeeping(doc), id);
      if (!checked.ok) {
        corrupt.skipped({ id: String(doc._id) }, checked.problem);
        continue;
      }
      records.push(checked.record);
      this.writer.remember(checked.record.nodeId, doc.rev, checked.record);
    }
    corrupt.summarize();
    if (docs.length >= this.options.maxLoadRecords) {
      this.log.warn({ limit: this.options.maxLoadRecords, target: this.target }, 'peer store holds more records than maxLoadRecords; only the most recently updated were loaded');
    }
    this.counters.corrupt += corrupt.count;
    this.counters.loaded = records.length;
    return records;
  }

  // ---- lifecycle ----

  private assertAccepting(): void {
    if (!this.accepting) throw new PeerStoreClosedError(`the MongoDB peer store ${this.target} is closed`);
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    this.outage.failures = 0; // one prompt last try instead of waiting out the backoff
    this.writes.wakeUp();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.writes.whenIdle().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    const abandoned = this.writes.stop();
    if (!finished) {
      this.log.error({ target: this.target, dropped: abandoned, waitedMs: this.options.closeTimeoutMs, err: this.outage.lastError }, 'peer store closed with writes the database never received');
    }
    // Closing the client fails in-flight operations at once instead of waiting for server selection.
    const handles = await this.handles?.catch(() => undefined);
    await handles?.client.close().catch((error: unknown) => this.log.debug({ err: error }, 'closing the MongoDB client failed'));
    await this.writes.currentRun;
    this.writes.releaseIdleWaiters();
    this.outage.close();
  }
}
