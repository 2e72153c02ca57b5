import { optionChecks } from '../../framework/util/option-checks.js';
import { MempoolOptionsError } from './errors.js';

const { integer, duration, boolean, table } = optionChecks('mempool', (message) => new MempoolOptionsError(message));
import { DEFAULT_MAX_TX_BYTES, MAX_TX_BYTES_LIMIT } from './mempool-channel.js';

/**
 * Options of the mempool reactor, from `[reactors.mempool]` in config.toml
 * (snake_case keys, e.g. `max_txs_per_second = 1000`) or
 * `ReactorOptions['mempool']`.
 */
export interface MempoolOptions {
  /**
   * The network's `max_tx_bytes`: the largest tx accepted from a peer or
   * handed to `broadcast`. Default 1,048,576 (CometBFT's default); at most
   * 104,857,600 (CometBFT's largest block). The channel's receive limit is
   * the size of a message holding one such tx, as CometBFT sizes it: a
   * larger message closes the connection in the transport before it is
   * buffered. Every connection may buffer one message of that size.
   */
  readonly maxTxBytes: number;
  /**
   * Tx hashes remembered to de-duplicate, in both directions: a tx seen
   * before is not emitted again and not sent again to a peer that has it.
   * Least recently seen forgotten first (counted in `stats.seenEvictions`).
   * Default 10,000 (CometBFT's mempool `cache_size`).
   */
  readonly seenCacheSize: number;
  /**
   * Pass every new tx received on to the other peers (never back to one that
   * sent it). Default false: tmp2p cannot run CheckTx, so it leaves relaying
   * to the application, which validates and calls `broadcast`.
   */
  readonly relay: boolean;
  /**
   * Sustained txs per second a peer may send (each tx of a message counts),
   * duplicates included. Default 1,000. Past the budget the peer is
   * disconnected with MempoolFloodError.
   */
  readonly maxTxsPerSecond: number;
  /**
   * Txs a peer may send at once above the sustained rate. Default 10,000:
   * a CometBFT node sends its whole mempool (up to `size` = 5,000 txs by
   * default) to a peer as soon as it connects.
   */
  readonly maxTxsBurst: number;
  /** How long a peer disconnected for flooding is banned; 0 disconnects without a ban. Default 0. */
  readonly banDurationMs: number | string;
}

/** Options after validation: durations in milliseconds. */
export interface ResolvedMempoolOptions extends Omit<MempoolOptions, 'banDurationMs'> {
  readonly banDurationMs: number;
}

export const DEFAULT_MEMPOOL_OPTIONS: Readonly<MempoolOptions> = Object.freeze({
  maxTxBytes: DEFAULT_MAX_TX_BYTES,
  seenCacheSize: 10_000,
  relay: false,
  maxTxsPerSecond: 1_000,
  maxTxsBurst: 10_000,
  banDurationMs: 0,
});

const KNOWN = Object.keys(DEFAULT_MEMPOOL_OPTIONS);



/** Validates options (unknown keys included, to catch typos) and fills in defaults. Throws MempoolOptionsError. */
export function resolveMempoolOptions(input: Partial<MempoolOptions> | undefined): ResolvedMempoolOptions {
  const raw = table(input ?? {}, KNOWN) as Partial<MempoolOptions>;
  const o = { ...DEFAULT_MEMPOOL_OPTIONS, ...raw };
  const relay = boolean('relay', o.relay);
  const banDurationMs = duration('banDurationMs', o.banDurationMs, 0);
  return {
    maxTxBytes: integer('maxTxBytes', o.maxTxBytes, 1, MAX_TX_BYTES_LIMIT),
    seenCacheSize: integer('seenCacheSize', o.seenCacheSize, 1, 10_000_000),
    relay,
    maxTxsPerSecond: integer('maxTxsPerSecond', o.maxTxsPerSecond, 1, 1_000_000),
    maxTxsBurst: integer('maxTxsBurst', o.maxTxsBurst, 1, 10_000_000),
    banDurationMs,
  };
}
