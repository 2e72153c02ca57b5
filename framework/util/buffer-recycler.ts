import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { InvalidArgumentError } from '../errors/base.js';

/**
 * Set to true on a Writable that keeps no reference to a chunk once that
 * chunk's write callback has run (it copied or transmitted the bytes), so the
 * writer may reuse the buffer. Streams in general promise no such thing: a
 * Duplex may hand the very chunk to its reader.
 */
export const RELEASES_WRITTEN_CHUNKS = Symbol.for('tmp2p.releasesWrittenChunks');

/** Whether `stream` is done with a chunk when its write callback runs: sockets (libuv has sent it) and streams that say so. */
export function releasesWrittenChunks(stream: Writable): boolean {
  return stream instanceof Socket || (stream as unknown as Record<symbol, unknown>)[RELEASES_WRITTEN_CHUNKS] === true;
}

/**
 * The largest allocation Buffer.allocUnsafe serves from Node's shared pool
 * (slices of 8 KiB slabs; larger ones get an ArrayBuffer each). A write this
 * small — a ping, a pong, a small message — takes a slice of the slab rather
 * than a whole recycled buffer, which would sit idle in the write until its
 * callback returns it.
 */
export const NODE_POOL_MAX_BYTES = Buffer.poolSize >>> 1;

/**
 * Hands out write buffers of one size and takes them back once a write has
 * completed. Buffers above 4 KiB each get their own ArrayBuffer, whose memory
 * V8 counts as external: allocating one per 64 KiB socket write made the
 * garbage collector run a full mark-compact every few megabytes sent. A
 * connection keeps nothing while idle; the free list (bounded, shared by
 * every connection in the thread) holds what busy connections hand back.
 */
export class BufferRecycler {
  private readonly free: Buffer[] = [];
  private recycledCount = 0;
  private allocatedCount = 0;

  /**
   * @param size bytes of every pooled buffer; larger requests get a buffer of their own
   * @param maxFree buffers kept for reuse; the rest are left to the garbage collector
   */
  constructor(
    readonly size: number,
    readonly maxFree: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`buffer size must be an integer ≥ 1, got ${size}`);
    if (!Number.isInteger(maxFree) || maxFree < 0) throw new InvalidArgumentError(`maxFree must be an integer ≥ 0, got ${maxFree}`);
  }

  /**
   * A buffer of at least `bytes` bytes (uninitialised). Give it back with
   * recycle() when nothing refers to it any more — or never, which is safe.
   */
  take(bytes: number): Buffer {
    if (bytes <= this.size) {
      const reused = this.free.pop();
      if (reused !== undefined) {
        this.recycledCount++;
        return reused;
      }
      this.allocatedCount++;
      return Buffer.allocUnsafeSlow(this.size);
    }
    this.allocatedCount++;
    return Buffer.allocUnsafe(bytes);
  }

  /** Returns a buffer from take(); one of another size, or beyond the bound, is dropped. */
  recycle(buffer: Buffer): void {
    // A buffer recycled twice would later be handed to two writers at once.
    if (buffer.length === this.size && this.free.length < this.maxFree && !this.free.includes(buffer)) this.free.push(buffer);
  }

  stats(): { readonly free: number; readonly recycled: number; readonly allocated: number } {
    return { free: this.free.length, recycled: this.recycledCount, allocated: this.allocatedCount };
  }
}

const shared = new Map<number, BufferRecycler>();
/** Distinct sizes kept in the shared table; sizes come from configuration, so there are few. */
const MAX_SHARED_SIZES = 16;

/**
 * The thread's recycler for buffers of `size` bytes (each thread — worker or
 * main — has its own, as JavaScript memory is per thread).
 */
export function sharedRecycler(size: number, maxFree = 32): BufferRecycler {
  let recycler = shared.get(size);
  if (recycler === undefined) {
    recycler = new BufferRecycler(size, shared.size < MAX_SHARED_SIZES ? maxFree : 0);
    shared.set(size, recycler);
  }
  return recycler;
}
