import { InvalidArgumentError } from '../../../framework/errors/base.js';
import { resolveMConnectionOptions, type MConnectionOptions, type ResolvedMConnectionOptions } from './mconnection/config.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './secret-connection/make-secret-connection.js';

/** Options of the mconn transport (`TOKENS.MConnTransportOptions`). */
export interface MConnTransportOptions {
  /**
   * Where to listen: "tcp://host:port" or "host:port" (port 0 picks a free
   * port). Anything else, e.g. "memory", means dial only. Config `p2p.laddr`.
   * Default: dial only.
   */
  readonly laddr?: string;
  /** Accepted sockets waiting for accept() before further ones are destroyed (and counted). Default 128. */
  readonly backlog?: number;
  /**
   * Deadline of each handshake phase, SecretConnection and NodeInfo exchange
   * separately, in ms. Default 3000, CometBFT's per-phase deadline. The
   * router's `handshake_timeout` still bounds both together.
   */
  readonly handshakePhaseTimeoutMs?: number;
  /** Received messages buffered per connection before reading from the socket pauses. Default 1024. */
  readonly inboxCapacity?: number;
  /**
   * Received bytes buffered per connection before reading pauses. Default
   * 16 MiB. One message is always accepted, however large (its size is
   * bounded by the channel's recvMessageCapacity).
   */
  readonly inboxCapacityBytes?: number;
  /** MConnection settings: payload size, rates, flush throttle, keepalive, send window (config `[p2p]`). Default: CometBFT's. */
  readonly mconnection?: MConnectionOptions;
}

export interface ResolvedMConnTransportOptions {
  readonly backlog: number;
  readonly handshakePhaseTimeoutMs: number;
  readonly inboxCapacity: number;
  readonly inboxCapacityBytes: number;
  readonly mconnection: ResolvedMConnectionOptions;
}

export const DEFAULT_MCONN_TRANSPORT_OPTIONS = Object.freeze({
  backlog: 128,
  handshakePhaseTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  inboxCapacity: 1024,
  inboxCapacityBytes: 16 * 1024 * 1024,
});

const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`mconn transport option ${name} must be an integer in 1..${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Fills defaults and validates everything at construction, so a bad value
 * fails the node's boot instead of every later handshake.
 */
export function resolveMConnTransportOptions(options: MConnTransportOptions = {}): ResolvedMConnTransportOptions {
  const d = DEFAULT_MCONN_TRANSPORT_OPTIONS;
  return Object.freeze({
    backlog: positiveInteger('backlog', options.backlog ?? d.backlog),
    handshakePhaseTimeoutMs: positiveInteger('handshakePhaseTimeoutMs', options.handshakePhaseTimeoutMs ?? d.handshakePhaseTimeoutMs, MAX_TIMER_MS),
    inboxCapacity: positiveInteger('inboxCapacity', options.inboxCapacity ?? d.inboxCapacity),
    inboxCapacityBytes: positiveInteger('inboxCapacityBytes', options.inboxCapacityBytes ?? d.inboxCapacityBytes),
    mconnection: resolveMConnectionOptions(options.mconnection ?? {}),
  });
}
