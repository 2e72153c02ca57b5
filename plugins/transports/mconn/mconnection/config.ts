import { InvalidArgumentError } from '../../../../framework/errors/base.js';

/**
 * Tuning for one MConnection. Names follow CometBFT's `[p2p]` config where a
 * counterpart exists (max_packet_msg_payload_size, send_rate, recv_rate,
 * flush_throttle_timeout); the defaults are CometBFT v0.38 node defaults
 * except flushThrottleMs (see there).
 */
export interface MConnectionOptions {
  /**
   * Largest data chunk per PacketMsg (bytes). Default 1024, CometBFT's
   * `max_packet_msg_payload_size`. Also fixes the largest packet body accepted
   * from the peer (1034 for 1024), so both sides must agree: a CometBFT node
   * drops connections that send bigger packets.
   */
  readonly maxPacketMsgPayloadSize?: number;
  /** Send limit in bytes per second; 0 = unlimited. Default 5120000 (CometBFT `send_rate`). */
  readonly sendRate?: number;
  /** Receive limit in bytes per second, enforced by pausing reads; 0 = unlimited. Default 5120000 (`recv_rate`). */
  readonly recvRate?: number;
  /** How often we ping the peer (ms). Default 60000. */
  readonly pingIntervalMs?: number;
  /** How long after a ping a pong must arrive before the connection is closed (ms); must be < pingIntervalMs. Default 45000. */
  readonly pongTimeoutMs?: number;
  /**
   * How long data may sit before it is written (ms). Default 0: packets queued
   * during one event-loop turn are coalesced and written on the next
   * `setImmediate`, which batches as well as CometBFT's 100 ms timer without
   * adding latency. A value > 0 restores the timer (a partial batch waits at
   * most this long; full batches are written at once).
   */
  readonly flushThrottleMs?: number;
  /** Soft bound on the bytes handed to the stream in one write() call. Default 65536 (CometBFT's bufio writer size). */
  readonly maxWriteBatchBytes?: number;
  /**
   * Smallest send window: bytes written but not yet acknowledged by the
   * peer's pong before we wait (see SendWindow); the window grows with the
   * path's rate × round trip up to sendWindowMaxBytes. 0 = no window (as
   * CometBFT: the socket buffers decide, and a high-priority packet can wait
   * behind megabytes of queued data). Default 131072 (128 KiB).
   */
  readonly sendWindowMinBytes?: number;
  /** Largest send window. Default 16777216 (16 MiB). */
  readonly sendWindowMaxBytes?: number;
  /**
   * Busy polling (µs): after each read and write, keep the thread's event
   * loop polling instead of sleeping for this long (see BusyPoller). Trades
   * CPU for round-trip latency on hosts whose idle cores are slow to wake.
   * Default 0 (off); at most 100000.
   */
  readonly busyPollUs?: number;
}

export type ResolvedMConnectionOptions = Required<MConnectionOptions>;

export const DEFAULT_MCONNECTION_OPTIONS: ResolvedMConnectionOptions = Object.freeze({
  maxPacketMsgPayloadSize: 1024,
  sendRate: 5_120_000,
  recvRate: 5_120_000,
  pingIntervalMs: 60_000,
  pongTimeoutMs: 45_000,
  flushThrottleMs: 0,
  maxWriteBatchBytes: 65_536,
  sendWindowMinBytes: 128 * 1024,
  sendWindowMaxBytes: 16 * 1024 * 1024,
  busyPollUs: 0,
});

/** Upper bound on busyPollUs: a longer spin is just a busy thread. */
export const MAX_BUSY_POLL_US = 100_000;

/** Upper bound on maxPacketMsgPayloadSize; keeps per-packet buffers small and lengths in 32-bit range. */
export const MAX_PACKET_MSG_PAYLOAD_SIZE = 16 * 1024 * 1024;
/** Node's timers cannot go beyond 2^31-1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `MConnection option ${name} must be an integer in ${min}..${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** Fills defaults and validates; errors name the offending option and its allowed range. */
export function resolveMConnectionOptions(options: MConnectionOptions = {}): ResolvedMConnectionOptions {
  const merged = { ...DEFAULT_MCONNECTION_OPTIONS };
  for (const key of Object.keys(DEFAULT_MCONNECTION_OPTIONS) as (keyof MConnectionOptions)[]) {
    const value = options[key];
    if (value !== undefined) merged[key] = value;
  }
  checkInteger('maxPacketMsgPayloadSize', merged.maxPacketMsgPayloadSize, 1, MAX_PACKET_MSG_PAYLOAD_SIZE);
  checkInteger('sendRate', merged.sendRate, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('recvRate', merged.recvRate, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('pingIntervalMs', merged.pingIntervalMs, 1, MAX_TIMER_MS);
  checkInteger('pongTimeoutMs', merged.pongTimeoutMs, 1, MAX_TIMER_MS);
  checkInteger('flushThrottleMs', merged.flushThrottleMs, 0, MAX_TIMER_MS);
  checkInteger('maxWriteBatchBytes', merged.maxWriteBatchBytes, 1, 64 * 1024 * 1024);
  checkInteger('sendWindowMinBytes', merged.sendWindowMinBytes, 0, 1024 * 1024 * 1024);
  checkInteger('sendWindowMaxBytes', merged.sendWindowMaxBytes, Math.max(1, merged.sendWindowMinBytes), 1024 * 1024 * 1024);
  checkInteger('busyPollUs', merged.busyPollUs, 0, MAX_BUSY_POLL_US);
  if (merged.pongTimeoutMs >= merged.pingIntervalMs) {
    throw new InvalidArgumentError(
      `MConnection option pongTimeoutMs (${merged.pongTimeoutMs}) must be less than pingIntervalMs (${merged.pingIntervalMs})`,
    );
  }
  return Object.freeze(merged);
}
