import type { Writable } from 'node:stream';
import { NODE_POOL_MAX_BYTES, releasesWrittenChunks, sharedRecycler, type BufferRecycler } from '../../../../framework/util/buffer-recycler.js';
import { uvarintLength } from '../../../../framework/transport/length-prefix.js';
import type { Waiters } from '../../../../framework/util/waiters.js';
import type { ResolvedMConnectionOptions } from './config.js';
import type { RateLimiter } from './flow-rate.js';
import type { Keepalive } from './keepalive.js';
import { PACKET_PING_WIRE, PACKET_PONG_WIRE, maxPacketBodySize } from './packet-codec.js';
import type { SendScheduler } from './scheduler.js';
import type { SendWindow } from './send-window.js';

/** What a BatchWriter is given by its MConnection. */
export interface BatchWriterComponents {
  readonly stream: Writable;
  readonly options: Pick<ResolvedMConnectionOptions, 'maxWriteBatchBytes' | 'maxPacketMsgPayloadSize'>;
  readonly scheduler: SendScheduler;
  readonly sendLimiter: RateLimiter;
  readonly window: SendWindow;
  readonly keepalive: Pick<Keepalive, 'pingSent'>;
  readonly clock: () => number;
  /** Woken once a batch freed a slot in a full send queue (MConnection.writable without a channel). */
  readonly anyWritable: Pick<Waiters, 'wakeAll'>;
  /** By channel id: woken once a batch freed a slot in that channel's full queue. */
  readonly channelWritable: ReadonlyMap<number, Pick<Waiters, 'wakeAll'>>;
}

/**
 * Builds one write of an MConnection and hands it to the stream: the pong
 * owed to the peer first, then data packets in the scheduler's order for as
 * long as the batch size, the send rate and the send window allow, then a
 * ping if one is due. It counts what it sent and wakes writers waiting for
 * the queue slots it freed. When to write, and how many batches in a row, is
 * the connection's pump (MConnection.pump).
 *
 * Its collaborators are copied into its own fields: the packet loop reads
 * them once per packet, and a components object would add a hop to each.
 */
export class BatchWriter {
  bytesSent = 0;
  packetsSent = 0;
  pingsSent = 0;
  pongsSent = 0;

  private readonly stream: Writable;
  private readonly scheduler: SendScheduler;
  private readonly sendLimiter: RateLimiter;
  private readonly window: SendWindow;
  private readonly keepalive: Pick<Keepalive, 'pingSent'>;
  private readonly clock: () => number;
  private readonly maxBatchBytes: number;
  private readonly maxFrameWireBytes: number;
  /** Write batches, reused across writes and connections (see BufferRecycler) when the stream allows it. */
  private readonly batches: BufferRecycler | undefined;
  private readonly anyWritable: Pick<Waiters, 'wakeAll'>;
  private readonly channelWritable: ReadonlyMap<number, Pick<Waiters, 'wakeAll'>>;

  constructor(components: BatchWriterComponents) {
    const { stream, options } = components;
    this.stream = stream;
    this.scheduler = components.scheduler;
    this.sendLimiter = components.sendLimiter;
    this.window = components.window;
    this.keepalive = components.keepalive;
    this.clock = components.clock;
    this.anyWritable = components.anyWritable;
    this.channelWritable = components.channelWritable;
    this.maxBatchBytes = options.maxWriteBatchBytes;
    const maxBody = maxPacketBodySize(options.maxPacketMsgPayloadSize);
    this.maxFrameWireBytes = uvarintLength(maxBody) + maxBody;
    this.batches = releasesWrittenChunks(stream) ? sharedRecycler(6 + options.maxWriteBatchBytes + this.maxFrameWireBytes) : undefined;
  }

  /** A ping is due (`requested` by keepalive, or the send window's clock) and none is outstanding. */
  wantsPing(requested: boolean): boolean {
    return !this.window.pingOutstanding && (requested || this.window.wantsPing());
  }

  /**
   * Builds one batch (a pong first if `pong`, then up to `dataBound` bytes of
   * data, then a ping if one is due or `pingRequested`) and writes it;
   * returns stream.write's verdict.
   */
  write(dataBound: number, pong: boolean, pingRequested: boolean): boolean {
    const limit = Math.min(this.maxBatchBytes, this.sendLimiter.allowance(), Math.max(1, this.window.available()));
    const size = 6 + Math.min(dataBound, limit + this.maxFrameWireBytes);
    // A pool buffer is 66 KiB: a ping or pong alone takes a few bytes of Node's shared slab instead
    // (keepalive pings of many connections go out in one tick, before any write callback returns a pool buffer).
    const out = size > NODE_POOL_MAX_BYTES && this.batches !== undefined ? this.batches.take(size) : Buffer.allocUnsafe(size);
    let off = 0;
    if (pong) {
      out.set(PACKET_PONG_WIRE, off);
      off += PACKET_PONG_WIRE.length;
      this.pongsSent++;
      this.packetsSent++;
    }
    const dataStart = off;
    let freed = false;
    if (dataBound > 0) {
      const end = dataStart + limit;
      while (off < end) {
        const channel = this.scheduler.pick();
        if (channel === undefined) break;
        off = channel.writeNextPacket(out, off);
        this.packetsSent++;
        if (channel.slotFreed) {
          channel.slotFreed = false;
          freed = true;
          this.channelWritable.get(channel.id)?.wakeAll();
        }
      }
    }
    this.sendLimiter.consume(off - dataStart);
    this.window.wrote(off);
    // The ping goes last, so its pong acknowledges this whole batch (the send window's clock).
    if (this.wantsPing(pingRequested)) {
      out.set(PACKET_PING_WIRE, off);
      off += PACKET_PING_WIRE.length;
      this.window.wrote(PACKET_PING_WIRE.length);
      this.window.pingSent(this.clock());
      this.keepalive.pingSent();
      this.pingsSent++;
      this.packetsSent++;
    }
    this.bytesSent += off;
    if (freed) this.anyWritable.wakeAll();
    const chunk = off === out.length ? out : out.subarray(0, off);
    const batches = this.batches;
    if (batches === undefined) return this.stream.write(chunk);
    // The stream is done with `out` once this write's callback runs (or the write failed).
    return this.stream.write(chunk, () => batches.recycle(out));
  }
}
