import type { MessageType } from './message-type.js';

/**
 * The part of a protobufjs (v8) Writer this encoder relies on. Checked at
 * run time: a MessageType whose writer does not look like this is encoded
 * the plain way (`encode(message).finish()`).
 */
interface ScratchWriter {
  pos: number;
  buf: Uint8Array;
  view: unknown;
  states: unknown;
  finish(): Uint8Array;
}

/** Messages shorter than this are copied out of the scratch writer into a shared slab. */
const SLAB_MESSAGE_MAX = 4096;
/** Slab size: a small message keeps at most this much memory alive (as a Buffer pool slice does). */
const SLAB_BYTES = 8192;
/** A scratch buffer larger than this is not kept after a message: it is handed out with it, or dropped. */
const SCRATCH_KEEP_MAX = 64 * 1024;
/** A large message's scratch buffer goes out with it when at most this share of it is unused; else the message is copied. */
const HAND_OUT_MAX_WASTE = 0.25;

function looksLikeWriter(w: unknown): w is ScratchWriter {
  const writer = w as ScratchWriter;
  return (
    typeof writer === 'object' &&
    writer !== null &&
    typeof writer.pos === 'number' &&
    writer.buf instanceof Uint8Array &&
    'view' in writer &&
    'states' in writer &&
    typeof writer.finish === 'function'
  );
}

/**
 * Encodes channel messages with one reused protobufjs writer per thread.
 * `encode(message).finish()` costs a new writer (a pool slice), a buffer
 * grown by copying, and a final copy into a fresh Buffer per message: three
 * Buffer objects and two copies for a 200-byte message, and two 1 MiB
 * allocations and copies for a 1 MiB one (about 0.3 ms of the sender's CPU).
 * Here a small message is written into the scratch writer and copied once
 * into an 8 KiB slab (a plain Uint8Array view, cheaper to make than a
 * Buffer); a large one is written into a buffer of its own, which leaves
 * with it (no second copy).
 *
 * The result is owned by the caller (nothing writes into it afterwards).
 * Encoding is synchronous, so one encoder per thread is safe.
 */
export class MessageEncoder {
  private scratch: ScratchWriter | undefined;
  /** Plain view of scratch.buf (scratch.buf is a Buffer, whose subarray() builds a Buffer). */
  private scratchView: Uint8Array = new Uint8Array(0);
  /** Set by take() when the writer's buffer left with the message. */
  private handedOut = false;
  private slab = new ArrayBuffer(SLAB_BYTES);
  private slabOffset = 0;

  encode<M>(type: MessageType<M>, message: M): Uint8Array {
    const scratch = this.scratch;
    if (scratch === undefined) {
      const writer: unknown = type.encode(message);
      if (!looksLikeWriter(writer)) return (writer as { finish(): Uint8Array }).finish();
      const bytes = this.take(writer);
      if (!this.handedOut) this.keep(writer);
      return bytes;
    }
    let written: unknown;
    try {
      written = (type.encode as (message: M, writer: ScratchWriter) => unknown)(message, scratch);
    } catch (error) {
      // Half-written state (pos, forks) must not leak into the next message.
      this.scratch = undefined;
      throw error;
    }
    // A type that ignores the writer it is given encoded into one of its own.
    if (written !== scratch) return (written as { finish(): Uint8Array }).finish();
    const bytes = this.take(scratch);
    if (this.handedOut) this.scratch = undefined;
    else this.keep(scratch);
    return bytes;
  }

  /** Keeps `writer` for the next message, emptied, unless its buffer grew past SCRATCH_KEEP_MAX. */
  private keep(writer: ScratchWriter): void {
    writer.pos = 0;
    writer.states = null;
    this.scratch = writer.buf.length > SCRATCH_KEEP_MAX ? undefined : writer;
  }

  /** The message just written into `writer`, as bytes the caller owns; sets handedOut when they are the writer's own buffer. */
  private take(writer: ScratchWriter): Uint8Array {
    const length = writer.pos;
    const buf = writer.buf;
    this.handedOut = false;
    if (length >= SLAB_MESSAGE_MAX) {
      if (buf.length - length <= buf.length * HAND_OUT_MAX_WASTE) {
        // The buffer leaves with the message: the caller drops the writer, so nothing writes into it again.
        this.handedOut = true;
        return new Uint8Array(buf.buffer, buf.byteOffset, length);
      }
      const out = new Uint8Array(length);
      out.set(new Uint8Array(buf.buffer, buf.byteOffset, length));
      return out;
    }
    let view = this.scratchView;
    if (view.buffer !== buf.buffer || view.byteOffset !== buf.byteOffset || view.length !== buf.length) {
      view = this.scratchView = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    }
    if (length > SLAB_BYTES - this.slabOffset) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.slabOffset = 0;
    }
    const out = new Uint8Array(this.slab, this.slabOffset, length);
    // Keeps slices 8-byte aligned, as Buffer's pool does.
    this.slabOffset += (length + 7) & ~7;
    if (length <= 64) {
      for (let i = 0; i < length; i++) out[i] = view[i]!;
    } else {
      out.set(view.subarray(0, length));
    }
    return out;
  }
}

/** The encoder of this thread (encoding is synchronous, so channels share it). */
export const messageEncoder = new MessageEncoder();
