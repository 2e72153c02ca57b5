import { createHash } from 'node:crypto';

/**
 * SHA-256 through node:crypto. Measured against @noble/hashes on this
 * project's machine: equal for the 33–65-byte inputs of Merkle nodes
 * (~2 µs each), 4× faster at 1 KiB and 13× at 64 KiB (block parts, large
 * txs), so node:crypto serves every size.
 */
export function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/** SHA-256 of the empty string: the Merkle root of no items, and the data/evidence/commit hash of an empty list. */
export const EMPTY_HASH: Uint8Array = sha256(new Uint8Array(0));

const LEAF_PREFIX = Uint8Array.of(0);
const INNER_PREFIX = Uint8Array.of(1);

function leafHash(item: Uint8Array): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(item).digest();
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(INNER_PREFIX).update(left).update(right).digest();
}

/** The largest power of two strictly below `n` (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The Merkle root CometBFT computes over a list of byte strings (RFC 6962
 * shape, SHA-256): no items → SHA-256(""); one item → SHA-256(0x00 ‖ item);
 * n items → SHA-256(0x01 ‖ root(first k) ‖ root(rest)) with k the largest
 * power of two below n. Leaves are the items themselves, not their hashes.
 */
export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return EMPTY_HASH;
  return subtreeRoot(items, 0, items.length);
}

function subtreeRoot(items: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leafHash(items[start]!);
  const k = splitPoint(n);
  return innerHash(subtreeRoot(items, start, start + k), subtreeRoot(items, start + k, end));
}
