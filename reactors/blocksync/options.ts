import { optionChecks } from '../../framework/util/option-checks.js';
import { DEFAULT_BLOCKSYNC_MAX_BLOCK_BYTES } from './blocksync-channel.js';
import { BlocksyncOptionsError } from './errors.js';

const { fail, integer, duration, table } = optionChecks('blocksync', (message) => new BlocksyncOptionsError(message));

/** CometBFT's largest possible block (`MaxBlockSizeBytes`); no limit above it is useful. */
export const MAX_BLOCK_SIZE_BYTES = 104_857_600;

/**
 * Where downloading starts: `"latest"` the highest block a peer has (then
 * every new one), `"base"` the lowest block a peer has (its whole history),
 * or a height.
 */
export type StartHeight = 'latest' | 'base' | number;

/**
 * Options of the blocksync reactor, from `[reactors.blocksync]` in
 * config.toml (snake_case keys) or `createNode` values. Durations take
 * milliseconds or a duration string.
 */
export interface BlocksyncOptions {
  /**
   * The first block to download. Default "latest": the height the first
   * peer with blocks reports, so a node follows the chain from now on
   * without fetching its history. `follow` starts at the peer's base
   * unless told otherwise.
   */
  readonly startHeight: StartHeight;
  /**
   * The largest block accepted, in bytes on the wire; channel 0x40's receive
   * limit is this plus 1 KiB of wrappers, and a bigger message closes the
   * connection before it is buffered. Default 4 MiB (4,194,304), far below
   * CometBFT's 100 MiB so that a hostile peer cannot make every connection
   * hold 100 MiB; raise it for a chain with larger blocks.
   */
  readonly maxBlockBytes: number;
  /**
   * Blocks requested or received but not yet delivered, at most: the
   * window ahead of the next block to deliver. Bounds memory (× maxBlockBytes)
   * and how far ahead a fast peer is asked. Default 16.
   */
  readonly maxRequestsInFlight: number;
  /**
   * A requested block that has not arrived after this long is asked of
   * another peer that has it (or the same peer again when it is the only
   * one), and the slow peer gets a non-fatal peer error. Default 15 s
   * (CometBFT's peer timeout).
   */
  readonly requestTimeoutMs: number | string;
  /**
   * How often every peer is asked for its block range (StatusRequest), which
   * is how new blocks are discovered once caught up. Default 1 s: CometBFT
   * only reports its range when asked (and once when a peer connects), and a
   * follower wants each new block soon after it is committed.
   */
  readonly statusIntervalMs: number | string;
}

export interface ResolvedBlocksyncOptions {
  readonly startHeight: StartHeight;
  readonly maxBlockBytes: number;
  readonly maxRequestsInFlight: number;
  readonly requestTimeoutMs: number;
  readonly statusIntervalMs: number;
}

export const DEFAULT_BLOCKSYNC_OPTIONS: Readonly<BlocksyncOptions> = Object.freeze({
  startHeight: 'latest',
  maxBlockBytes: DEFAULT_BLOCKSYNC_MAX_BLOCK_BYTES,
  maxRequestsInFlight: 16,
  requestTimeoutMs: 15_000,
  statusIntervalMs: 1_000,
});




function startHeight(value: unknown): StartHeight {
  if (value === 'latest' || value === 'base') return value;
  // A height may come as text from the command line or the environment (the default is a word).
  const height = typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : value;
  if (typeof height === 'number' && Number.isSafeInteger(height) && height >= 1) return height;
  return fail('startHeight', value, 'expected "latest", "base" or a height ≥ 1');
}

/** Validates options (unknown keys included, to catch typos) and fills in defaults. Throws BlocksyncOptionsError. */
export function resolveBlocksyncOptions(input: Partial<BlocksyncOptions> | undefined): ResolvedBlocksyncOptions {
  const raw = table(input ?? {}, Object.keys(DEFAULT_BLOCKSYNC_OPTIONS)) as Partial<BlocksyncOptions>;
  const o = { ...DEFAULT_BLOCKSYNC_OPTIONS, ...raw };
  return {
    startHeight: startHeight(o.startHeight),
    maxBlockBytes: integer('maxBlockBytes', o.maxBlockBytes, 1024, MAX_BLOCK_SIZE_BYTES),
    maxRequestsInFlight: integer('maxRequestsInFlight', o.maxRequestsInFlight, 1, 1000),
    requestTimeoutMs: duration('requestTimeoutMs', o.requestTimeoutMs, 1),
    statusIntervalMs: duration('statusIntervalMs', o.statusIntervalMs, 1),
  };
}
