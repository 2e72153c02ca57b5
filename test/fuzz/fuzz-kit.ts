import assert from 'node:assert/strict';
import fc from 'fast-check';
import { P2PError } from '../../framework/errors/base.js';

/*
 * The fuzz suite's rules. Every decoder and parser that sees a peer's or a
 * user's bytes must, for any input, either succeed or throw a typed tmp2p
 * error — a P2PError subclass with a name of its own — never a TypeError,
 * RangeError or anything else a bug throws; and what it returns or holds is
 * bounded by the input, never by a length the input merely declares.
 *
 * Runs per property: TMP2P_FUZZ_RUNS (default 2000, the npm test budget; the
 * long mode is `npm run fuzz -- --runs N`, which the soak can run alongside).
 * TMP2P_FUZZ_SEED replays a run; fast-check prints the seed and path of a
 * failure.
 */
export const FUZZ_RUNS = positiveInteger(process.env['TMP2P_FUZZ_RUNS']) ?? 2000;
const SEED = process.env['TMP2P_FUZZ_SEED'] === undefined ? undefined : Number(process.env['TMP2P_FUZZ_SEED']);

function positiveInteger(text: string | undefined): number | undefined {
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** fast-check parameters of every property: the run count (scaled by `weight` for costly targets) and the seed. */
export function fuzzParameters(weight = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(FUZZ_RUNS * weight)), ...(SEED === undefined ? {} : { seed: SEED }) };
}

/** Fails unless `error` is a typed tmp2p error (named, and not the bare base class). */
export function assertTyped(error: unknown, what: string): asserts error is P2PError {
  if (!(error instanceof Error)) assert.fail(`${what} threw a non-Error: ${String(error)}`);
  if (!(error instanceof P2PError) || error.name === 'P2PError' || error.name === 'Error') {
    assert.fail(`${what} threw an untyped ${error.name}: ${error.message}\n${error.stack}`);
  }
}

/** Runs `fn`; returns its result, or undefined after checking that what it threw is typed. */
export function typedOrResult<T>(what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    assertTyped(error, what);
    return undefined;
  }
}

/** The async form of typedOrResult. */
export async function typedOrResolved<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    assertTyped(error, what);
    return undefined;
  }
}

/** Bytes, mostly short, now and then long: decoders are tried at their limits too. */
export const bytes = (maxLength = 2048) =>
  fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength }) });

/** A value a peer may declare in a uvarint: tiny to 2^64 - 1 (beyond what a JS number holds exactly). */
export const uvarintValue = fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: 0n, max: 2n ** 31n }),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n),
);

/** `value` as uvarint bytes, whatever its size (the product's encoder takes safe integers only). */
export function rawUvarint(value: bigint): number[] {
  const out: number[] = [];
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
  return out;
}

/** Splits `data` into chunks at the cut points `cuts` (positions taken modulo its length). */
export function chunked(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  if (data.length === 0) return [];
  const points = [...new Set(cuts.map((c) => c % data.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(data.subarray(from, p));
    from = p;
  }
  out.push(data.subarray(from));
  return out;
}

/**
 * Text from a user or a peer: printable ASCII, full unicode, the characters
 * parsers split on, and long runs of them.
 */
export const hostileText = (alphabet = ':/@.[]%?#=,;"\\ \t\n0123456789abcdefxABCDEF-_') =>
  fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: 1000, maxLength: 5000 }),
  );
