import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inject, injectable, optional } from 'inversify';
import type { ClassicLevel } from 'classic-level';

/** LevelDB's binding, imported on first use: a native addon importing tmp2p/plugins must not load. */
function classicLevel(): Promise<typeof import('classic-level')> {
  return import('classic-level');
}
import { throwIfAborted, toError } from '../../framework/errors/base.js';
import { isNodeID, type NodeID } from '../../framework/identity/node-id.js';
import type { PeerRecord, PeerStore, PeerStoreHealth } from '../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../framework/peer/types.js';
import { TOKENS } from '../../framework/tokens.js';
import { PeerStoreClosedError, PeerStoreConfigError, PeerStoreOpenError, PeerStoreUnavailableError, PeerStoreWriteError } from './errors.js';
import { inspectLevelDirectory, isLevelDamage, levelCode, levelMessage, reportRepair, warnDroppedLog, type LevelRepairReport, type StoreContents } from './level-damage.js';
import { RecordCount, parseRecordCount, type LevelOp } from './level-record-count.js';
import { assertNodeID, assertSaveable, decodeRecordJSON, encodeRecordJSON } from './record-codec.js';
import { storeLogger } from './store-logger.js';

/** Options of {@link LevelPeerStore}; bind them to {@link LEVEL_PEER_STORE_OPTIONS} to override config. */
export interface LevelPeerStoreOptions {
  /**
   * Database directory. Default: config `p2p.peer_store_path` once it exists
   * (relative to the home), else `<home>/data/peerstore`. Required for a node
   * without a home.
   */
  readonly path?: string;
  /**
   * fsync each write batch. Default false, like tm-db's goleveldb: a write is
   * in the OS page cache when its promise resolves, so it survives the process
   * dying (kill -9) but not necessarily an OS crash or power loss.
   */
  readonly sync?: boolean;
  /**
   * When the database is damaged — LevelDB reports corruption at open or
   * while loading, CURRENT or the MANIFEST it names is missing, a table is
   * unreadable, or the store holds fewer records than it counted at its
   * last write — run LevelDB's repair once, load what it salvages and warn
   * with the counts (also in `stats().lastRepair`). Damaged files are moved
   * to `<path>/lost`, never deleted. Default true: a node that loses some
   * peers beats a node that cannot start. With false, a damaged store fails
   * to open (PeerStoreOpenError) rather than start truncated.
   */
  readonly repairOnCorruption?: boolean;
  /** Most operations committed in one LevelDB batch. Default 512. */
  readonly maxBatchSize?: number;
  /** Most operations queued; further save/delete calls wait for room. Default 10 000. */
  readonly maxPendingWrites?: number;
}


export type { LevelRepairReport };

/** Records live under `peer/<node id>`; the prefix leaves room for other key spaces (e.g. a format marker). */
export const LEVEL_KEY_PREFIX = 'peer/';
/** Where the store keeps how many records it held after its last write (see RecordCount). */
export const LEVEL_COUNT_KEY = RecordCount.KEY;
/** Exclusive end of the record key range ('0' is the character after '/'). */
const KEY_RANGE_END = 'peer0';
/** Corrupted records logged one by one at load; the rest are only counted. */
const CORRUPT_LOG_LIMIT = 20;
/** Entries read per iterator step; the AbortSignal is checked between steps. */
const LOAD_CHUNK = 256;

/** Counters of a {@link LevelPeerStore}. */
export interface LevelPeerStoreStats {
  readonly path: string;
  readonly open: boolean;
  /** Valid records returned by the last load. */
  readonly loaded: number;
  /** Records skipped by loads because they did not parse or validate. */
  readonly corrupt: number;
  /** Operations (puts and deletes) committed. */
  readonly writes: number;
  /** LevelDB batches committed (writes / batches = average group size). */
  readonly batches: number;
  /** Times LevelDB's repair ran because the database was damaged. */
  readonly repairs: number;
  /** What the last repair recovered; absent if none ran. */
  readonly lastRepair?: LevelRepairReport;
  /** Write-log bytes LevelDB reported dropping (checksum failures) while opening or repairing. */
  readonly droppedLogBytes: number;
  /** Operations waiting to be committed. */
  readonly pending: number;
}



interface QueuedOp {
  readonly op: LevelOp;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** The key of a node's record. */
export function levelKeyOf(nodeId: NodeID): string {
  return `${LEVEL_KEY_PREFIX}${nodeId}`;
}

/**
 * Peer store in an embedded LevelDB (classic-level) under the node's home:
 * one key per peer, the value a versioned JSON record. Writes are group
 * committed: operations that arrive while a batch is being written go out
 * together in the next one, so many concurrent callers cost few disk writes
 * and a single caller waits for one put. Each batch is atomic in LevelDB's
 * log, so a crash leaves every record either old or new, never torn. Loading
 * never throws for a bad value: it is logged, counted and skipped. The
 * database is opened on first use and holds LevelDB's LOCK file until
 * `close()`, so two processes cannot share one home by accident.
 */
@injectable()
export class LevelPeerStore implements PeerStore {
  readonly name = 'leveldb';
  readonly path: string;
  private readonly sync: boolean;
  private readonly repairOnCorruption: boolean;
  private readonly maxBatchSize: number;
  private readonly maxPending: number;
  private readonly log: PeerManagerLogger;
  private db: ClassicLevel<string, string> | undefined;
  private opening: Promise<ClassicLevel<string, string>> | undefined;
  private readonly queue: QueuedOp[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private counters = { loaded: 0, corrupt: 0, writes: 0, batches: 0, repairs: 0, droppedLogBytes: 0 };
  private lastRepair: LevelRepairReport | undefined;
  /** Why the database was repaired since the last load; that load reports the counts. */
  private repairedFor: string | undefined;
  private readonly count = new RecordCount(LEVEL_KEY_PREFIX);

  constructor(
    @inject(TOKENS.LevelPeerStoreOptions) @optional() options?: LevelPeerStoreOptions,
    @inject(TOKENS.Logger) @optional() logger?: PeerManagerLogger,
  ) {
    this.path = resolveLevelPath(options);
    this.sync = options?.sync ?? false;
    this.repairOnCorruption = options?.repairOnCorruption ?? true;
    this.maxBatchSize = positiveInt(options?.maxBatchSize, 512, 'maxBatchSize');
    this.maxPending = positiveInt(options?.maxPendingWrites, 10_000, 'maxPendingWrites');
    this.log = storeLogger(logger, this.name);
  }

  stats(): LevelPeerStoreStats {
    const repair = this.lastRepair !== undefined ? { lastRepair: this.lastRepair } : {};
    return { path: this.path, open: this.db?.status === 'open', ...this.counters, ...repair, pending: this.queue.length };
  }

  health(): PeerStoreHealth {
    const stats = this.stats();
    const state = this.closing !== undefined ? 'closed' : stats.open ? 'up' : 'connecting';
    return { store: this.name, state, pendingWrites: stats.pending, details: { ...stats } };
  }

  async load(signal?: AbortSignal): Promise<PeerRecord[]> {
    throwIfAborted(signal);
    this.assertOpen();
    let db = await this.ensureOpen();
    await this.idle(); // read our own queued writes
    throwIfAborted(signal);
    const loadToken = this.count.beginLoad();
    let read: StoreContents;
    try {
      read = await this.readAll(db, signal);
    } catch (error) {
      if (!isLevelDamage(error)) throw error;
      if (!this.repairOnCorruption) throw this.readError(error);
      db = await this.reopenRepaired(db, levelMessage(error));
      read = await this.readAll(db, signal);
    }
    let expected = await this.readCount(db);
    if (this.repairedFor === undefined && expected !== undefined && read.keys.size < expected && this.repairOnCorruption) {
      // Whole files are gone (a deleted table): LevelDB opens and iterates without a word.
      db = await this.reopenRepaired(db, `the store counted ${expected} records at its last write but holds ${read.keys.size}`);
      read = await this.readAll(db, signal);
      expected = await this.readCount(db);
    }
    const { records, corrupt } = read;
    this.counters.corrupt += corrupt;
    this.counters.loaded = records.length;
    if (this.repairedFor !== undefined) this.lastRepair = await reportRepair(this.log, this.path, this.repairedFor, read, expected);
    else if (expected !== undefined && read.keys.size < expected) {
      this.log.warn({ path: this.path, expected, found: read.keys.size }, `peer store holds ${expected - read.keys.size} fewer records than it counted at its last write`);
    }
    this.repairedFor = undefined;
    if (this.count.loaded(loadToken, read.keys, expected, !this.draining)) {
      // Store the count now, so a repaired or newly counted store does not look truncated at its next start.
      void this.enqueue({ type: 'put', key: LEVEL_COUNT_KEY, value: String(this.count.current) }).catch(() => {});
    }
    this.log.debug({ loaded: records.length, corrupt, path: this.path }, 'peer store loaded');
    return records;
  }

  /** Every record under the key prefix; bad values are logged (the first few), counted and skipped. */
  private async readAll(db: ClassicLevel<string, string>, signal?: AbortSignal): Promise<StoreContents> {
    const records: PeerRecord[] = [];
    const keys = new Set<string>();
    let corrupt = 0;
    const iterator = db.iterator({ gte: LEVEL_KEY_PREFIX, lt: KEY_RANGE_END });
    try {
      for (;;) {
        const entries = await iterator.nextv(LOAD_CHUNK);
        if (entries.length === 0) break;
        throwIfAborted(signal);
        for (const [key, value] of entries) {
          keys.add(key);
          const id = key.slice(LEVEL_KEY_PREFIX.length);
          const checked = isNodeID(id) ? decodeRecordJSON(value, id) : { ok: false as const, problem: `key ${JSON.stringify(key)} does not end in a node ID` };
          if (checked.ok) {
            records.push(checked.record);
          } else if (++corrupt <= CORRUPT_LOG_LIMIT) {
            this.log.warn({ key, problem: checked.problem, path: this.path }, 'corrupted peer record skipped');
          }
        }
      }
    } finally {
      await iterator.close().catch(() => {});
    }
    if (corrupt > CORRUPT_LOG_LIMIT) this.log.warn({ corrupt, path: this.path }, `${corrupt - CORRUPT_LOG_LIMIT} more corrupted peer records skipped`);
    return { records, corrupt, keys };
  }

  private async readCount(db: ClassicLevel<string, string>): Promise<number | undefined> {
    return parseRecordCount(await db.get(LEVEL_COUNT_KEY).catch(() => undefined));
  }

  private readError(cause: unknown): PeerStoreUnavailableError {
    return new PeerStoreUnavailableError(`reading the LevelDB peer store at ${this.path} failed: ${levelMessage(cause)}`, { cause });
  }

  async save(record: PeerRecord): Promise<void> {
    assertSaveable(record, 'LevelPeerStore');
    const value = encodeRecordJSON(record); // encodes now: later changes to `record` cannot leak in
    return this.enqueue({ type: 'put', key: levelKeyOf(record.nodeId), value });
  }

  /** Saves many records in as few batches as possible; resolves when all are committed. */
  async saveMany(records: readonly PeerRecord[]): Promise<void> {
    const ops = records.map((record) => {
      assertSaveable(record, 'LevelPeerStore');
      return { type: 'put' as const, key: levelKeyOf(record.nodeId), value: encodeRecordJSON(record) };
    });
    await Promise.all(ops.map((op) => this.enqueue(op)));
  }

  async delete(nodeId: NodeID): Promise<void> {
    assertNodeID(nodeId, 'LevelPeerStore');
    return this.enqueue({ type: 'del', key: levelKeyOf(nodeId) });
  }

  /** Commits what is queued, then closes the database and releases its lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const wake of this.roomWaiters.splice(0)) wake();
    await this.idle();
    const db = this.db ?? (await this.opening?.catch(() => undefined));
    this.db = undefined;
    if (db !== undefined && db.status !== 'closed') await db.close();
    this.log.debug({ path: this.path, ...this.counters }, 'peer store closed');
  }

  /**
   * Queues at once when there is room (so a call made before `close()` is
   * committed by it, even before the database is open); otherwise waits for
   * room, and is rejected if the store closes meanwhile.
   */
  private async enqueue(op: QueuedOp['op']): Promise<void> {
    this.assertOpen();
    while (this.queue.length >= this.maxPending) {
      await new Promise<void>((wake) => this.roomWaiters.push(wake));
      this.assertOpen();
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        this.drained = this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      let db: ClassicLevel<string, string>;
      try {
        db = await this.ensureOpen();
      } catch (error) {
        for (const q of this.queue.splice(0)) q.reject(toError(error));
        for (const wake of this.roomWaiters.splice(0)) wake();
        return;
      }
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatchSize);
        for (const wake of this.roomWaiters.splice(0, this.maxPending - this.queue.length)) wake();
        const ops = batch.map((q) => q.op);
        try {
          await db.batch([...ops, this.count.opFor(ops)], { sync: this.sync });
          this.counters.writes += batch.length;
          this.counters.batches++;
          for (const q of batch) q.resolve();
        } catch (cause) {
          this.count.forget();
          const error = new PeerStoreWriteError(`writing ${batch.length} peer record(s) to LevelDB at ${this.path} failed: ${toError(cause).message}`, { cause });
          for (const q of batch) q.reject(error);
        }
      }
    } finally {
      // Cleared synchronously after the last emptiness check, so an operation queued from now on starts a new drain.
      this.draining = false;
    }
  }

  /** Resolves once every queued operation has been attempted. */
  private async idle(): Promise<void> {
    while (this.draining) await this.drained;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new PeerStoreClosedError(`the LevelDB peer store at ${this.path} is closed`);
  }

  private ensureOpen(): Promise<ClassicLevel<string, string>> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined; // let a later call try again (e.g. after the other process let go of the lock)
      throw error;
    });
    return this.opening;
  }

  private async openDatabase(): Promise<ClassicLevel<string, string>> {
    const { ClassicLevel } = await classicLevel();
    const db = new ClassicLevel<string, string>(this.path, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: true });
    await db.open();
    return db;
  }

  private openError(cause: unknown, suffix = ''): PeerStoreOpenError {
    const code = levelCode(cause);
    const hint = code === 'LEVEL_LOCKED' ? ' (another process, or another store in this process, holds its LOCK: is a node with the same home running?)' : '';
    return new PeerStoreOpenError(`cannot open the LevelDB peer store at ${this.path}${suffix}${hint}: ${levelMessage(cause)}`, { cause });
  }

  private async open(): Promise<ClassicLevel<string, string>> {
    try {
      await mkdir(this.path, { recursive: true });
    } catch (cause) {
      throw new PeerStoreOpenError(`cannot create the peer store directory ${this.path}: ${toError(cause).message}`, { cause });
    }
    // LevelDB would open a directory without CURRENT as a new, empty database and delete the old files.
    const damage = await inspectLevelDirectory(this.path);
    if (damage !== undefined) return this.repairAndOpen(damage);
    let db: ClassicLevel<string, string>;
    try {
      db = await this.openDatabase();
    } catch (error) {
      if (!isLevelDamage(error)) throw this.openError(error);
      return this.repairAndOpen(levelMessage(error), error);
    }
    this.counters.droppedLogBytes += await warnDroppedLog(this.log, this.path, { afterRepair: false });
    this.db = db;
    this.log.debug({ path: this.path }, 'peer store opened');
    return db;
  }

  /** Runs LevelDB's repair and opens the result; the next load reports what it recovered. */
  private async repairAndOpen(reason: string, cause?: unknown): Promise<ClassicLevel<string, string>> {
    if (!this.repairOnCorruption) {
      throw new PeerStoreOpenError(`the LevelDB peer store at ${this.path} is damaged (${reason}); not repairing it, as repairOnCorruption is off`, { cause });
    }
    this.log.warn({ path: this.path, reason }, 'peer store database is damaged; running LevelDB repair');
    this.counters.repairs++;
    this.repairedFor = reason;
    let db: ClassicLevel<string, string>;
    try {
      await (await classicLevel()).ClassicLevel.repair(this.path);
      db = await this.openDatabase();
    } catch (error) {
      throw this.openError(error, ' (even after LevelDB repair)');
    }
    this.counters.droppedLogBytes += await warnDroppedLog(this.log, this.path, { afterRepair: true });
    this.db = db;
    return db;
  }

  /**
   * Closes `db`, repairs and reopens it. Writes queued meanwhile wait for the
   * repaired database: the drain takes it from `ensureOpen()`, which this replaces.
   */
  private async reopenRepaired(db: ClassicLevel<string, string>, reason: string): Promise<ClassicLevel<string, string>> {
    while (this.draining) await this.drained;
    this.db = undefined;
    const reopened = (async () => {
      await db.close();
      return this.repairAndOpen(reason);
    })();
    this.opening = reopened.catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }
}

/** Where the database lives: explicit option, then config, then the home's default. */
export function resolveLevelPath(options: LevelPeerStoreOptions | undefined): string {
  const configured = options?.path;
  if (typeof configured === 'string' && configured.length > 0) return resolve(configured);
  throw new PeerStoreConfigError(
    'the "leveldb" peer store needs a directory: run the node with a home (--home), set config key p2p.peer_store_path, or bind TOKENS.LevelPeerStoreOptions with { path }',
  );
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new PeerStoreConfigError(`LevelPeerStore option ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
