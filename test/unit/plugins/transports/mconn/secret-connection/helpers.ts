import { once } from 'node:events';
import net from 'node:net';
import { FrameOpener, FrameSealer, SEALED_FRAME_SIZE } from '../../../../../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import {
  computeHandshakeSecrets,
  decodeEphemeralKey,
  encodeAuthSigMessage,
  encodeEphemeralKeyMessage,
  EPHEMERAL_KEY_MESSAGE_MAX_SIZE,
  type HandshakeSecrets,
} from '../../../../../../plugins/transports/mconn/secret-connection/handshake.js';
import { generateEphemeralKeyPair, type EphemeralKeyPair } from '../../../../../../plugins/transports/mconn/secret-connection/keys.js';
import type { SecretConnectionKey } from '../../../../../../plugins/transports/mconn/secret-connection/make-secret-connection.js';
import { RawPeer, tcpPair } from '../../../../../support/raw-peer.js';
import { NodeKey } from '../../../../../../framework/identity/node-key.js';
import { makeSecretConnection } from '../../../../../../plugins/transports/mconn/secret-connection/make-secret-connection.js';
import type { SecretConnection } from '../../../../../../plugins/transports/mconn/secret-connection/secret-connection.js';

export { RawPeer };

/** Two ends of one real loopback TCP connection. */
export async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const [client, server] = await tcpPair({ noDelay: false });
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
    },
  };
}

/** Resolves once `socket` has fully closed (immediately if it already has). */
export async function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return;
  await once(socket, 'close');
}

export interface RawHandshake {
  readonly peer: RawPeer;
  readonly ephemeral: EphemeralKeyPair;
  readonly remoteEphemeral: Uint8Array;
  readonly secrets: HandshakeSecrets;
  readonly sealer: FrameSealer;
  readonly opener: FrameOpener;
}

/**
 * Runs the key exchange by hand (our key first, then the remote's) and
 * derives the session secrets, stopping before any AuthSigMessage.
 */
export async function rawKeyExchange(socket: net.Socket, ephemeral: EphemeralKeyPair = generateEphemeralKeyPair()): Promise<RawHandshake> {
  const peer = new RawPeer(socket);
  peer.write(encodeEphemeralKeyMessage(ephemeral.publicKey));
  const remoteEphemeral = decodeEphemeralKey(await peer.readDelimited(EPHEMERAL_KEY_MESSAGE_MAX_SIZE));
  const secrets = computeHandshakeSecrets(ephemeral, remoteEphemeral);
  return { peer, ephemeral, remoteEphemeral, secrets, sealer: new FrameSealer(secrets.sendKey), opener: new FrameOpener(secrets.recvKey) };
}

/** Reads the next sealed frame and returns its whole 1028-byte plaintext. */
export async function readRawFrame(hs: RawHandshake): Promise<Buffer> {
  return hs.opener.openFrame(await hs.peer.read(SEALED_FRAME_SIZE));
}

/** A full, honest handshake done by hand; the remote's AuthSig frame is consumed and returned. */
export async function rawHandshake(socket: net.Socket, key: SecretConnectionKey): Promise<RawHandshake & { remoteAuthFrame: Buffer }> {
  const hs = await rawKeyExchange(socket);
  hs.peer.write(hs.sealer.seal(encodeAuthSigMessage(key.publicKey, key.sign(hs.secrets.challenge))));
  return { ...hs, remoteAuthFrame: await readRawFrame(hs) };
}

// ---- evil peers: each misbehaves in exactly one way ----

/** Closes without ever sending its ephemeral key. */
export function evilNeverSendsKey(socket: net.Socket): void {
  socket.on('error', () => {});
  socket.end();
}

/** Sends a delimited message that is not a BytesValue (field 1 as a varint). */
export function evilGarbageKey(socket: net.Socket): void {
  socket.on('error', () => {});
  socket.write(Uint8Array.of(0x02, 0x08, 0x01));
}

/** Sends `key` (e.g. a low-order point) as its ephemeral key. */
export function evilEphemeralKey(socket: net.Socket, key: Uint8Array): void {
  socket.on('error', () => {});
  socket.write(encodeEphemeralKeyMessage(key));
}

/** Sends only the first half of its key message, then stalls without closing. */
export function evilSlowloris(socket: net.Socket): void {
  socket.on('error', () => {});
  socket.write(encodeEphemeralKeyMessage(generateEphemeralKeyPair().publicKey).subarray(0, 17));
}

/** Completes the key exchange, then closes instead of authenticating. */
export async function evilNeverSendsAuthSig(socket: net.Socket): Promise<void> {
  await rawKeyExchange(socket);
  socket.end();
}

/** Sends `authSigMessage` (already delimited) as its first encrypted message. */
export async function evilAuthSig(socket: net.Socket, build: (challenge: Uint8Array) => Uint8Array): Promise<void> {
  const hs = await rawKeyExchange(socket);
  hs.peer.write(hs.sealer.seal(build(hs.secrets.challenge)));
}

/** Sends a valid AuthSig frame with one ciphertext bit flipped. */
export async function evilTamperedAuthFrame(socket: net.Socket, key: SecretConnectionKey): Promise<void> {
  const hs = await rawKeyExchange(socket);
  const frame = hs.sealer.seal(encodeAuthSigMessage(key.publicKey, key.sign(hs.secrets.challenge)));
  frame[10] ^= 0x01;
  hs.peer.write(frame);
}

/** An honest handshake, after which `misbehave` may send whatever it likes. */
export async function evilAfterHandshake(socket: net.Socket, key: SecretConnectionKey, misbehave: (hs: RawHandshake) => void): Promise<void> {
  const hs = await rawHandshake(socket, key);
  misbehave(hs);
}

/** Reads exactly `n` bytes from a readable stream (all of it for n = 0 is not meaningful, so n > 0). */
export async function readBytes(stream: SecretConnection, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = stream.read() as Buffer | null;
    if (chunk === null) {
      if (stream.readableEnded || stream.destroyed) throw new Error(`stream ended after ${got} of ${n} bytes`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          stream.off('readable', wake).off('end', wake).off('close', wake);
          resolve();
        };
        stream.on('readable', wake).on('end', wake).on('close', wake);
      });
      continue;
    }
    parts.push(chunk);
    got += chunk.length;
  }
  const all = Buffer.concat(parts);
  // Anything beyond n belongs to the next read.
  if (all.length > n) stream.unshift(all.subarray(n));
  return all.subarray(0, n);
}

/** Two SecretConnections over one loopback TCP connection, both handshakes done. */
export async function connectedPair(): Promise<{ a: SecretConnection; b: SecretConnection; ka: NodeKey; kb: NodeKey; client: net.Socket; server: net.Socket; close: () => void }> {
  const { client, server, close } = await socketPair();
  const ka = NodeKey.generate();
  const kb = NodeKey.generate();
  const [a, b] = await Promise.all([makeSecretConnection(client, ka), makeSecretConnection(server, kb)]);
  return {
    a,
    b,
    ka,
    kb,
    client,
    server,
    close: () => {
      a.destroy();
      b.destroy();
      close();
    },
  };
}
