import type { LoadConfigOptions } from '../node/config/loader.js';
import { Reactor, Channel, OnMessage, type MessageContext } from '../framework/reactor/decorators.js';
import { defineChannel } from '../framework/router/channel-definition.js';
import type { ChannelHandle } from '../framework/router/channel.js';
import { BytesValue } from './tcp-channel.js';

/** What both sides of priority-under-load share: node settings, the two channels, the probe message, the reactor. */

export interface PriorityNodeSettings {
  readonly queueType: string;
  /** `[p2p] send_rate` and `recv_rate` in bytes/s; 0 = unlimited. */
  readonly rate: number;
}

export function priorityNodeConfig(settings: PriorityNodeSettings): LoadConfigOptions {
  return {
    values: {
      network: 'bench',
      p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', send_rate: settings.rate, recv_rate: settings.rate, queue_type: settings.queueType },
      reactors: { enabled: [] },
    },
  };
}

/** Bulk traffic at the lowest priority (mempool-like); room for the largest low message the scenario sends. */
export const LowPriorityChannel = defineChannel({
  id: 0x64,
  name: 'bench-low',
  messageType: BytesValue,
  priority: 1,
  recvMessageCapacity: 2 * 1024 * 1024,
  recvQueueCapacity: 4096,
});

/** Small, latency-sensitive messages (consensus-like): ten times the low channel's priority. */
export const HighPriorityChannel = defineChannel({
  id: 0x65,
  name: 'bench-high',
  messageType: BytesValue,
  priority: 10,
  recvMessageCapacity: 4096,
  recvQueueCapacity: 4096,
});

/**
 * A high-priority probe message: its sequence number, then the far side's
 * arrival time (process.hrtime in ms, one clock for every thread of the
 * process), written by the far side before it echoes the message.
 */
export const PROBE_SIZE = 32;

export function probeMessage(seq: number): BytesValue {
  const value = new Uint8Array(PROBE_SIZE);
  new DataView(value.buffer).setFloat64(0, seq);
  return BytesValue.create({ value });
}

export function readProbe(message: BytesValue): { seq: number; arrivedMs: number } {
  const view = new DataView(message.value.buffer, message.value.byteOffset, PROBE_SIZE);
  return { seq: view.getFloat64(0), arrivedMs: view.getFloat64(8) };
}

export const hrtimeMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Both sides of the priority-under-load runs. The far side (`echoHigh`)
 * counts the low channel's bytes and sends every high-priority message back
 * to its sender on the high-priority channel, stamped with its arrival time;
 * the near side hands echoes to `onEcho`.
 */
@Reactor('bench-priority')
export class PriorityBenchReactor {
  @Channel(LowPriorityChannel) readonly low!: ChannelHandle<BytesValue>;
  @Channel(HighPriorityChannel) readonly high!: ChannelHandle<BytesValue>;
  echoHigh = false;
  lowReceived = 0;
  lowReceivedBytes = 0;
  onEcho?: (message: BytesValue) => void;

  @OnMessage(BytesValue, { channel: LowPriorityChannel.id })
  onLow(message: BytesValue): void {
    this.lowReceived++;
    this.lowReceivedBytes += message.value.length;
  }

  @OnMessage(BytesValue, { channel: HighPriorityChannel.id })
  onHigh(message: BytesValue, context: MessageContext<BytesValue>): void {
    if (!this.echoHigh) {
      this.onEcho?.(message);
      return;
    }
    const value = Uint8Array.from(message.value);
    new DataView(value.buffer).setFloat64(8, hrtimeMs());
    const echo = BytesValue.create({ value });
    // The reverse direction carries nothing else, but a refused echo would be a lost sample.
    if (this.high.send(context.from, echo) !== 'queued') void this.high.sendWhenRoom(context.from, echo);
  }
}
