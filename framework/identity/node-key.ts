import { createHash, randomBytes } from 'node:crypto';
import { access, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SEED_LENGTH, ed25519Signer, type Ed25519Signer } from './ed25519.js';
import { InvalidNodeKeyError, NodeKeyExistsError, NodeKeyFileError } from './errors.js';
import { nodeIdFromPublicKey, type NodeID } from './node-id.js';

/** Amino type name CometBFT writes for ed25519 private keys in node_key.json. */
export const NODE_KEY_TYPE = 'tendermint/PrivKeyEd25519';

/** Shape of CometBFT's node_key.json. */
export interface NodeKeyJSON {
  readonly priv_key: { readonly type: typeof NODE_KEY_TYPE; readonly value: string };
}

export interface NodeKeySaveOptions {
  /** Replace an existing file. Default false: an existing file raises NodeKeyExistsError. */
  readonly overwrite?: boolean;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** node_key.json is ~130 bytes; anything far larger is not a key file and is not read into memory. */
const MAX_KEY_FILE_SIZE = 64 * 1024;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * Publishes `tmp` as `path` unless `path` exists. link() fails with EEXIST
 * instead of replacing, which makes the check atomic; file systems without
 * hard links fall back to check-then-rename (racy, but still never clobbers
 * a file that existed before the call started).
 */
async function linkNoClobber(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path);
    return;
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(err) ?? '')) throw err;
  }
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) throw Object.assign(new Error(`${path} exists`), { code: 'EEXIST' });
  await rename(tmp, path);
}

/**
 * A node's ed25519 identity key. Its signer (libsodium's addon, else a
 * node:crypto key object) is prepared once, so that signing (once per
 * handshake) costs no key import.
 */
export class NodeKey {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly nodeId: NodeID;
  readonly #signer: Ed25519Signer;

  private constructor(seed: Uint8Array) {
    this.seed = seed;
    this.#signer = ed25519Signer(seed);
    this.publicKey = this.#signer.publicKey;
    this.nodeId = nodeIdFromPublicKey(this.publicKey);
  }

  /** A fresh random key (CSPRNG). */
  static generate(): NodeKey {
    return new NodeKey(new Uint8Array(randomBytes(ED25519_SEED_LENGTH)));
  }

  /** The key whose RFC 8032 private seed is `seed` (32 bytes; copied). */
  static fromSeed(seed: Uint8Array): NodeKey {
    if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) {
      const got = seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed;
      throw new InvalidNodeKeyError(`an ed25519 seed is ${ED25519_SEED_LENGTH} bytes, got ${got}`);
    }
    return new NodeKey(new Uint8Array(seed));
  }

  /**
   * Deterministic key from a secret: seed = SHA-256(secret), as CometBFT's
   * `ed25519.GenPrivKeyFromSecret`. Strings are UTF-8 encoded. Only for tests
   * and fixtures; a low-entropy secret gives a guessable key.
   */
  static fromSecret(secret: string | Uint8Array): NodeKey {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    return new NodeKey(new Uint8Array(createHash('sha256').update(bytes).digest()));
  }

  /**
   * Parses a node_key.json document (already JSON-parsed, or its text).
   * Each failure gets its own message so a broken file is easy to fix.
   */
  static fromJSON(json: unknown): NodeKey {
    let doc = json;
    if (typeof doc === 'string') {
      try {
        doc = JSON.parse(doc);
      } catch (err) {
        throw new InvalidNodeKeyError('node key is not valid JSON', { cause: err });
      }
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new InvalidNodeKeyError(`node key must be a JSON object like {"priv_key":{"type":"${NODE_KEY_TYPE}","value":"<base64>"}}`);
    }
    const privKey = (doc as Record<string, unknown>)['priv_key'];
    if (typeof privKey !== 'object' || privKey === null || Array.isArray(privKey)) {
      throw new InvalidNodeKeyError('node key has no "priv_key" object');
    }
    const { type, value } = privKey as Record<string, unknown>;
    if (type !== NODE_KEY_TYPE) {
      throw new InvalidNodeKeyError(`node key type is ${JSON.stringify(type)}; only ${JSON.stringify(NODE_KEY_TYPE)} is supported`);
    }
    if (typeof value !== 'string' || !BASE64_RE.test(value)) {
      throw new InvalidNodeKeyError('node key "priv_key.value" is not a padded standard base64 string');
    }
    const raw = new Uint8Array(Buffer.from(value, 'base64'));
    const expected = ED25519_SEED_LENGTH + ED25519_PUBLIC_KEY_LENGTH;
    if (raw.length !== expected) {
      throw new InvalidNodeKeyError(`node key "priv_key.value" decodes to ${raw.length} bytes; expected ${expected} (32-byte seed followed by 32-byte public key)`);
    }
    const key = new NodeKey(raw.slice(0, ED25519_SEED_LENGTH));
    if (!bytesEqual(key.publicKey, raw.subarray(ED25519_SEED_LENGTH))) {
      throw new InvalidNodeKeyError('node key is inconsistent: the public key stored in "priv_key.value" does not belong to its seed');
    }
    return key;
  }

  /** Reads a CometBFT-compatible node_key.json. */
  static async load(path: string): Promise<NodeKey> {
    let text: string;
    try {
      const handle = await open(path, 'r');
      try {
        const { size } = await handle.stat();
        if (size > MAX_KEY_FILE_SIZE) {
          throw new InvalidNodeKeyError(`node key file ${JSON.stringify(path)} is ${size} bytes; a node_key.json is far smaller (limit ${MAX_KEY_FILE_SIZE})`);
        }
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (err instanceof InvalidNodeKeyError) throw err;
      throw new NodeKeyFileError(path, `cannot read node key file ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new InvalidNodeKeyError(`node key file ${JSON.stringify(path)} is not valid JSON`, { cause: err });
    }
    try {
      return NodeKey.fromJSON(doc);
    } catch (err) {
      if (err instanceof InvalidNodeKeyError) {
        throw new InvalidNodeKeyError(`node key file ${JSON.stringify(path)}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /** Loads the key at `path`, or generates one and saves it there if the file does not exist. */
  static async loadOrGenerate(path: string): Promise<NodeKey> {
    try {
      return await NodeKey.load(path);
    } catch (err) {
      if (!(err instanceof NodeKeyFileError) || errorCode(err.cause) !== 'ENOENT') throw err;
    }
    const key = NodeKey.generate();
    try {
      await key.save(path);
      return key;
    } catch (err) {
      // Another process created the file between our read and write: use theirs.
      if (err instanceof NodeKeyExistsError) return NodeKey.load(path);
      throw err;
    }
  }

  /** Signs `message` (ed25519, RFC 8032); returns the 64-byte signature. */
  sign(message: Uint8Array): Uint8Array {
    return this.#signer.sign(message);
  }

  /** CometBFT's node_key.json object. */
  toJSON(): NodeKeyJSON {
    const raw = Buffer.concat([this.seed, this.publicKey]);
    return { priv_key: { type: NODE_KEY_TYPE, value: raw.toString('base64') } };
  }

  /**
   * Writes node_key.json with mode 0600, creating parent directories. The
   * file appears atomically (temp file + link/rename), so a crash never
   * leaves a half-written key behind.
   */
  async save(path: string, options: NodeKeySaveOptions = {}): Promise<void> {
    const overwrite = options.overwrite ?? false;
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const handle = await open(tmp, 'wx', 0o600);
      try {
        // CometBFT writes compact JSON without a trailing newline; match it byte for byte.
        await handle.writeFile(JSON.stringify(this.toJSON()), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (overwrite) {
        await rename(tmp, path);
      } else {
        await linkNoClobber(tmp, path);
      }
    } catch (err) {
      if (errorCode(err) === 'EEXIST') throw new NodeKeyExistsError(path, { cause: err });
      throw new NodeKeyFileError(path, `cannot write node key file ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err });
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
