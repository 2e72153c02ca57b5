import { createHash } from 'node:crypto';
import { sodiumNative } from '../crypto/sodium-native.js';
import { InvalidNodeIDError, InvalidNodeKeyError } from './errors.js';

declare const nodeIdBrand: unique symbol;

/**
 * A validated node ID: lowercase hex of the first 20 bytes of SHA-256 of the
 * node's ed25519 public key (40 characters). The brand makes the compiler
 * insist that raw strings go through `parseNodeID`/`normalizeNodeID` first.
 */
export type NodeID = string & { readonly [nodeIdBrand]: true };

/** Length of a node ID in hex characters (20 bytes). */
export const NODE_ID_LENGTH = 40;

const NODE_ID_RE = /^[0-9a-f]{40}$/;

/** Describes the first rule `value` breaks; undefined when it is a valid node ID. */
function nodeIdProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.length !== NODE_ID_LENGTH) return `it has ${value.length} characters, expected exactly ${NODE_ID_LENGTH}`;
  if (/[A-F]/.test(value) && /^[0-9a-fA-F]*$/.test(value)) return 'it contains upper-case hex digits; node IDs are lowercase';
  if (!NODE_ID_RE.test(value)) return 'it contains characters other than 0-9 and a-f';
  return undefined;
}

/**
 * Strictly parses a node ID: exactly 40 lowercase hex characters. Upper case
 * is rejected because CometBFT compares IDs as strings, so an upper-case ID
 * can never match the one derived from a key.
 */
export function parseNodeID(value: string): NodeID {
  if (typeof value !== 'string') {
    throw new InvalidNodeIDError(String(value), `invalid node ID: expected a string, got ${typeof value}`);
  }
  const problem = nodeIdProblem(value);
  if (problem !== undefined) {
    throw new InvalidNodeIDError(value, `invalid node ID ${JSON.stringify(value)}: ${problem} (a node ID is 40 lowercase hex characters)`);
  }
  return value as NodeID;
}

/** Lower-cases then validates, for IDs typed by humans (config files, CLI). */
export function normalizeNodeID(value: string): NodeID {
  if (typeof value !== 'string') {
    throw new InvalidNodeIDError(String(value), `invalid node ID: expected a string, got ${typeof value}`);
  }
  return parseNodeID(value.toLowerCase());
}

export function isNodeID(value: unknown): value is NodeID {
  return typeof value === 'string' && NODE_ID_RE.test(value);
}

/** Derives the node ID of a 32-byte ed25519 public key (CometBFT `PubKeyToID`). */
export function nodeIdFromPublicKey(publicKey: Uint8Array): NodeID {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    const got = publicKey instanceof Uint8Array ? `${publicKey.length} bytes` : typeof publicKey;
    throw new InvalidNodeKeyError(`cannot derive a node ID: an ed25519 public key is 32 bytes, got ${got}`);
  }
  // Once per handshake and side: libsodium's SHA-256 where it loaded costs a fifth of a node:crypto Hash object.
  let digest: Buffer;
  const sodium = sodiumNative();
  if (sodium !== undefined) {
    digest = Buffer.allocUnsafe(32);
    sodium.crypto_hash_sha256(digest, publicKey);
  } else {
    digest = createHash('sha256').update(publicKey).digest();
  }
  return digest.toString('hex', 0, 20) as NodeID;
}
