import { inject, injectable, optional } from 'inversify';
import { MongoClient, type Collection, type Filter } from 'mongodb';
import { AbortError, InvalidArgumentError, throwIfAborted, toError } from '../../../framework/errors/base.js';
import type { NodeConfig } from '../../../framework/config/node-config.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerAddressRecord, PeerRecord, PeerStore } from '../../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../../framework/peer/types.js';
import { TOKENS } from '../../../framework/tokens.js';
import { deadlineSignal, raceSignal } from '../../../framework/util/abort.js';
import { PeerStoreClosedError, PeerStoreConfigError, PeerStoreConflictError, PeerStoreError, PeerStoreUnavailableError } from '../errors.js';
import { PEER_RECORD_FORMAT_VERSION, assertNodeID, assertSaveable, checkRecord, checkVersioned } from '../record-codec.js';
import { storeLogger } from '../store-logger.js';
import { MONGO_PEER_STORE_OPTIONS, resolveMongoOptions, type MongoPeerStoreOptions, type ResolvedMongoOptions } from './options.js';
import { isDuplicateKeyError, isTransientMongoError } from './mongo-errors.js';
import { mergeRecords } from './record-merge.js';
import { RevisionCache, type KnownRevision } from './revision-cache.js';
import { WriteBuffer, type BufferedWrite } from './write-buffer.js';

/** A peer's document: the record's fields plus bookkeeping. `_id` is the node ID, so duplicates are impossible even before the indexes exist. */
export interface PeerDocument {
  _id: string;
  nodeId: string;
  /** Record format version ({@link PEER_RECORD_FORMAT_VERSION}). */
  v: number;
  /** Incremented by every write; writes are conditional on the revision they merged into. */
  rev: number;
  /** Time of the last write (index for load order). */
  updatedAt: Date;
  addresses: PeerAddressRecord[];
  lastConnected?: number;
  lastDisconnected?: number;
  inactive?: boolean;
  bannedUntil?: number;
  mutableScore?: number;
}

/** `up`: the last operation reached the database; `down`: it did not, writes are buffered and retried. */
export type MongoStoreState = 'connecting' | 'up' | 'down' | 'closed';

/** What an operator needs to see an outage and its cost. Counters are since construction. */
export interface MongoPeerStoreStatus {
  readonly state: MongoStoreState;
  /** When the current state began (epoch ms). */
  readonly since: number;
  /** Message of the last failure that made or kept the store down. */
  readonly lastError?: string;
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
  /** Writes put back after a transient failure. */
  readonly retries: number;
  /** Transitions to `down`. */
  readonly outages: number;
  /** Valid records returned by the last load. */
  readonly loaded: number;
  /** Documents skipped by loads as corrupted. */
  readonly corrupt: number;
}

/** Warn again about a continuing outage at most this often. */
const OUTAGE_REMINDER_MS = 60_000;

/**
 * Peer store in a MongoDB collection (`peers` by default), shared safely by
 * several nodes. Each peer is one document keyed by node ID; every write is a
 * read-merge-conditional-replace on a revision number (see `mergeRecords`),
 * so concurrent writers never roll back each other's newer facts. Writes are
 * write-behind: `save`/`delete` return once buffered (bounded, coalesced per
 * peer) and a background loop applies them; when the database is unreachable
 * the loop backs off exponentially, `status()` reports `down`, and it catches
 * up when the database returns. `load()` first drains the buffer, then reads,
 * within `loadTimeoutMs` and the caller's AbortSignal.
 */
@injectable()
export class MongoPeerStore implements PeerStore {
  readonly name = 'mongodb';
  private readonly options: ResolvedMongoOptions;
  private readonly client: MongoClient;
  private readonly collection: Collection<PeerDocument>;
  private readonly buffer: WriteBuffer;
  private readonly revisions: RevisionCache;
  private readonly log: PeerManagerLogger;
  private readonly target: string;
  private indexes: Promise<void> | undefined;
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
  private readonly counters = { written: 0, deleted: 0, droppedAtClose: 0, conflicts: 0, failed: 0, retries: 0, outages: 0, loaded: 0, corrupt: 0 };

  constructor(
    @inject(TOKENS.Config) @optional() config?: NodeConfig,
    @inject(MONGO_PEER_STORE_OPTIONS) @optional() options?: MongoPeerStoreOptions,
    @inject(TOKENS.Logger) @optional() logger?: PeerManagerLogger,
  ) {
    this.options = resolveMongoOptions(config, options);
    const o = this.options;
    try {
      this.client = new MongoClient(o.uri, { ...o.clientOptions, serverSelectionTimeoutMS: o.serverSelectionTimeoutMs });
    } catch (cause) {
      throw new PeerStoreConfigError(`invalid MongoDB connection string ${redact(o.uri)}: ${toError(cause).message}`, { cause });
    }
    this.collection = this.client.db(o.database).collection<PeerDocument>(o.collection);
    this.target = `${redact(o.uri)} ${o.database}.${o.collection}`;
    this.buffer = new WriteBuffer(o.maxBufferedWrites);
    this.revisions = new RevisionCache(o.revisionCacheSize);
    this.log = storeLogger(logger, this.name);
  }

  status(): MongoPeerStoreStatus {
    const { droppedAtClose, ...counters } = this.counters;
    return {
      state: this.state,
      since: this.since,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      pending: this.buffer.size,
      dropped: this.buffer.dropped + droppedAtClose,
      coalesced: this.buffer.coalesced,
      ...counters,
    };
  }

  async load(signal?: AbortSignal): Promise<PeerRecord[]> {
    throwIfAborted(signal);
    this.assertAccepting();
    const ms = this.options.loadTimeoutMs;
    const deadline = deadlineSignal(signal, ms, () => new PeerStoreUnavailableError(`loading peers from MongoDB ${this.target} did not finish within ${ms} ms`));
    try {
      await raceSignal(this.ensureIndexes(), deadline.signal);
      await raceSignal(this.whenIdle(), deadline.signal); // read our own buffered writes
      const cursor = this.collection.find({}, { sort: { updatedAt: -1 }, limit: this.options.maxLoadRecords, signal: deadline.signal });
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

  // ---- write path ----

  private enqueue(nodeId: NodeID, write: BufferedWrite): void {
    const dropped = this.buffer.put(nodeId, write);
    if (dropped !== undefined) this.noteDropped(dropped);
    this.kick();
  }

  private kick(): void {
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
          await this.ensureIndexes();
        } catch (error) {
          if (!isTransientMongoError(error)) this.log.error({ err: error, target: this.target }, 'creating the peer store indexes failed; retrying');
          this.noteFailure(error);
          continue;
        }
        // While down, probe with a single write; once one gets through, write at full concurrency.
        const batch = this.buffer.take(this.state === 'down' ? 1 : this.options.writeConcurrency);
        const outcomes = await Promise.all(batch.map(([id, write]) => this.execute(id, write)));
        const transient = outcomes.find((o) => o !== 'ok' && o !== 'rejected');
        if (transient !== undefined) this.noteFailure(transient);
        else this.noteSuccess();
      }
    } finally {
      // Cleared synchronously after the last check, so a write buffered from now on starts a new loop.
      this.flushing = false;
      if (this.buffer.size === 0 || this.stopped) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Runs one buffered write: 'ok', 'rejected' (dropped for good), or the transient error (put back). */
  private async execute(nodeId: NodeID, write: BufferedWrite): Promise<'ok' | 'rejected' | unknown> {
    try {
      if (write.kind === 'save') await this.writeRecord(write.record);
      else await this.deleteRecord(nodeId);
      this.buffer.done(nodeId);
      return 'ok';
    } catch (error) {
      if (this.stopped) {
        this.buffer.done(nodeId);
        this.counters.droppedAtClose++;
        return 'rejected';
      }
      if (error instanceof PeerStoreConflictError || isTransientMongoError(error)) {
        const dropped = this.buffer.retry(nodeId, write);
        if (dropped !== undefined) this.noteDropped(dropped);
        this.counters.retries++;
        return error instanceof PeerStoreConflictError ? 'ok' : error; // contention is not an outage
      }
      this.buffer.done(nodeId);
      this.counters.failed++;
      this.log.error({ peer: nodeId, op: write.kind, err: error, target: this.target }, 'the database rejected a peer store write; it is dropped');
      return 'rejected';
    }
  }

  /** Merges into the stored document at a known revision and replaces it only if it is still at that revision. */
  private async writeRecord(record: PeerRecord): Promise<void> {
    const id = record.nodeId;
    let known = this.revisions.get(id);
    for (let attempt = 0; attempt < this.options.maxConflictRetries; attempt++) {
      if (known === undefined) {
        try {
          await this.collection.insertOne(toDocument(record, 1));
          this.revisions.set(id, { rev: 1, record });
          this.counters.written++;
          return;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
        known = await this.read(id);
        if (known === undefined) continue; // deleted meanwhile: insert again
      }
      const merged = mergeRecords(known.record, record);
      const rev = nextRev(known.rev);
      const result = await this.collection.replaceOne(revisionFilter(id, known.rev), toDocument(merged, rev));
      if (result.matchedCount === 1) {
        this.revisions.set(id, { rev, record: merged });
        this.counters.written++;
        return;
      }
      this.counters.conflicts++;
      known = await this.read(id);
    }
    throw new PeerStoreConflictError(`peer ${id}: ${this.options.maxConflictRetries} conditional writes in a row met a newer revision`);
  }

  /** Reads a peer's stored revision and content (and caches it); undefined when there is no document. */
  private async read(id: NodeID): Promise<KnownRevision | undefined> {
    const doc = await this.collection.findOne({ _id: id });
    if (doc === null) {
      this.revisions.delete(id);
      return undefined;
    }
    const checked = checkVersioned(stripBookkeeping(doc), id);
    // A corrupted document is merged as if empty, so this write repairs it.
    const known: KnownRevision = { rev: doc.rev, record: checked.ok ? checked.record : { nodeId: id, addresses: [] } };
    this.revisions.set(id, known);
    return known;
  }

  /** Deletes unless another writer changed the peer since we last saw it (their newer data stays). */
  private async deleteRecord(id: NodeID): Promise<void> {
    const known = this.revisions.get(id);
    const result = await this.collection.deleteOne(known === undefined ? { _id: id } : revisionFilter(id, known.rev));
    this.revisions.delete(id);
    if (result.deletedCount === 1) this.counters.deleted++;
    else if (known !== undefined) this.log.debug({ peer: id }, 'peer not deleted: another writer changed it, or it is gone already');
  }

  private ensureIndexes(): Promise<void> {
    this.indexes ??= (async () => {
      await this.collection.createIndex({ nodeId: 1 }, { unique: true, name: 'nodeId_unique' });
      await this.collection.createIndex({ updatedAt: -1 }, { name: 'updatedAt_desc' });
    })().catch((error: unknown) => {
      this.indexes = undefined;
      throw error;
    });
    return this.indexes;
  }

  // ---- load ----

  private decodeDocuments(docs: PeerDocument[]): PeerRecord[] {
    const records: PeerRecord[] = [];
    let corrupt = 0;
    for (const doc of docs) {
      const id = typeof doc._id === 'string' ? doc._id : undefined;
      const checked = id === undefined ? { ok: false as const, problem: `_id ${JSON.stringify(doc._id)} is not a node ID` } : checkVersioned(stripBookkeeping(doc), id as NodeID);
      if (!checked.ok) {
        if (++corrupt <= 20) this.log.warn({ id: String(doc._id), problem: checked.problem, target: this.target }, 'corrupted peer record skipped');
        continue;
      }
      records.push(checked.record);
      this.revisions.set(checked.record.nodeId, { rev: doc.rev, record: checked.record });
    }
    if (corrupt > 20) this.log.warn({ corrupt, target: this.target }, `${corrupt - 20} more corrupted peer records skipped`);
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
    this.state = state;
    this.since = Date.now();
  }

  // ---- lifecycle helpers ----

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
    if (!finished) this.log.error({ target: this.target, dropped: abandoned, waitedMs: this.options.closeTimeoutMs, err: this.lastError }, 'peer store closed with writes the database never received');
    // Closing the client fails in-flight operations at once instead of waiting for server selection.
    await this.client.close().catch((error: unknown) => this.log.debug({ err: error }, 'closing the MongoDB client failed'));
    await this.flushDone;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.setState('closed');
  }
}

function toDocument(record: PeerRecord, rev: number): PeerDocument {
  return { ...record, _id: record.nodeId, nodeId: record.nodeId, v: PEER_RECORD_FORMAT_VERSION, rev, updatedAt: new Date() };
}

function stripBookkeeping(doc: PeerDocument): Record<string, unknown> {
  const { _id, rev, updatedAt, ...rest } = doc;
  return rest;
}

/** Matches the document only at revision `rev`; a missing or odd revision (hand-written documents) is matched as stored. */
function revisionFilter(id: NodeID, rev: unknown): Filter<PeerDocument> {
  return rev === undefined ? { _id: id, rev: { $exists: false } } : { _id: id, rev: rev as number };
}

const nextRev = (rev: unknown): number => (typeof rev === 'number' && Number.isSafeInteger(rev) ? rev + 1 : 1);

/** Exponential with jitter in [½, 1] of the step, so writers that failed together do not retry in lockstep. */
export function backoffDelay(failures: number, minMs: number, maxMs: number): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/** The connection string without credentials, for logs and errors. */
export function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
