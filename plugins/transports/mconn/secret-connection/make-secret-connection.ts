import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ED25519_PUBLIC_KEY_LENGTH } from '../../../../framework/identity/ed25519.js';
import { AbortError, InvalidArgumentError, P2PError } from '../../../../framework/errors/base.js';
import { HandshakeError, HandshakeTimeoutError } from '../../../../framework/transport/errors.js';
import { DelimitedReader } from '../../../../framework/transport/length-prefix.js';
import { FrameOpener, FrameSealer } from './frame-cipher.js';
import type { FrameAeadBackend } from './aead/frame-aead.js';
import { frameAeadReady } from './aead/select.js';
import { SealedFrameReader } from './frame-reader.js';
import {
  AUTH_SIG_MESSAGE_MAX_SIZE,
  computeHandshakeSecrets,
  decodeEphemeralKey,
  encodeAuthSigMessage,
  encodeEphemeralKeyMessage,
  EPHEMERAL_KEY_MESSAGE_MAX_SIZE,
  verifyAuthSigMessage,
} from './handshake.js';
import { generateEphemeralKeyPair, wipeEphemeralKeyPair } from './keys.js';
import { ignoreSocketError, SecretConnection } from './secret-connection.js';

/** CometBFT's transport gives the SecretConnection handshake a 3 s deadline. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 3000;

/** The local node's identity key: anything that can sign with an ed25519 key (e.g. NodeKey). */
export interface SecretConnectionKey {
  /** 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** 64-byte RFC 8032 signature over `message`. */
  sign(message: Uint8Array): Uint8Array;
}

export interface SecretConnectionOptions {
  /** Aborting rejects with AbortError and destroys the socket. Default: none. */
  readonly signal?: AbortSignal;
  /** Handshake deadline in ms; the socket is destroyed when it passes. Default 3000; Infinity disables it. */
  readonly timeoutMs?: number;
  /** ChaCha20-Poly1305 implementation for the frames. Default: the one frameAeadReady resolves with (sodium-native, else libsodium, else node:crypto). */
  readonly aead?: FrameAeadBackend;
  /**
   * Plaintext to send right behind our AuthSigMessage, in the same socket
   * write: sealed into frames of its own, exactly as a write() on the
   * finished SecretConnection would seal it, so the bytes on the wire are
   * the same and one write (and one wake-up of the peer) is saved. It goes
   * out before the remote's signature is verified, so it must be something
   * any peer may see (the NodeInfo). Default: nothing.
   */
  readonly sendWithAuthSig?: Uint8Array;
  /**
   * Keep the decrypted bytes that arrived behind the remote's AuthSigMessage
   * for takeInitialData() instead of making them the stream's first data, so
   * a caller that parses them itself (the NodeInfo) skips a turn through the
   * stream. Default false.
   */
  readonly keepInitialData?: boolean;
  /**
   * Send our ephemeral key only once the remote's has arrived, in the same
   * socket write as our AuthSigMessage (and `sendWithAuthSig`): one write
   * per side less, and the remote gets all of it in one read. The bytes are
   * the same. Only the accepting side may defer: a dialer (CometBFT's or
   * ours) sends its key at once, whereas two deferring peers would wait for
   * each other until the deadline. Default false.
   */
  readonly deferEphemeralKey?: boolean;
  /**
   * Called each time the handshake has handled a chunk read from the socket,
   * after any reply it made was written: the moment a caller starts waiting
   * for the remote's answer (MConnConnection keeps its thread's loop polling
   * then, see busy_poll). Default: none.
   */
  readonly afterEachRead?: () => void;
}

/** setTimeout fires at once for larger delays, so they are refused rather than silently broken. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function describeKey(key: Uint8Array): string {
  return key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
}

/**
 * Runs the symmetric SecretConnection handshake (STS over X25519 with a
 * Merlin transcript, CometBFT v0.38 wire format) on `socket` and resolves
 * with the encrypted stream. Both sides write immediately and read in
 * parallel; there are no initiator/responder roles.
 *
 * On failure the socket is destroyed and the promise rejects with:
 * HandshakeError ("EOF" when the remote closed early), InvalidEphemeralKeyError,
 * LowOrderPointError, AuthSignatureError, FrameDecryptionError, FrameLengthError,
 * MessageTooLargeError/InvalidVarintError, HandshakeTimeoutError or AbortError.
 */
export function makeSecretConnection(socket: Duplex, localKey: SecretConnectionKey, options: SecretConnectionOptions = {}): Promise<SecretConnection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const signal = options.signal;
  if (!(localKey?.publicKey instanceof Uint8Array) || localKey.publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || typeof localKey.sign !== 'function') {
    return Promise.reject(new InvalidArgumentError(`localKey must have a ${ED25519_PUBLIC_KEY_LENGTH}-byte ed25519 publicKey and a sign() method, got a publicKey of ${describeKey(localKey?.publicKey)}`));
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || (Number.isFinite(timeoutMs) && timeoutMs > MAX_TIMER_MS)) {
    return Promise.reject(new InvalidArgumentError(`timeoutMs must be a number of milliseconds in (0, ${MAX_TIMER_MS}] or Infinity, got ${String(timeoutMs)}`));
  }
  const extra = options.sendWithAuthSig;
  if (extra !== undefined && !(extra instanceof Uint8Array)) {
    return Promise.reject(new InvalidArgumentError(`sendWithAuthSig must be a Uint8Array, got ${typeof extra}`));
  }
  const flags = { keepInitialData: options.keepInitialData === true, deferEphemeralKey: options.deferEphemeralKey === true, afterEachRead: options.afterEachRead };
  if (options.aead !== undefined) return handshake(socket, localKey, timeoutMs, signal, options.aead, extra, flags);
  // The AEAD backend is chosen once, when this module loads; the socket is not read before it is.
  return frameAeadReady.then(
    (aead) => handshake(socket, localKey, timeoutMs, signal, aead, extra, flags),
    (error: unknown) => {
      socket.destroy();
      throw error;
    },
  );
}

function handshake(
  socket: Duplex,
  localKey: SecretConnectionKey,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  aead: FrameAeadBackend,
  sendWithAuthSig: Uint8Array | undefined,
  { keepInitialData, deferEphemeralKey, afterEachRead }: { readonly keepInitialData: boolean; readonly deferEphemeralKey: boolean; readonly afterEachRead: (() => void) | undefined },
): Promise<SecretConnection> {
  if (signal?.aborted) {
    socket.destroy();
    return Promise.reject(new AbortError('SecretConnection handshake aborted before it started', { cause: signal.reason }));
  }
  if (socket.destroyed || socket.readableEnded) {
    socket.destroy();
    return Promise.reject(new HandshakeError('unexpected EOF: the socket was already closed when the SecretConnection handshake started'));
  }

  return new Promise<SecretConnection>((resolve, reject) => {
    const ephemeral = generateEphemeralKeyPair();
    const keyReader = new DelimitedReader(EPHEMERAL_KEY_MESSAGE_MAX_SIZE);
    const authReader = new DelimitedReader(AUTH_SIG_MESSAGE_MAX_SIZE);
    let keys: { sealer: FrameSealer; frames: SealedFrameReader; challenge: Uint8Array } | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const waitingFor = (): string => (keys ? 'AuthSigMessage' : 'ephemeral key');
    const cleanup = (): void => {
      settled = true;
      wipeEphemeralKeyPair(ephemeral);
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      cleanup();
      socket.on('error', ignoreSocketError);
      socket.destroy();
      reject(err instanceof P2PError ? err : new HandshakeError(`SecretConnection handshake failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }));
    };

    const onEphemeralKey = (body: Uint8Array): void => {
      const remoteEphemeral = decodeEphemeralKey(body);
      const ourKeyMessage = deferEphemeralKey ? encodeEphemeralKeyMessage(ephemeral.publicKey) : undefined;
      const secrets = computeHandshakeSecrets(ephemeral, remoteEphemeral);
      wipeEphemeralKeyPair(ephemeral);
      const sealer = new FrameSealer(secrets.sendKey, { aead });
      // A net.Socket's chunks are fresh memory read by us alone, so frames are opened where they lie.
      const frames = new SealedFrameReader(new FrameOpener(secrets.recvKey, { aead }), { ownsChunks: socket instanceof Socket });
      keys = { sealer, frames, challenge: secrets.challenge };
      const signature = localKey.sign(secrets.challenge);
      const authSig = encodeAuthSigMessage(localKey.publicKey, signature);
      const keyLength = ourKeyMessage === undefined ? 0 : ourKeyMessage.length;
      const authSigLength = FrameSealer.sealedLength(authSig.length);
      const extraLength = sendWithAuthSig === undefined ? 0 : FrameSealer.sealedLength(sendWithAuthSig.length);
      const out = Buffer.allocUnsafe(keyLength + authSigLength + extraLength);
      if (ourKeyMessage !== undefined) out.set(ourKeyMessage, 0);
      sealer.sealInto([authSig], out.subarray(keyLength));
      // Sealed separately (the AuthSigMessage alone in its frame, as CometBFT sends it), written together.
      if (extraLength > 0) sealer.sealInto([sendWithAuthSig!], out.subarray(keyLength + authSigLength));
      socket.write(out);
    };

    const onEncrypted = (chunk: Uint8Array): void => {
      const k = keys!;
      const payload = k.frames.push(chunk);
      if (payload.length === 0) return;
      authReader.push(payload);
      const body = authReader.next();
      if (!body) return;
      const remotePublicKey = verifyAuthSigMessage(body, k.challenge);
      const after = authReader.takeBuffered();
      cleanup();
      resolve(new SecretConnection({ socket, sealer: k.sealer, frames: k.frames, remotePublicKey, initialData: after, keepInitialData }));
    };

    const readChunk = (chunk: Uint8Array): void => {
      if (keys) {
        onEncrypted(chunk);
        return;
      }
      keyReader.push(chunk);
      const body = keyReader.next();
      if (!body) return;
      onEphemeralKey(body);
      // Whatever followed the key message is already encrypted traffic.
      for (const rest of keyReader.takeBuffered()) {
        if (settled) break;
        onEncrypted(rest);
      }
    };
    const onData = (chunk: Uint8Array): void => {
      if (settled) return;
      try {
        readChunk(chunk);
      } catch (err) {
        fail(err);
        return;
      }
      afterEachRead?.();
    };
    const onEnd = (): void => fail(new HandshakeError(`unexpected EOF: the remote closed the connection during the SecretConnection handshake (waiting for its ${waitingFor()})`));
    const onClose = (): void => fail(new HandshakeError(`unexpected EOF: the socket closed during the SecretConnection handshake (waiting for the remote's ${waitingFor()})`));
    const onError = (err: Error): void => fail(new HandshakeError(`socket error during the SecretConnection handshake: ${err.message}`, { cause: err }));
    const onAbort = (): void => fail(new AbortError('SecretConnection handshake aborted', { cause: signal?.reason }));

    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => fail(new HandshakeTimeoutError(`SecretConnection handshake did not complete within ${timeoutMs} ms (waiting for the remote's ${waitingFor()})`)), timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    if (!deferEphemeralKey) socket.write(encodeEphemeralKeyMessage(ephemeral.publicKey));
    socket.resume();
  });
}
