import { mkdir } from 'node:fs/promises';
import { inject, injectable, optional } from 'inversify';
import type { ClassicLevel } from 'classic-level';
import { throwIfAborted, toError } from '../../framework/errors/base.js';
import { isNodeID, type NodeID } from '../../framework/identity/node-id.js';
import type { PeerRecord, PeerStore, PeerStoreHealth } from '../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../framework/peer/types.js';
import { TOKENS } from '../../framework/tokens.js';
import { CorruptRecordLog } from './corrupt-record-log.js';
import { PeerStoreClosedError, PeerStoreOpenError, PeerStoreUnavailableError } from './errors.js';
import { inspectLevelDirectory, isLevelDamage, levelCode, levelMessage, reportRepair, warnDroppedLog, type LevelRepairReport, type StoreContents } from './level-damage.js';
import { resolveLevelOptions, type LevelPeerStoreOptions } from './level-options.js';
import { RecordCount, parseRecordCount } from './level-record-count.js';
import { LevelWriteQueue } from './level-write-queue.js';
import { assertNodeID, assertSaveable, decodeRecordJSON, encodeRecordJSON } from './record-codec.js';
import { storeLogger } from './store-logger.js';

export type { LevelRepairReport };

/** LevelDB's binding, imported on first use: a native addon importing tmp2p/plugins must not load. */
function classicLevel(): Promise<typeof import('classic-level')> {
  return import('classic-level');
}

/** Records live under `peer/<node id>`; the prefix leaves room for other key spaces (e.g. a format marker). */
export const LEVEL_KEY_PREFIX = 'peer/';
/** Where the store keeps how many records it held after its last write (see RecordCount). */
export const LEVEL_COUNT_KEY = RecordCount.KEY;
/** Exclusive end of the record key range ('0' is the character after '/'). */
const KEY_RANGE_END = 'peer0';
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

/** The key of a node's record. */
export function levelKeyOf(nodeId: NodeID): string {
  return `${LEVEL_KEY_PREFIX}${nodeId}`;
}

/**
 * Peer store in an embedded LevelDB (classic-level) under the node's home:
 * one key per peer, the value a versioned JSON record. Writes are group
 * committed (LevelWriteQueue): operations that arrive while a batch is being
 * written go out together in the next one, each batch atomic in LevelDB's
 * log. Loading never throws for a bad value: it is logged, counted and
 * skipped. A damaged database is repaired rather than opened as if whole
 * (see level-damage.ts, RecordCount). The database is opened on first use
 * and holds LevelDB's LOCK file until `close()`, so two processes cannot
 * share one home by accident.
 */
@injectable()
export class LevelPeerStore implements PeerStore {
  readonly name = 'leveldb';
  readonly path: string;
  private readonly repairOnCorruption: boolean;
  private readonly log: PeerManagerLogger;
  private db: ClassicLevel<string, string> | undefined;
  private opening: Promise<ClassicLevel<string, string>> | undefined;
  private readonly writes: LevelWriteQueue;
  private closing: Promise<void> | undefined;
  private readonly counters = { loaded: 0, corrupt: 0, writes: 0, batches: 0, repairs: 0, droppedLogBytes: 0 };
  private lastRepair: LevelRepairReport | undefined;
  /** Why the database was repaired since the last load; that load reports the counts. */
  private repairedFor: string | undefined;
  private readonly count = new RecordCount(LEVEL_KEY_PREFIX);

  constructor(
    @inject(TOKENS.LevelPeerStoreOptions) @optional() options?: LevelPeerStoreOptions,
    @inject(TOKENS.Logger) @optional() logger?: PeerManagerLogger,
  ) {
    const { path, sync, repairOnCorruption, maxBatchSize, maxPendingWrites } = resolveLevelOptions(options);
    this.path = path;
    this.repairOnCorruption = repairOnCorruption;
    this.log = storeLogger(logger, this.name);
    this.writes = new LevelWriteQueue({
      path,
      sync,
      maxBatchSize,
      maxPendingWrites,
      count: this.count,
      counters: this.counters,
      database: () => this.ensureOpen(),
      assertOpen: () => this.assertOpen(),
    });
  }

  stats(): LevelPeerStoreStats {
    const repair = this.lastRepair !== undefined ? { lastRepair: this.lastRepair } : {};
    return { path: this.path, open: this.db?.status === 'open', ...this.counters, ...repair, pending: this.writes.pending };
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
    await this.writes.idle(); // read our own queued writes
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
    if (this.count.loaded(loadToken, read.keys, expected, !this.writes.busy)) {
      // Store the count now, so a repaired or newly counted store does not look truncated at its next start.
      void this.writes.enqueue({ type: 'put', key: LEVEL_COUNT_KEY, value: String(this.count.current) }).catch(() => {});
    }
    this.log.debug({ loaded: records.length, corrupt, path: this.path }, 'peer store loaded');
    return records;
  }

  /** Every record under the key prefix; bad values are logged (the first few), counted and skipped. */
  private async readAll(db: ClassicLevel<string, string>, signal?: AbortSignal): Promise<StoreContents> {
    const records: PeerRecord[] = [];
    const keys = new Set<string>();
    const corrupt = new CorruptRecordLog(this.log, { path: this.path });
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
          if (checked.ok) records.push(checked.record);
          else corrupt.skipped({ key }, checked.problem);
        }
      }
    } finally {
      await iterator.close().catch(() => {});
    }
    corrupt.summarize();
    return { records, corrupt: corrupt.count, keys };
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
    return this.writes.enqueue({ type: 'put', key: levelKeyOf(record.nodeId), value });
  }

  /** Saves many records in as few batches as possible; resolves when all are committed. */
  async saveMany(records: readonly PeerRecord[]): Promise<void> {
    const ops = records.map((record) => {
      assertSaveable(record, 'LevelPeerStore');
      return { type: 'put' as const, key: levelKeyOf(record.nodeId), value: encodeRecordJSON(record) };
    });
    await Promise.all(ops.map((op) => this.writes.enqueue(op)));
  }

  async delete(nodeId: NodeID): Promise<void> {
    assertNodeID(nodeId, 'LevelPeerStore');
    return this.writes.enqueue({ type: 'del', key: levelKeyOf(nodeId) });
  }

  /** Commits what is queued, then closes the database and releases its lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.writes.wakeRoomWaiters();
    await this.writes.idle();
    const db = this.db ?? (await this.opening?.catch(() => undefined));
    this.db = undefined;
    if (db !== undefined && db.status !== 'closed') await db.close();
    this.log.debug({ path: this.path, ...this.counters }, 'peer store closed');
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
   * repaired database: the write queue takes it from `ensureOpen()`, which this replaces.
   */
  private async reopenRepaired(db: ClassicLevel<string, string>, reason: string): Promise<ClassicLevel<string, string>> {
    // Checked again right before the swap below, so no batch starts on the database being closed.
    while (this.writes.busy) await this.writes.idle();
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
