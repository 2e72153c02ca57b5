import type { BusyPoller } from './busy-poll.js';
import type { ChannelDescriptor } from '../../../../framework/transport/transport.js';
import type { MConnChannelStats } from './channel-state.js';
import type { MConnectionOptions } from './config.js';
import type { MonotonicClock } from './flow-rate.js';

/** Receives each complete message, synchronously on the read path; keep it fast or call pauseReading(). */
export type MessageHandler = (channelId: number, bytes: Uint8Array) => void;

export interface MConnectionInit extends MConnectionOptions {
  /** Local channels, in priority tie-break order (first registered wins ties). Zero fields get CometBFT defaults. */
  readonly channels: readonly ChannelDescriptor[];
  readonly onMessage: MessageHandler;
  /** Bytes an earlier phase (e.g. the NodeInfo exchange) read past its own message; parsed before the stream. */
  readonly initialBytes?: Uint8Array;
  /** Time source for the rate limiters. Default performance.now. */
  readonly clock?: MonotonicClock;
  /** The poller busyPollUs keeps awake. Default: the thread's (threadBusyPoller). */
  readonly busyPoller?: BusyPoller;
  /**
   * Called synchronously when the connection starts closing, with the reason
   * (undefined for a plain close()), before waiting writers are woken — so an
   * owner can record why it closed before anyone observes it closed. Default: none.
   */
  readonly onClose?: (reason: Error | undefined) => void;
}

export interface MConnectionStats {
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly pingsSent: number;
  readonly pingsReceived: number;
  readonly pongsSent: number;
  readonly pongsReceived: number;
  /**
   * The send window now (0 when off), the bytes written that no pong has
   * acknowledged yet, and the running totals behind it: bytes `written`
   * since the connection opened, of which the first `acknowledged` were
   * read by the peer (a pong answered a ping written after them). A caller
   * that notes `written` after queuing something knows it was read once
   * `acknowledged` reaches that mark, however busy the connection stays.
   */
  readonly sendWindow: { readonly size: number; readonly inFlight: number; readonly written: number; readonly acknowledged: number };
  readonly channels: readonly MConnChannelStats[];
}
