import type { Duplex } from 'node:stream';
import { InvalidArgumentError, P2PError, toError } from '../../../../framework/errors/base.js';
import { ConnectionClosedError } from '../../../../framework/transport/errors.js';
import { Waiters } from '../../../../framework/util/waiters.js';
import { BatchWriter } from './batch-writer.js';
import { buildChannels, type ChannelState } from './channel-state.js';
import { resolveMConnectionOptions, type ResolvedMConnectionOptions } from './config.js';
import { MessageHandlerError, PongTimeoutError, UnknownChannelError } from './errors.js';
import { orderlyCloseError } from '../errors.js';
import { RateLimiter, monotonicClock } from './flow-rate.js';
import { DelimitedReader, uvarintLength } from '../../../../framework/transport/length-prefix.js';
import { Keepalive } from './keepalive.js';
import { SendWindow } from './send-window.js';
import { decodePacket, maxPacketBodySize, type DecodedPacket } from './packet-codec.js';
import { ReadGate } from './read-gate.js';
import { currentTurn } from './event-loop-turn.js';
import { threadBusyPoller, type BusyPoller } from './busy-poll.js';
import { SendScheduler } from './scheduler.js';
import type { MConnectionInit, MConnectionStats, MessageHandler } from './types.js';
import { whenClosed } from './when-closed.js';

/** A pump writes at most this many batches before yielding to the event loop (reads, timers). */
const MAX_BATCHES_PER_TURN = 8;
/**
 * Rate limiters' accounting window. CometBFT's flowrate samples 100 ms, which
 * releases a tenth of a second's allowance at once: a high-priority packet
 * queued after it waits up to 100 ms. The long-run rate is the same.
 */
const RATE_SAMPLE_MS = 10;

/**
 * CometBFT's MConnection over any Duplex byte stream (SecretConnection,
 * TCP, pipes): multiplexes channels into uvarint-delimited Packets, splits
 * messages into PacketMsg chunks, schedules packets by priority, answers pings
 * and pings the peer, and closes on any protocol violation (§2).
 *
 * Sending never blocks: trySend queues into a bounded per-channel queue and
 * packets are written in batches of up to maxWriteBatchBytes, one write() per
 * batch (built by BatchWriter), pausing while the stream asks for 'drain'.
 * Receiving is a callback plus pauseReading()/resumeReading(); pausing stops
 * reading the stream, so the peer feels TCP backpressure.
 */
export class MConnection {
  readonly options: ResolvedMConnectionOptions;
  /** Resolves once closed and the stream is torn down, with the error that closed it (undefined for a plain close()). */
  readonly closed: Promise<Error | undefined>;

  private readonly stream: Duplex;
  private readonly onMessage: MessageHandler;
  private readonly onClose: ((reason: Error | undefined) => void) | undefined;
  private closeReasonValue: Error | undefined;
  private readonly channelList: readonly ChannelState[];
  /** Indexed by channel id, as long as the largest id needs (a 256-slot array was 2 KiB per connection); reads past it are undefined. */
  private readonly channelById: (ChannelState | undefined)[];
  private readonly scheduler: SendScheduler;
  private readonly reader: DelimitedReader;
  private readonly decoded: DecodedPacket = { kind: 'ping', channelId: 0, eof: false, data: new Uint8Array(0) };
  private readonly sendLimiter: RateLimiter;
  private readonly window: SendWindow;
  private readonly clock: () => number;
  private readonly writer: BatchWriter;

  private isClosedFlag = false;
  private draining = false;
  /** flushAndClose has ended the stream; nothing more may be written. */
  private ended = false;
  private resolveClosed!: (reason: Error | undefined) => void;

  private pingPending = false;
  private pongPending = false;
  private waitingDrain = false;
  private processing = false;
  /** Why the stream stopped delivering data; we close once the packets read before that are delivered. */
  private streamGoneReason: string | undefined;

  private pumpScheduled = false;
  private pumpImmediate: NodeJS.Immediate | undefined;
  /** The event-loop turn (currentTurn) whose one microtask pump has run (see schedulePump). */
  private microtaskPumpTurn = -1;
  private readonly pumpTask = (): void => this.pump();
  private processImmediate: NodeJS.Immediate | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private sendRateTimer: NodeJS.Timeout | undefined;
  private readonly readGate: ReadGate;
  private readonly keepalive: Keepalive;

  private readonly anyWritable = new Waiters();
  private readonly channelWritable = new Map<number, Waiters>();
  private readonly drained = new Waiters();

  private bytesReceived = 0;
  private packetsReceived = 0;
  private pingsReceived = 0;
  private pongsReceived = 0;

  private readonly onData = (chunk: Buffer | string): void => this.handleData(chunk);
  /** Kept awake for busyPollUs after each read and write (undefined: busy polling is off). */
  private readonly busyPoller: BusyPoller | undefined;

  constructor(stream: Duplex, init: MConnectionInit) {
    this.options = resolveMConnectionOptions(init);
    if (typeof init.onMessage !== 'function') throw new InvalidArgumentError('MConnection needs an onMessage handler');
    this.channelList = buildChannels(init.channels, this.options.maxPacketMsgPayloadSize);
    this.channelById = new Array(Math.max(0, ...this.channelList.map((c) => c.id)) + 1).fill(undefined);
    for (const channel of this.channelList) this.channelById[channel.id] = channel;
    this.stream = stream;
    this.onMessage = init.onMessage;
    this.onClose = init.onClose;
    const clock = init.clock ?? monotonicClock;
    this.clock = clock;
    this.scheduler = new SendScheduler(this.channelList, clock);
    const maxBody = maxPacketBodySize(this.options.maxPacketMsgPayloadSize);
    // Each packet is decoded before the next is read, so one scratch buffer serves every packet split across chunks.
    this.reader = new DelimitedReader(maxBody, { reuseBuffer: true, what: 'packet' });
    this.sendLimiter = new RateLimiter(this.options.sendRate, clock, RATE_SAMPLE_MS);
    this.readGate = new ReadGate(stream, new RateLimiter(this.options.recvRate, clock, RATE_SAMPLE_MS));
    this.window = new SendWindow({ minBytes: this.options.sendWindowMinBytes, maxBytes: this.options.sendWindowMaxBytes });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.busyPoller = this.options.busyPollUs > 0 ? (init.busyPoller ?? threadBusyPoller) : undefined;

    const { pingIntervalMs, pongTimeoutMs } = this.options;
    this.keepalive = new Keepalive(
      pingIntervalMs,
      pongTimeoutMs,
      () => {
        // An outstanding ping (the send window's) already proves liveness; two at once could get one pong.
        if (this.window.pingOutstanding) return;
        this.pingPending = true;
        this.schedulePump(true);
      },
      () => this.close(new PongTimeoutError(pongTimeoutMs)),
    );
    this.writer = new BatchWriter({
      stream,
      options: this.options,
      scheduler: this.scheduler,
      sendLimiter: this.sendLimiter,
      window: this.window,
      keepalive: this.keepalive,
      clock,
      anyWritable: this.anyWritable,
      channelWritable: this.channelWritable,
    });

    // The 'error' listener stays for the stream's lifetime so a late error cannot crash the process.
    stream.on('error', (err) => this.close(new ConnectionClosedError('stream failed', { cause: err })));
    stream.on('end', () => this.streamGone('remote closed the connection'));
    stream.on('close', () => this.streamGone('stream closed'));
    stream.on('drain', () => {
      this.waitingDrain = false;
      this.schedulePump(true);
    });
    if (stream.destroyed) {
      queueMicrotask(() => this.close(new ConnectionClosedError('stream was already destroyed')));
      return;
    }
    if (init.initialBytes !== undefined && init.initialBytes.length > 0) {
      this.bytesReceived += init.initialBytes.length;
      this.reader.push(init.initialBytes);
      this.scheduleProcessing();
    }
    stream.on('data', this.onData);
  }

  get isClosed(): boolean {
    return this.isClosedFlag;
  }

  /** The error the connection was closed with (undefined while open or after a plain close()). */
  get closeReason(): Error | undefined {
    return this.closeReasonValue;
  }

  get readingPaused(): boolean {
    return this.readGate.pausedByOwner;
  }

  hasChannel(channelId: number): boolean {
    return Number.isInteger(channelId) && this.channelById[channelId] !== undefined;
  }

  /**
   * Queues a message on a channel. Returns false (and queues nothing) for an
   * unknown channel, a full send queue, or a closed/closing connection. The
   * bytes are sent as they are at write time: do not modify them afterwards.
   */
  trySend(channelId: number, bytes: Uint8Array): boolean {
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidArgumentError(`trySend expects a Uint8Array, got ${typeof bytes}`);
    }
    if (this.isClosedFlag || this.draining) return false;
    const channel = this.channelById[channelId];
    if (channel === undefined || !channel.enqueue(bytes)) return false;
    this.schedulePump(false);
    return true;
  }

  /**
   * Resolves when trySend may succeed again: for `channelId`, once that
   * channel's queue has room (at once if it has, or if the channel is
   * unknown); without it, at once if no queue is full, else when any full
   * queue frees a slot. Always resolves on close; rejects only on abort.
   */
  writable(signal?: AbortSignal, channelId?: number): Promise<void> {
    if (this.isClosedFlag) return Promise.resolve();
    if (channelId !== undefined) {
      const channel = this.channelById[channelId];
      if (channel === undefined || !channel.isFull) return Promise.resolve();
      let waiters = this.channelWritable.get(channelId);
      if (waiters === undefined) this.channelWritable.set(channelId, (waiters = new Waiters()));
      return waiters.wait(signal);
    }
    if (!this.channelList.some((c) => c.isFull)) return Promise.resolve();
    return this.anyWritable.wait(signal);
  }

  /** Stops consuming the stream (and delivering buffered packets) until resumeReading(). */
  pauseReading(): void {
    if (this.readGate.pausedByOwner || this.isClosedFlag) return;
    this.readGate.setOwnerPaused(true);
  }

  resumeReading(): void {
    if (!this.readGate.pausedByOwner || this.isClosedFlag) return;
    this.readGate.setOwnerPaused(false);
    // Packets already split off the stream would otherwise wait for the next chunk.
    if (this.reader.bufferedBytes > 0 || this.streamGoneReason !== undefined) this.scheduleProcessing();
  }

  /**
   * Sends everything queued, ends the stream once written, then closes (like
   * CometBFT's FlushStop). New trySend calls fail meanwhile. If `signal`
   * aborts first, the connection is closed with, and this rejects with, an AbortError.
   */
  async flushAndClose(signal?: AbortSignal): Promise<void> {
    if (this.isClosedFlag) return;
    this.draining = true;
    this.schedulePump(true);
    try {
      if (!this.isDrained()) await this.drained.wait(signal);
    } catch (err) {
      this.close(toError(err));
      throw err;
    }
    if (this.isClosedFlag) return;
    this.ended = true;
    this.stream.end(() => this.close());
    await this.closed;
  }

  /** Stops timers, drops queued messages, destroys the stream. Idempotent. */
  close(reason?: Error): void {
    if (this.isClosedFlag) return;
    this.isClosedFlag = true;
    this.closeReasonValue = reason;
    if (this.onClose !== undefined) {
      try {
        this.onClose(reason);
      } catch {
        // The owner's hook must not stop the teardown below.
      }
    }
    this.keepalive.stop();
    this.readGate.stop();
    clearTimeout(this.flushTimer);
    clearTimeout(this.sendRateTimer);
    if (this.pumpImmediate !== undefined) clearImmediate(this.pumpImmediate);
    if (this.processImmediate !== undefined) clearImmediate(this.processImmediate);
    this.stream.off('data', this.onData);
    for (const channel of this.channelList) channel.clear();
    this.anyWritable.wakeAll();
    for (const waiters of this.channelWritable.values()) waiters.wakeAll();
    this.drained.wakeAll();
    this.stream.destroy();
    whenClosed(this.stream, () => this.resolveClosed(reason));
  }

  stats(): MConnectionStats {
    const sent = this.writer;
    return {
      bytesSent: sent.bytesSent,
      bytesReceived: this.bytesReceived,
      packetsSent: sent.packetsSent,
      packetsReceived: this.packetsReceived,
      pingsSent: sent.pingsSent,
      pingsReceived: this.pingsReceived,
      pongsSent: sent.pongsSent,
      pongsReceived: this.pongsReceived,
      sendWindow: { size: this.window.size, inFlight: this.window.inFlight, written: this.window.writtenBytes, acknowledged: this.window.acknowledgedBytes },
      channels: this.channelList.map((c) => c.stats()),
    };
  }

  // ---- sending ----

  /**
   * `urgent` skips the flush throttle (control packets, drain, rate-limit
   * wake-ups). A pump on an idle stream runs as a microtask — right after
   * the code that queued the packet, before the event loop's next I/O
   * callback — so an answer sent while many socket reads are ready does not
   * wait for all of them; later pumps of the same turn go to setImmediate,
   * which coalesces a burst of sends into one write.
   */
  private schedulePump(urgent: boolean): void {
    if (this.isClosedFlag || this.pumpScheduled || this.waitingDrain) return;
    const throttle = this.options.flushThrottleMs;
    if (urgent || throttle === 0 || this.scheduler.pendingWireBytes() >= this.options.maxWriteBatchBytes) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.pumpScheduled = true;
      // The turn marker is shared by the thread's connections: an immediate per connection per pump cost more than the pump's bookkeeping.
      const turn = currentTurn();
      if (this.microtaskPumpTurn !== turn && this.stream.writableLength === 0) {
        this.microtaskPumpTurn = turn;
        queueMicrotask(this.pumpTask);
      } else {
        this.pumpImmediate = setImmediate(this.pumpTask);
      }
    } else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.pump(), throttle).unref();
    }
  }

  /** Writes batches of packets until nothing is pending, the stream wants 'drain', or the rate limit or send window bites. */
  private pump(): void {
    this.pumpScheduled = false;
    this.pumpImmediate = undefined;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.isClosedFlag || this.waitingDrain || this.ended) return;
    if (this.stream.destroyed || !this.stream.writable) {
      this.close(new ConnectionClosedError('stream is no longer writable'));
      return;
    }
    this.scheduler.catchUpDecay();
    let dataDelay = 0;
    for (let batches = 0; ; batches++) {
      if (batches === MAX_BATCHES_PER_TURN) {
        this.schedulePump(true);
        break;
      }
      // A window ping is control too: with the window full and no ping outstanding, nothing else would reopen it.
      const control = this.pongPending || this.writer.wantsPing(this.pingPending);
      dataDelay = this.sendLimiter.delayMs();
      const windowOpen = this.window.available() > 0;
      if (!windowOpen && this.scheduler.pick() !== undefined) this.window.blocked();
      const dataBound = dataDelay === 0 && windowOpen ? this.scheduler.pendingWireBytes() : 0;
      if (!control && dataBound === 0) break;
      if (!this.writeBatch(dataBound)) {
        this.waitingDrain = true;
        break;
      }
    }
    if (dataDelay > 0 && this.sendRateTimer === undefined && this.scheduler.pick() !== undefined) {
      this.sendRateTimer = setTimeout(() => {
        this.sendRateTimer = undefined;
        this.schedulePump(true);
      }, dataDelay).unref();
    }
    if (this.draining && this.isDrained()) this.drained.wakeAll();
    // An answer to what we just wrote is likely: be awake when it arrives.
    this.busyPoller?.touch(this.options.busyPollUs);
  }

  /** Writes one batch (see BatchWriter), taking the pong and ping owed; returns stream.write's verdict. */
  private writeBatch(dataBound: number): boolean {
    const pong = this.pongPending;
    const pingRequested = this.pingPending;
    this.pongPending = false;
    this.pingPending = false;
    return this.writer.write(dataBound, pong, pingRequested);
  }

  /**
   * Everything is written — and our outstanding ping answered: ending the
   * stream while the peer still owes us a pong would make its pong hit a
   * closed socket, and the reset that follows can discard data the peer has
   * not read yet.
   */
  private isDrained(): boolean {
    return !this.pingPending && !this.pongPending && !this.waitingDrain && !this.window.pingOutstanding && this.scheduler.pick() === undefined;
  }

  // ---- receiving ----

  private handleData(chunk: Buffer | string): void {
    if (this.isClosedFlag) return;
    if (typeof chunk === 'string') {
      this.close(new P2PError('stream delivered strings; MConnection needs a byte stream (no setEncoding)'));
      return;
    }
    this.bytesReceived += chunk.length;
    // Packets and their data are views of the chunk, two per packet: a plain Uint8Array's subarray() is cheaper than a Buffer's.
    this.reader.push(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    this.processFrames();
    this.readGate.received(chunk.length);
    this.busyPoller?.touch(this.options.busyPollUs);
  }

  private scheduleProcessing(): void {
    if (this.processImmediate !== undefined) return;
    this.processImmediate = setImmediate(() => {
      this.processImmediate = undefined;
      this.processFrames();
    });
  }

  /** Decodes and dispatches buffered packets until none is complete, the owner pauses, or an error closes us. */
  private processFrames(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      const reader = this.reader;
      while (!this.isClosedFlag && !this.readGate.pausedByOwner) {
        // By offsets into the chunk (or the reader's scratch): no view per packet.
        const buf = reader.nextRange();
        if (buf === undefined) break;
        this.handlePacket(buf, reader.rangeStart, reader.rangeEnd);
      }
    } catch (err) {
      this.close(toError(err));
    } finally {
      this.processing = false;
    }
    if (this.streamGoneReason !== undefined && !this.readGate.pausedByOwner) {
      this.close(orderlyCloseError(this.streamGoneReason));
    }
  }

  /**
   * The stream ended or closed. Packets already read are still delivered
   * (an owner that paused reading gets them after resumeReading), as
   * CometBFT's receive loop handles everything before EOF; then we close.
   */
  private streamGone(reason: string): void {
    this.streamGoneReason ??= reason;
    this.processFrames();
  }

  /** Handles the packet body at buf[start:end] (valid until the next read from the reader). */
  private handlePacket(buf: Uint8Array, start: number, end: number): void {
    const packet = decodePacket(buf, start, end, this.decoded);
    this.packetsReceived++;
    if (packet.kind === 'ping') {
      this.pingsReceived++;
      this.pongPending = true;
      this.schedulePump(true);
      return;
    }
    if (packet.kind === 'pong') {
      this.pongsReceived++;
      // A pong nobody asked for (none of our pings is outstanding) acknowledges nothing.
      if (this.window.pongReceived(this.clock())) {
        this.keepalive.pongReceived();
        this.schedulePump(true);
      }
      return;
    }
    const id = packet.channelId;
    const channel = id >= 0 && id <= 0xff ? this.channelById[id] : undefined;
    if (channel === undefined) throw new UnknownChannelError(id);
    channel.receivedPackets++;
    const length = end - start;
    channel.receivedBytes += uvarintLength(length) + length;
    const message = channel.receive(packet.data, packet.eof);
    if (message === undefined) return;
    channel.receivedMessages++;
    try {
      this.onMessage(channel.id, message);
    } catch (err) {
      throw new MessageHandlerError(`onMessage handler threw for channel 0x${channel.id.toString(16)}`, {
        cause: err,
      });
    }
  }
}
