import { resolve } from 'node:path';
import { PeerStoreConfigError } from './errors.js';

/** Options of {@link LevelPeerStore} (`TOKENS.LevelPeerStoreOptions`); bind them to override config. */
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

/** The options a LevelPeerStore runs with: defaults filled in, the path absolute. */
export interface ResolvedLevelOptions {
  readonly path: string;
  readonly sync: boolean;
  readonly repairOnCorruption: boolean;
  readonly maxBatchSize: number;
  readonly maxPendingWrites: number;
}

/** Options over defaults; throws PeerStoreConfigError naming a missing or bad value. */
export function resolveLevelOptions(options: LevelPeerStoreOptions | undefined): ResolvedLevelOptions {
  return {
    path: resolveLevelPath(options),
    sync: options?.sync ?? false,
    repairOnCorruption: options?.repairOnCorruption ?? true,
    maxBatchSize: positiveInt(options?.maxBatchSize, 512, 'maxBatchSize'),
    maxPendingWrites: positiveInt(options?.maxPendingWrites, 10_000, 'maxPendingWrites'),
  };
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
