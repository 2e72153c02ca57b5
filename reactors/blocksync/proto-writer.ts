import { InvalidArgumentError } from '../../framework/errors/base.js';

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const TEXT = new TextEncoder();
const TWO_32 = 2 ** 32;

/**
 * A minimal Protocol Buffers writer for the canonical encodings that hashes
 * are computed over. Presence is the caller's decision: the scalar writers
 * omit proto3 defaults (0, "", empty bytes) as every encoder does, while
 * `message` always writes its field — which is what a gogoproto
 * non-nullable sub-message needs and what protobufjs would not do for an
 * unset one. Numbers must be safe integers; 64-bit fields are written from
 * JavaScript numbers (heights, powers and timestamps all fit).
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private size = 0;

  /** A varint field (uint32/uint64/int64/enum); omitted when 0. Negative values take 10 bytes (two's complement). */
  varint(field: number, value: number | null | undefined): this {
    const v = value ?? 0;
    if (v === 0) return this;
    checkInteger(field, v);
    this.key(field, WIRE_VARINT);
    this.rawVarint(v);
    return this;
  }

  /** A length-delimited bytes field; omitted when empty. */
  bytes(field: number, value: Uint8Array | null | undefined): this {
    if (value === null || value === undefined || value.length === 0) return this;
    return this.message(field, value);
  }

  /** A string field (UTF-8); omitted when empty. */
  string(field: number, value: string | null | undefined): this {
    if (value === null || value === undefined || value === '') return this;
    return this.message(field, TEXT.encode(value));
  }

  /** A length-delimited field holding already-encoded bytes, written even when empty. */
  message(field: number, encoded: Uint8Array): this {
    this.key(field, WIRE_BYTES);
    this.rawVarint(encoded.length);
    this.flushPending();
    this.chunks.push(encoded);
    this.size += encoded.length;
    return this;
  }

  finish(): Uint8Array {
    this.flushPending();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private key(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number): void {
    if (value < 0) {
      let v = BigInt.asUintN(64, BigInt(value));
      while (v >= 0x80n) {
        this.pending.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.pending.push(Number(v));
      return;
    }
    let v = value;
    while (v >= 0x80) {
      this.pending.push((v % 0x80) | 0x80);
      v = v >= TWO_32 ? Math.floor(v / 0x80) : v >>> 7;
    }
    this.pending.push(v);
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.size += this.pending.length;
    this.pending = [];
  }
}

function checkInteger(field: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`field ${field}: ${value} is not an integer this encoder can write exactly`);
}

/** Encodes one message with `write` filling a fresh writer. */
export function encodeWith(write: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  write(w);
  return w.finish();
}
