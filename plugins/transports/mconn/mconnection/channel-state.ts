import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import type { ChannelDescriptor } from '../../../../framework/transport/transport.js';
import { RingBuffer } from '../../../../framework/util/ring-buffer.js';
import { MessageTooLargeError } from '../../../../framework/transport/errors.js';
import { MessageAssembler } from './message-assembler.js';
import { chunkSizeFor, writeDelimitedPacketMsg } from './packet-codec.js';

/** CometBFT `ChannelDescriptor.FillDefaults` values, applied when a field is 0. */
export const DEFAULT_SEND_QUEUE_CAPACITY = 1;
export const DEFAULT_RECV_BUFFER_CAPACITY = 4096;
export const DEFAULT_RECV_MESSAGE_CAPACITY = 22_020_096;

/** Validates a descriptor and fills CometBFT's defaults for zero fields. */
export function resolveChannelDescriptor(desc: ChannelDescriptor): ChannelDescriptor {
  const where = `channel ${String(desc.id)}`;
  if (!Number.isInteger(desc.id) || desc.id < 0 || desc.id > 0xff) {
    throw new InvalidArgumentError(`channel id must be an integer in 0..255, got ${String(desc.id)}`);
  }
  if (typeof desc.priority !== 'number' || !Number.isFinite(desc.priority) || desc.priority <= 0) {
    throw new InvalidArgumentError(`${where}: priority must be a number > 0, got ${String(desc.priority)}`);
  }
  const count = (name: string, value: number, fallback: number): number => {
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidArgumentError(`${where}: ${name} must be an integer >= 0, got ${String(value)}`);
    }
    return value === 0 ? fallback : value;
  };
  return {
    id: desc.id,
    priority: desc.priority,
    sendQueueCapacity: count('sendQueueCapacity', desc.sendQueueCapacity, DEFAULT_SEND_QUEUE_CAPACITY),
    recvBufferCapacity: count('recvBufferCapacity', desc.recvBufferCapacity, DEFAULT_RECV_BUFFER_CAPACITY),
    recvMessageCapacity: count('recvMessageCapacity', desc.recvMessageCapacity, DEFAULT_RECV_MESSAGE_CAPACITY),
  };
}

/** Per-channel counters for operators. Bytes are wire bytes including packet framing. */
export interface MConnChannelStats {
  readonly channelId: number;
  /** Messages waiting in the send queue (not counting one being split). */
  readonly sendQueueLength: number;
  readonly sentMessages: number;
  readonly sentPackets: number;
  readonly sentBytes: number;
  readonly receivedMessages: number;
  readonly receivedPackets: number;
  readonly receivedBytes: number;
}

/**
 * One channel of an MConnection: its bounded FIFO send queue, the message
 * currently being split into packets, the priority bookkeeping of CometBFT's
 * scheduler, and the reassembly buffer for inbound packets.
 */
export class ChannelState {
  readonly id: number;
  readonly priority: number;
  readonly sendQueueCapacity: number;
  readonly recvBufferCapacity: number;
  readonly recvMessageCapacity: number;
  /** Bytes of data per PacketMsg on this channel. */
  readonly chunkSize: number;

  /** Wire bytes sent recently; decays ×0.8 every 2 s. The scheduler favours small recentlySent/priority. */
  recentlySent = 0;
  /** Set when a message left a full queue; the connection clears it after waking writers. */
  slotFreed = false;

  private readonly queue = new RingBuffer<Uint8Array>();
  private sending: Uint8Array | undefined;
  private sendingOffset = 0;
  /** Payload bytes not yet packetised (queue plus the rest of `sending`). */
  private pendingBytes = 0;

  private readonly assembler: MessageAssembler;

  sentMessages = 0;
  sentPackets = 0;
  sentBytes = 0;
  receivedMessages = 0;
  receivedPackets = 0;
  receivedBytes = 0;

  constructor(desc: ChannelDescriptor, chunkSize: number) {
    this.id = desc.id;
    this.priority = desc.priority;
    this.sendQueueCapacity = desc.sendQueueCapacity;
    this.recvBufferCapacity = desc.recvBufferCapacity;
    this.assembler = new MessageAssembler(Math.min(desc.recvBufferCapacity, desc.recvMessageCapacity));
    this.recvMessageCapacity = desc.recvMessageCapacity;
    this.chunkSize = chunkSize;
  }

  get hasPending(): boolean {
    return this.sending !== undefined || this.queue.length > 0;
  }

  get isFull(): boolean {
    return this.queue.length >= this.sendQueueCapacity;
  }

  get queueLength(): number {
    return this.queue.length;
  }

  /** Payload bytes waiting to be sent. */
  get pendingPayloadBytes(): number {
    return this.pendingBytes;
  }

  /** Messages waiting, including the one being split. */
  get pendingMessages(): number {
    return this.queue.length + (this.sending === undefined ? 0 : 1);
  }

  /** Queues a message; false when the queue already holds sendQueueCapacity messages. */
  enqueue(bytes: Uint8Array): boolean {
    if (this.queue.length >= this.sendQueueCapacity) return false;
    this.queue.push(bytes);
    this.pendingBytes += bytes.length;
    return true;
  }

  /**
   * Writes this channel's next delimited PacketMsg into `out` at `off` and
   * returns the offset after it. Caller checks hasPending and guarantees
   * room for chunkSize plus MAX_PACKET_MSG_OVERHEAD bytes.
   */
  writeNextPacket(out: Uint8Array, off: number): number {
    let message = this.sending;
    if (message === undefined) {
      const wasFull = this.queue.length >= this.sendQueueCapacity;
      message = this.queue.shift() as Uint8Array;
      // A message split into packets is viewed once per packet: a plain Uint8Array's subarray() is cheaper than a Buffer's.
      if (message.length > this.chunkSize && message.constructor !== Uint8Array) message = new Uint8Array(message.buffer, message.byteOffset, message.length);
      this.sending = message;
      this.sendingOffset = 0;
      if (wasFull) this.slotFreed = true;
    }
    const start = this.sendingOffset;
    const eof = message.length - start <= this.chunkSize;
    const end = eof ? message.length : start + this.chunkSize;
    const next = writeDelimitedPacketMsg(out, off, this.id, eof, message, start, end);
    const written = next - off;
    this.recentlySent += written;
    this.sentPackets++;
    this.sentBytes += written;
    this.pendingBytes -= end - start;
    if (eof) {
      this.sending = undefined;
      this.sentMessages++;
    } else {
      this.sendingOffset = end;
    }
    return next;
  }

  /**
   * Adds a received chunk. Returns the complete message on eof, else
   * undefined. Throws MessageTooLargeError before buffering past
   * recvMessageCapacity. `data` may be a transient view; it is copied.
   */
  receive(data: Uint8Array, eof: boolean): Uint8Array | undefined {
    const total = this.assembler.length + data.length;
    if (total > this.recvMessageCapacity) {
      const channel = `0x${this.id.toString(16).padStart(2, '0')}`;
      throw new MessageTooLargeError(
        `message on channel ${channel} reached ${total} bytes, more than the channel's recvMessageCapacity of ${this.recvMessageCapacity} bytes`,
        total,
        this.recvMessageCapacity,
        { channelId: this.id },
      );
    }
    if (!eof) {
      this.assembler.append(data);
      return undefined;
    }
    return this.assembler.finish(data);
  }

  /** Drops queued and partial messages (on close) so their memory can be reclaimed. */
  clear(): void {
    this.queue.drain();
    this.sending = undefined;
    this.pendingBytes = 0;
    this.assembler.clear();
  }

  stats(): MConnChannelStats {
    return {
      channelId: this.id,
      sendQueueLength: this.queue.length,
      sentMessages: this.sentMessages,
      sentPackets: this.sentPackets,
      sentBytes: this.sentBytes,
      receivedMessages: this.receivedMessages,
      receivedPackets: this.receivedPackets,
      receivedBytes: this.receivedBytes,
    };
  }
}

/** Resolves descriptors into channel states, in registration order; rejects an empty list and duplicate ids. */
export function buildChannels(descriptors: readonly ChannelDescriptor[], maxPayload: number): ChannelState[] {
  if (!Array.isArray(descriptors) || descriptors.length === 0) {
    throw new InvalidArgumentError('MConnection needs at least one channel descriptor');
  }
  const seen = new Set<number>();
  return descriptors.map((raw) => {
    const desc = resolveChannelDescriptor(raw);
    if (seen.has(desc.id)) throw new InvalidArgumentError(`channel id 0x${desc.id.toString(16)} is registered twice`);
    seen.add(desc.id);
    return new ChannelState(desc, chunkSizeFor(desc.id, maxPayload));
  });
}
