import { Duplex } from 'node:stream';
import type { ChannelDescriptor } from '../../../../../../framework/transport/transport.js';
import { DelimitedReader } from '../../../../../../framework/transport/length-prefix.js';
import { MConnection, type MConnectionInit } from '../../../../../../plugins/transports/mconn/mconnection/index.js';

export { tcpPair } from '../../../../../support/raw-peer.js';

/**
 * In-process duplex pair. Each write is re-cut into pieces of `cut()` bytes
 * before it reaches the other side, so frame and chunk boundaries never line up.
 */
export function pipePair(cut: () => number = () => 7): [Duplex, Duplex] {
  let a!: Duplex;
  let b!: Duplex;
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, callback) {
        const other = peer();
        for (let off = 0; off < chunk.length; ) {
          const n = Math.max(1, Math.min(cut(), chunk.length - off));
          other.push(chunk.subarray(off, off + n));
          off += n;
        }
        setImmediate(callback);
      },
      final(callback) {
        peer().push(null);
        callback();
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}

export function channel(id: number, priority = 1, extra: Partial<ChannelDescriptor> = {}): ChannelDescriptor {
  return {
    id,
    priority,
    sendQueueCapacity: 1000,
    recvBufferCapacity: 4096,
    recvMessageCapacity: 22_020_096,
    ...extra,
  };
}

export interface Received {
  channelId: number;
  bytes: Uint8Array;
}

/** An MConnection that records every message and lets a test await the n-th one. */
export class Recorder {
  readonly messages: Received[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly onMessage = (channelId: number, bytes: Uint8Array): void => {
    this.messages.push({ channelId, bytes });
    this.waiters = this.waiters.filter((w) => {
      if (this.messages.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves once `count` messages have arrived in total. */
  waitFor(count: number): Promise<void> {
    if (this.messages.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

export function mconn(stream: Duplex, init: Omit<MConnectionInit, 'onMessage'>, recorder = new Recorder()) {
  const conn = new MConnection(stream, { ...init, onMessage: recorder.onMessage });
  return { conn, recorder };
}

/** Collects raw bytes from a socket and lets a test await a given amount. */
export class RawReader {
  private data = Buffer.alloc(0);
  private waiter: { n: number; resolve: (b: Buffer) => void } | undefined;

  constructor(readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.check();
    });
  }

  get received(): Buffer {
    return this.data;
  }

  /** Resolves with the first `n` bytes once they have arrived and removes them. */
  read(n: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiter = { n, resolve };
      this.check();
    });
  }

  /** Resolves with the body of the next uvarint-delimited frame. */
  async readFrame(): Promise<Buffer> {
    const reader = new DelimitedReader(1 << 20);
    for (;;) {
      reader.push(await this.read(1));
      const frame = reader.next();
      if (frame !== undefined) return Buffer.from(frame);
    }
  }

  private check(): void {
    if (this.waiter && this.data.length >= this.waiter.n) {
      const { n, resolve } = this.waiter;
      this.waiter = undefined;
      const out = this.data.subarray(0, n);
      this.data = this.data.subarray(n);
      resolve(out);
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Deterministic pseudo-random bytes so failures are reproducible. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
