import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH } from '../../../../framework/identity/ed25519.js';
import { verifyEd25519 } from '../../../../framework/identity/ed25519.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { tendermint } from '../../../../proto/gen/messages.js';
import { encodeDelimited } from '../../../../framework/transport/length-prefix.js';
import { AuthSignatureError, InvalidEphemeralKeyError } from './errors.js';
import { computeSharedSecret, deriveSecrets, sortEphemeralKeys, X25519_KEY_LENGTH, type EphemeralKeyPair } from './keys.js';
import { Transcript } from './merlin.js';

/*
 * The message-level steps of the SecretConnection handshake, free of any
 * I/O so the connection driver and misbehaving test peers share them.
 */

export const CHALLENGE_LENGTH = 32;

/*
 * Both handshake messages come before the peer has proved anything, so each
 * is read with a bound of what it can be (CometBFT reads both with 1 MiB,
 * which let 100 handshake slots that declare a megabyte and trickle it pin
 * 100 MB). A declared length above the bound fails the handshake as soon as
 * the length prefix is read, before any of the body is buffered.
 */
/** Ephemeral-key message body: BytesValue{value = 32-byte key} is tag, length, key (34 bytes). */
export const EPHEMERAL_KEY_MESSAGE_MAX_SIZE = 2 + X25519_KEY_LENGTH;
/**
 * AuthSigMessage body: pub_key (PublicKey with one key: at most 33 bytes, a
 * secp256k1 key, so that such a key still gets its precise error) and a
 * 64-byte sig, each behind a one-byte tag and length (103 bytes; an ed25519
 * one is 102).
 */
export const AUTH_SIG_MESSAGE_MAX_SIZE = 2 + (2 + 33) + 2 + ED25519_SIGNATURE_LENGTH;

const encoder = new TextEncoder();
const TRANSCRIPT_LABEL = 'TENDERMINT_SECRET_CONNECTION_TRANSCRIPT_HASH';
const LABEL_LOWER_KEY = encoder.encode('EPHEMERAL_LOWER_PUBLIC_KEY');
const LABEL_UPPER_KEY = encoder.encode('EPHEMERAL_UPPER_PUBLIC_KEY');
const LABEL_DH_SECRET = encoder.encode('DH_SECRET');
const LABEL_MAC = encoder.encode('SECRET_CONNECTION_MAC');
/** Every handshake's transcript starts from this state (Merlin's setup and the domain label), so each clones it instead of absorbing that again. */
const TRANSCRIPT_START = new Transcript(TRANSCRIPT_LABEL);

/** The plaintext first message: delimited `BytesValue{value = key}`, 35 bytes `22 0a 20 <key>`. */
export function encodeEphemeralKeyMessage(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== X25519_KEY_LENGTH) {
    throw new InvalidArgumentError(`an ephemeral public key is ${X25519_KEY_LENGTH} bytes, got ${publicKey instanceof Uint8Array ? publicKey.length : typeof publicKey}`);
  }
  const out = new Uint8Array(3 + X25519_KEY_LENGTH);
  out[0] = 2 + X25519_KEY_LENGTH;
  out[1] = 0x0a; // field 1, wire type 2
  out[2] = X25519_KEY_LENGTH;
  out.set(publicKey, 3);
  return out;
}

/** Reads a protobuf varint at `pos`; returns [value, next position]. Values above 2^53 lose precision, which no caller relies on. */
function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new InvalidEphemeralKeyError('ephemeral key message: unexpected EOF inside a varint');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, pos];
  }
  throw new InvalidEphemeralKeyError('ephemeral key message: integer overflow in a varint');
}

/** Skips one field body of `wireType` (a start group skips to its end group). */
function skipField(buf: Uint8Array, pos: number, wireType: number, depth = 0): number {
  switch (wireType) {
    case 0:
      return readVarint(buf, pos)[1];
    case 1:
      pos += 8;
      break;
    case 2: {
      const [len, next] = readVarint(buf, pos);
      pos = next + len;
      break;
    }
    case 3:
      if (depth > 64) throw new InvalidEphemeralKeyError('ephemeral key message: groups nested too deeply');
      for (;;) {
        const [tag, next] = readVarint(buf, pos);
        if (tag % 8 === 4) return next;
        pos = skipField(buf, next, tag % 8, depth + 1);
      }
    case 5:
      pos += 4;
      break;
    default:
      throw new InvalidEphemeralKeyError(`ephemeral key message: illegal wireType ${wireType}`);
  }
  if (pos > buf.length) throw new InvalidEphemeralKeyError('ephemeral key message: unexpected EOF inside a field');
  return pos;
}

/**
 * Decodes the remote's `BytesValue` body with gogoproto's rules and returns
 * the key as Go's `copy` into a [32]byte would: a short value is zero-padded,
 * a long one truncated, a missing one is all zeros (then rejected by DH).
 * @throws InvalidEphemeralKeyError ("wrong wireType" when field 1 is not length-delimited)
 */
export function decodeEphemeralKey(body: Uint8Array): Uint8Array {
  let value: Uint8Array = new Uint8Array(0);
  let pos = 0;
  while (pos < body.length) {
    const [tag, next] = readVarint(body, pos);
    pos = next;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 4) throw new InvalidEphemeralKeyError('ephemeral key message: BytesValue: wiretype end group for non-group');
    if (field <= 0) throw new InvalidEphemeralKeyError(`ephemeral key message: BytesValue: illegal tag ${field} (wire type ${wireType})`);
    if (field !== 1) {
      pos = skipField(body, pos, wireType);
      continue;
    }
    if (wireType !== 2) {
      throw new InvalidEphemeralKeyError(`ephemeral key message: proto: wrong wireType = ${wireType} for field Value (expected 2, length-delimited bytes)`);
    }
    const [len, start] = readVarint(body, pos);
    if (start + len > body.length) throw new InvalidEphemeralKeyError('ephemeral key message: unexpected EOF inside field Value');
    value = body.subarray(start, start + len);
    pos = start + len;
  }
  const key = new Uint8Array(X25519_KEY_LENGTH);
  key.set(value.subarray(0, X25519_KEY_LENGTH));
  return key;
}

export interface HandshakeSecrets {
  readonly sendKey: Uint8Array;
  readonly recvKey: Uint8Array;
  /** What each side signs with its node key. */
  readonly challenge: Uint8Array;
}

/**
 * Everything that follows from the two ephemeral keys: DH (rejecting
 * low-order points), the HKDF key split, and the Merlin challenge.
 * @throws LowOrderPointError
 */
export function computeHandshakeSecrets(local: EphemeralKeyPair, remotePublicKey: Uint8Array): HandshakeSecrets {
  const { lo, hi, locIsLeast } = sortEphemeralKeys(local.publicKey, remotePublicKey);
  const transcript = TRANSCRIPT_START.clone();
  transcript.appendMessage(LABEL_LOWER_KEY, lo);
  transcript.appendMessage(LABEL_UPPER_KEY, hi);
  const dh = computeSharedSecret(local, remotePublicKey);
  transcript.appendMessage(LABEL_DH_SECRET, dh);
  const { sendKey, recvKey } = deriveSecrets(dh, locIsLeast);
  return { sendKey, recvKey, challenge: transcript.extractBytes(LABEL_MAC, CHALLENGE_LENGTH) };
}

/*
 * An AuthSigMessage with a 32-byte ed25519 key and a 64-byte signature has one
 * encoding, the one every honest peer sends: `0a 22 0a 20 <key> 12 40 <sig>`
 * (102 bytes). It is written and recognised by hand; anything else goes
 * through protobuf, with the same results as before.
 */
const AUTH_SIG_BODY_LENGTH = 4 + ED25519_PUBLIC_KEY_LENGTH + 2 + ED25519_SIGNATURE_LENGTH;
const AUTH_SIG_KEY_AT = 4;
const AUTH_SIG_SIG_AT = AUTH_SIG_KEY_AT + ED25519_PUBLIC_KEY_LENGTH + 2;

/** Delimited `AuthSigMessage{pub_key{ed25519}, sig}`; 103 bytes for valid inputs. Lengths are not checked, so tests can build bad ones. */
export function encodeAuthSigMessage(publicKey: Uint8Array, signature: Uint8Array): Uint8Array {
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) {
    return encodeAuthSigBody({ pubKey: { ed25519: publicKey }, sig: signature });
  }
  const out = new Uint8Array(1 + AUTH_SIG_BODY_LENGTH);
  out[0] = AUTH_SIG_BODY_LENGTH; // uvarint of 102: one byte
  out[1] = 0x0a; // pub_key, length-delimited
  out[2] = 2 + ED25519_PUBLIC_KEY_LENGTH;
  out[3] = 0x0a; // PublicKey.ed25519, length-delimited
  out[4] = ED25519_PUBLIC_KEY_LENGTH;
  out.set(publicKey, 1 + AUTH_SIG_KEY_AT);
  out[1 + AUTH_SIG_SIG_AT - 2] = 0x12; // sig, length-delimited
  out[1 + AUTH_SIG_SIG_AT - 1] = ED25519_SIGNATURE_LENGTH;
  out.set(signature, 1 + AUTH_SIG_SIG_AT);
  return out;
}

/** Whether `body` is the one encoding of an AuthSigMessage with an ed25519 key and a 64-byte signature. */
function isCanonicalAuthSig(body: Uint8Array): boolean {
  return (
    body.length === AUTH_SIG_BODY_LENGTH &&
    body[0] === 0x0a &&
    body[1] === 2 + ED25519_PUBLIC_KEY_LENGTH &&
    body[2] === 0x0a &&
    body[3] === ED25519_PUBLIC_KEY_LENGTH &&
    body[AUTH_SIG_SIG_AT - 2] === 0x12 &&
    body[AUTH_SIG_SIG_AT - 1] === ED25519_SIGNATURE_LENGTH
  );
}

/** Delimited AuthSigMessage from arbitrary fields (e.g. a secp256k1 key), for tests of the verifier. */
export function encodeAuthSigBody(message: tendermint.p2p.AuthSigMessage.$Properties): Uint8Array {
  return encodeDelimited(tendermint.p2p.AuthSigMessage.encode(message).finish());
}

/**
 * Checks the remote's AuthSigMessage body against `challenge` and returns its
 * authenticated ed25519 public key. Verification follows ZIP-215, as CometBFT.
 * @throws AuthSignatureError
 */
export function verifyAuthSigMessage(body: Uint8Array, challenge: Uint8Array): Uint8Array {
  if (isCanonicalAuthSig(body)) {
    const ed = body.subarray(AUTH_SIG_KEY_AT, AUTH_SIG_KEY_AT + ED25519_PUBLIC_KEY_LENGTH);
    if (!verifyEd25519(ed, challenge, body.subarray(AUTH_SIG_SIG_AT))) {
      throw new AuthSignatureError(`challenge verification failed: the remote's signature does not verify under its key ${Buffer.from(ed).toString('hex')}`);
    }
    return new Uint8Array(ed);
  }
  let message: tendermint.p2p.AuthSigMessage;
  try {
    message = tendermint.p2p.AuthSigMessage.decode(body);
  } catch (err) {
    throw new AuthSignatureError(`remote AuthSigMessage is not valid protobuf: ${(err as Error).message}`, { cause: err });
  }
  const pubKey = message.pubKey;
  const ed = pubKey?.ed25519;
  const secp = pubKey?.secp256k1;
  if (secp != null && secp.length > 0 && (ed == null || ed.length === 0)) {
    throw new AuthSignatureError(`expected ed25519 pubkey, got a secp256k1 key (${secp.length} bytes) in the remote AuthSigMessage`);
  }
  if (ed == null || ed.length === 0) {
    throw new AuthSignatureError('expected ed25519 pubkey, but the remote AuthSigMessage carries no public key');
  }
  if (ed.length !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new AuthSignatureError(`expected ed25519 pubkey of ${ED25519_PUBLIC_KEY_LENGTH} bytes, got ${ed.length} bytes in the remote AuthSigMessage`);
  }
  const sig = message.sig ?? new Uint8Array(0);
  if (sig.length !== ED25519_SIGNATURE_LENGTH) {
    throw new AuthSignatureError(`remote AuthSigMessage signature is ${sig.length} bytes; an ed25519 signature is ${ED25519_SIGNATURE_LENGTH}`);
  }
  if (!verifyEd25519(ed, challenge, sig)) {
    throw new AuthSignatureError(`challenge verification failed: the remote's signature does not verify under its key ${Buffer.from(ed).toString('hex')}`);
  }
  return new Uint8Array(ed);
}
