import type { MongoClientOptions } from 'mongodb';
import { PeerStoreConfigError } from '../errors.js';

/** Options of {@link MongoPeerStore} (`TOKENS.MongoPeerStoreOptions`). */
export interface MongoPeerStoreOptions {
  /** Connection string, e.g. "mongodb://127.0.0.1:27017/". Default: config `p2p.peer_store_mongodb_uri`. Required. */
  readonly uri?: string;
  /** Database name. Default: config `p2p.peer_store_mongodb_database`, else "tmp2p". */
  readonly database?: string;
  /** Collection name. Default "peers". */
  readonly collection?: string;
  /** Extra driver options (TLS, auth, pool size…), applied under the ones below. Default none. */
  readonly clientOptions?: MongoClientOptions;
  /** How long one operation waits for a reachable server before failing (driver serverSelectionTimeoutMS). Default 5000. */
  readonly serverSelectionTimeoutMs?: number;
  /** Deadline of `load()` (also bounded by its AbortSignal). Default 30 000 ms. */
  readonly loadTimeoutMs?: number;
  /** Most records `load()` returns, most recently updated first. Default 100 000. */
  readonly maxLoadRecords?: number;
  /** Most peers with a write waiting for the database; beyond it the oldest waiting write is dropped. Default 10 000. */
  readonly maxBufferedWrites?: number;
  /** Most buffered writes taken per round; new peers among them are inserted with one insertMany. Default 500. */
  readonly writeBatchSize?: number;
  /** Writes of different peers executed at once. Default 4. */
  readonly writeConcurrency?: number;
  /** First retry delay after the database failed a write; doubles per failure. Default 250 ms. */
  readonly retryMinMs?: number;
  /** Cap on the retry delay. Default 30 000 ms. */
  readonly retryMaxMs?: number;
  /** Conditional-write attempts per record before it is put back and retried later. Default 8. */
  readonly maxConflictRetries?: number;
  /** How long `close()` keeps trying to write what is buffered before dropping it. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
  /**
   * Per-peer lock documents (collection "<collection>_locks") around each
   * conditional write. "auto" (default) takes them only on servers whose
   * single-document update is not atomic: FerretDB 1.x, recognised by
   * buildInfo.ferretdbVersion. MongoDB's conditional replace needs none.
   */
  readonly writeLocks?: 'auto' | 'always' | 'never';
  /** How long an unreleased lock blocks others (its holder presumably died). Default 30 000 ms. */
  readonly lockLeaseMs?: number;
  /** How long a write waits for another writer's lock before it is put back for later. Default 5000 ms. */
  readonly lockWaitMs?: number;
  /** Peers whose stored revision is remembered (saves a read per write). Default 10 000. */
  readonly revisionCacheSize?: number;
}


export type ResolvedMongoOptions = Required<Omit<MongoPeerStoreOptions, 'clientOptions'>> & { readonly clientOptions: MongoClientOptions };

/** Options over defaults; throws PeerStoreConfigError naming a bad value. */
export function resolveMongoOptions(options: MongoPeerStoreOptions | undefined): ResolvedMongoOptions {
  const uri = nonEmpty(options?.uri);
  if (typeof uri !== 'string' || !/^mongodb(\+srv)?:\/\//.test(uri)) {
    throw new PeerStoreConfigError(
      `the "mongodb" peer store needs a connection string starting with mongodb:// or mongodb+srv://, got ${JSON.stringify(uri)}; ` +
        'set config key p2p.peer_store_mongodb_uri or bind TOKENS.MongoPeerStoreOptions with { uri }',
    );
  }
  const database = options?.database ?? 'tmp2p';
  const collection = options?.collection ?? 'peers';
  if (typeof database !== 'string' || !/^[^/\\. "$\0]{1,63}$/.test(database)) {
    throw new PeerStoreConfigError(`MongoPeerStore database name ${JSON.stringify(database)} is invalid: expected 1-63 characters without / \\ . " $ or spaces`);
  }
  if (typeof collection !== 'string' || !/^[^$\0]+$/.test(collection) || collection.startsWith('system.')) {
    throw new PeerStoreConfigError(`MongoPeerStore collection name ${JSON.stringify(collection)} is invalid: expected a non-empty name without $, not starting with "system."`);
  }
  const writeLocks = options?.writeLocks ?? 'auto';
  if (writeLocks !== 'auto' && writeLocks !== 'always' && writeLocks !== 'never') {
    throw new PeerStoreConfigError(`MongoPeerStore option writeLocks must be "auto", "always" or "never", got ${JSON.stringify(writeLocks)}`);
  }
  const retryMinMs = count(options?.retryMinMs, 250, 'retryMinMs', 1);
  const retryMaxMs = count(options?.retryMaxMs, 30_000, 'retryMaxMs', 1);
  if (retryMaxMs < retryMinMs) throw new PeerStoreConfigError(`MongoPeerStore option retryMaxMs (${retryMaxMs}) must be ≥ retryMinMs (${retryMinMs})`);
  return {
    uri,
    database: database as string,
    collection,
    clientOptions: options?.clientOptions ?? {},
    serverSelectionTimeoutMs: count(options?.serverSelectionTimeoutMs, 5000, 'serverSelectionTimeoutMs', 1),
    loadTimeoutMs: count(options?.loadTimeoutMs, 30_000, 'loadTimeoutMs', 1),
    maxLoadRecords: count(options?.maxLoadRecords, 100_000, 'maxLoadRecords', 1),
    maxBufferedWrites: count(options?.maxBufferedWrites, 10_000, 'maxBufferedWrites', 1),
    writeBatchSize: count(options?.writeBatchSize, 500, 'writeBatchSize', 1),
    writeConcurrency: count(options?.writeConcurrency, 4, 'writeConcurrency', 1),
    retryMinMs,
    retryMaxMs,
    maxConflictRetries: count(options?.maxConflictRetries, 8, 'maxConflictRetries', 1),
    closeTimeoutMs: count(options?.closeTimeoutMs, 5000, 'closeTimeoutMs', 0),
    revisionCacheSize: count(options?.revisionCacheSize, 10_000, 'revisionCacheSize', 0),
    writeLocks,
    lockLeaseMs: count(options?.lockLeaseMs, 30_000, 'lockLeaseMs', 1),
    lockWaitMs: count(options?.lockWaitMs, 5000, 'lockWaitMs', 0),
  };
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function count(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new PeerStoreConfigError(`MongoPeerStore option ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  return value;
}
