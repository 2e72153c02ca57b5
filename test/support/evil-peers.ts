import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Endpoint } from '../../framework/address/endpoint.js';
import { NodeKey } from '../../framework/identity/node-key.js';
import { encodeNodeInfo, MAX_NODE_INFO_SIZE, type NodeInfo } from '../../framework/identity/node-info.js';
import { DelimitedReader, encodeDelimited, encodeUvarint } from '../../framework/transport/length-prefix.js';
import { FrameOpener, FrameSealer, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from '../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import {
  AUTH_SIG_MESSAGE_MAX_SIZE,
  computeHandshakeSecrets,
  decodeEphemeralKey,
  encodeAuthSigMessage,
  encodeEphemeralKeyMessage,
  EPHEMERAL_KEY_MESSAGE_MAX_SIZE,
  verifyAuthSigMessage,
  type HandshakeSecrets,
} from '../../plugins/transports/mconn/secret-connection/handshake.js';
import { generateEphemeralKeyPair } from '../../plugins/transports/mconn/secret-connection/keys.js';
import { encodeDelimitedPacket } from '../../plugins/transports/mconn/mconnection/packet-codec.js';
import { makeNodeInfo } from './node-info.js';
import { RawPeer } from './raw-peer.js';
import type { TestNetwork } from '../../node/testing/test-network.js';
import type { Node } from '../../node/node.js';
import { EchoReactor } from '../../reactors/echo/echo-reactor.js';

export { RawPeer };

/*
 * Hostile peers for a running tmp2p node, built from the SecretConnection
 * primitives so each one can break exactly one rule of the wire protocol.
 * Every `evil*` function connects to `endpoint` (from the local address
 * `from`, default the kernel's choice: the 127.0.0.0/8 range lets callers
 * play many IPs), misbehaves, and returns the peer so the caller can close
 * it; the node is expected to drop the connection. The integration tests
 * and the soak (test/support/soak) share them.
 */

/** A network other than the node's, to be rejected as incompatible. */
export const OTHER_NETWORK = 'not-the-same-chain';

/**
 * The canonical order-8 X25519 point
 * 0xe0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800
 * (DH with it yields all zeros for every private key).
 */
export const LOW_ORDER_POINT = Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex');

/**
 * Where an attack comes from and when it gives up: `from` is the local
 * address to bind (default: the kernel's choice); `signal` closes the socket,
 * failing whatever the attack was waiting for.
 */
export interface AttackOptions {
  readonly from?: string;
  readonly signal?: AbortSignal;
}

/** An otherwise valid NodeInfo for `key` on the default network, sharing the echo channel with the node under test. */
export function evilNodeInfo(key: NodeKey, overrides: Partial<NodeInfo> = {}): NodeInfo {
  return makeNodeInfo({
    nodeId: key.nodeId,
    listenAddr: 'tcp://127.0.0.1:1',
    network: 'tmp2p-devnet',
    version: 'evil',
    channels: Uint8Array.of(0x70),
    moniker: 'evil',
    other: { txIndex: '', rpcAddress: '' },
    ...overrides,
  });
}

/**
 * Whatever a hostile peer did, node 1 of `net` — the honest peer — is still
 * `target`'s only peer and still gets its echoes back.
 */
export async function assertHonestPeerServed(net: TestNetwork, target: Node, context = ''): Promise<void> {
  const honest = net.node(1);
  assert.deepEqual(target.peers(), [honest.nodeId], `${context}: the honest peer must stay the only peer`);
  const echo = honest.reactor(EchoReactor);
  const before = echo.stats.pongsReceived;
  echo.ping();
  await net.waitFor(() => echo.stats.pongsReceived > before, { what: 'an echo round trip with the honest peer', timeoutMs: 5000 });
}

/** A peer past the key exchange: it can seal and open frames but has not authenticated. */
export interface RawSession {
  readonly peer: RawPeer;
  readonly secrets: HandshakeSecrets;
  readonly sealer: FrameSealer;
  readonly opener: FrameOpener;
}

export async function rawKeyExchange(peer: RawPeer): Promise<RawSession> {
  const ephemeral = generateEphemeralKeyPair();
  peer.write(encodeEphemeralKeyMessage(ephemeral.publicKey));
  const secrets = computeHandshakeSecrets(ephemeral, decodeEphemeralKey(await peer.readDelimited(EPHEMERAL_KEY_MESSAGE_MAX_SIZE)));
  return { peer, secrets, sealer: new FrameSealer(secrets.sendKey), opener: new FrameOpener(secrets.recvKey) };
}

/** The next delimited message in the decrypted stream (frames opened one at a time). */
async function readSealedMessage(session: RawSession, maxSize: number): Promise<Uint8Array> {
  const reader = new DelimitedReader(maxSize);
  for (;;) {
    reader.push(session.opener.open(await session.peer.read(SEALED_FRAME_SIZE)));
    const message = reader.next();
    if (message) return message;
  }
}

/**
 * An honest SecretConnection handshake and NodeInfo exchange as `key`:
 * returns once the node's NodeInfo has been read, so whatever is sent next
 * arrives after the node has its handshake result.
 */
export async function rawHonestHandshake(peer: RawPeer, key: NodeKey, nodeInfo: NodeInfo = evilNodeInfo(key)): Promise<RawSession & { remotePublicKey: Uint8Array }> {
  const session = await rawKeyExchange(peer);
  peer.write(session.sealer.seal(encodeAuthSigMessage(key.publicKey, key.sign(session.secrets.challenge))));
  const remotePublicKey = verifyAuthSigMessage(await readSealedMessage(session, AUTH_SIG_MESSAGE_MAX_SIZE), session.secrets.challenge);
  peer.write(session.sealer.seal(encodeDelimited(encodeNodeInfo(nodeInfo))));
  await readSealedMessage(session, MAX_NODE_INFO_SIZE);
  return { ...session, remotePublicKey };
}

async function connectedAndHandshaken(endpoint: Endpoint, options: AttackOptions & { nodeInfo?: (key: NodeKey) => NodeInfo }) {
  const peer = await RawPeer.connect(endpoint, options);
  const key = NodeKey.generate();
  const session = await closingOnError(peer, () => rawHonestHandshake(peer, key, options.nodeInfo?.(key)));
  return { peer, key, session };
}

/** Runs `step` on `peer`, closing the peer if it throws (a refused attacker must not leak its socket). */
async function closingOnError<T>(peer: RawPeer, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    peer.close();
    throw error;
  }
}

// ---- during the SecretConnection handshake ----

/** Connects and hangs up without sending its ephemeral key. */
export async function evilNoEphemeralKey(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const peer = await RawPeer.connect(endpoint, options);
  peer.socket.end();
  return peer;
}

/** Sends a delimited message that is not a BytesValue (field 1 encoded as a varint). */
export async function evilGarbageKey(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const peer = await RawPeer.connect(endpoint, options);
  peer.write(Uint8Array.of(0x02, 0x08, 0x01));
  return peer;
}

/** Offers a low-order point as its ephemeral key. */
export async function evilLowOrderKey(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const peer = await RawPeer.connect(endpoint, options);
  peer.write(encodeEphemeralKeyMessage(LOW_ORDER_POINT));
  return peer;
}

/** Signs the challenge with one key but presents another in its AuthSigMessage. */
export async function evilBadAuthSig(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const peer = await RawPeer.connect(endpoint, options);
  const session = await closingOnError(peer, () => rawKeyExchange(peer));
  const signer = NodeKey.generate();
  const claimed = NodeKey.generate();
  peer.write(session.sealer.seal(encodeAuthSigMessage(claimed.publicKey, signer.sign(session.secrets.challenge))));
  return peer;
}

/** Sends the first half of its AuthSig frame and then nothing, keeping the socket open. */
export async function evilSlowloris(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const peer = await RawPeer.connect(endpoint, options);
  const session = await closingOnError(peer, () => rawKeyExchange(peer));
  const key = NodeKey.generate();
  const frame = session.sealer.seal(encodeAuthSigMessage(key.publicKey, key.sign(session.secrets.challenge)));
  peer.write(frame.subarray(0, SEALED_FRAME_SIZE / 2));
  return peer;
}

/**
 * Declares a 1 MiB ephemeral-key message and sends nothing more: only its
 * 3-byte prefix can be read, so the node must judge the message by it.
 */
export async function evilOversizedKeyPrefix(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const peer = await RawPeer.connect(endpoint, options);
  peer.write(encodeUvarint(1024 * 1024));
  return peer;
}

/** Completes the key exchange, then declares a 1 MiB AuthSigMessage in a sealed frame that holds only the prefix. */
export async function evilOversizedAuthSigPrefix(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const peer = await RawPeer.connect(endpoint, options);
  const session = await closingOnError(peer, () => rawKeyExchange(peer));
  peer.write(session.sealer.seal(encodeUvarint(1024 * 1024)));
  return peer;
}

// ---- during the NodeInfo exchange ----

/** Authenticates honestly but is on another chain. */
export async function evilIncompatibleNetwork(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  return (await connectedAndHandshaken(endpoint, { ...options, nodeInfo: (key) => evilNodeInfo(key, { network: OTHER_NETWORK }) })).peer;
}

// ---- after the handshake ----

/** A valid data frame with one ciphertext bit flipped (bad Poly1305 tag). */
export async function evilTamperedFrame(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const { peer, session } = await connectedAndHandshaken(endpoint, options);
  const frame = session.sealer.seal(Uint8Array.of(0x02, 0x0a, 0x00));
  frame[20] ^= 0x01;
  peer.write(frame);
  return peer;
}

/** A correctly sealed frame whose plaintext length field says 1025 (> 1024). */
export async function evilFrameLength(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const { peer, session } = await connectedAndHandshaken(endpoint, options);
  const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
  plain.writeUInt32LE(1025, 0);
  const sealed = Buffer.alloc(SEALED_FRAME_SIZE);
  session.sealer.sealFrame(plain, sealed, 0);
  peer.write(sealed);
  return peer;
}

/** A PacketMsg carrying 2000 bytes: its body exceeds the 1034-byte packet limit. */
export async function evilOversizedPacket(endpoint: Endpoint, channelId: number, options: AttackOptions = {}): Promise<RawPeer> {
  const { peer, session } = await connectedAndHandshaken(endpoint, options);
  peer.write(session.sealer.seal(encodeDelimitedPacket({ kind: 'msg', channelId, eof: true, data: new Uint8Array(2000) })));
  return peer;
}

/** Valid 1024-byte packets on `channelId` adding up to more than its `capacity`. */
export async function evilOverCapacityMessage(endpoint: Endpoint, channelId: number, capacity: number, options: AttackOptions = {}): Promise<RawPeer> {
  const { peer, session } = await connectedAndHandshaken(endpoint, options);
  const packets = Math.ceil((capacity + 1) / 1024);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < packets; i++) {
    parts.push(encodeDelimitedPacket({ kind: 'msg', channelId, eof: i === packets - 1, data: new Uint8Array(1024).fill(i) }));
  }
  peer.write(session.sealer.seal(parts));
  return peer;
}

/** A PacketMsg on a channel the node never opened. */
export async function evilUnknownChannel(endpoint: Endpoint, channelId: number, options: AttackOptions = {}): Promise<RawPeer> {
  const { peer, session } = await connectedAndHandshaken(endpoint, options);
  peer.write(session.sealer.seal(encodeDelimitedPacket({ kind: 'msg', channelId, eof: true, data: Uint8Array.of(1) })));
  return peer;
}

/** A zero-length Packet: none of ping, pong or msg set. */
export async function evilEmptyPacket(endpoint: Endpoint, options: AttackOptions = {}): Promise<RawPeer> {
  const { peer, session } = await connectedAndHandshaken(endpoint, options);
  peer.write(session.sealer.seal(Uint8Array.of(0x00)));
  return peer;
}

/** Bytes that are no `tendermint.p2p.Message`: field 1 with wire type 7, which does not exist. */
export const UNDECODABLE = Uint8Array.of(0x0f, 0x01);

/**
 * Honest handshake as a fresh key, then `count` messages of `data` on
 * `channelId` sealed and written in one burst: all of it is in the node's
 * buffers before it has handled the first.
 */
export async function fatalBurst(
  endpoint: Endpoint,
  burst: { channelId: number; data: Uint8Array; count: number; nodeInfo?: (key: NodeKey) => NodeInfo },
  options: AttackOptions = {},
): Promise<{ peer: RawPeer; key: NodeKey }> {
  const { peer, key, session } = await connectedAndHandshaken(endpoint, { ...options, nodeInfo: burst.nodeInfo });
  const packet = encodeDelimitedPacket({ kind: 'msg', channelId: burst.channelId, eof: true, data: burst.data });
  peer.write(session.sealer.seal(Array.from({ length: burst.count }, () => packet)));
  return { peer, key };
}

/**
 * One turn of handshake churn: connect, complete the SecretConnection
 * handshake and NodeInfo exchange as `key`, hang up. Resolves with the
 * public key the node proved.
 */
export async function churnHandshake(endpoint: Endpoint, key: NodeKey, options: AttackOptions = {}): Promise<Uint8Array> {
  const peer = await RawPeer.connect(endpoint, options);
  try {
    return (await rawHonestHandshake(peer, key)).remotePublicKey;
  } finally {
    peer.close();
  }
}

// ---- as a dial target ----

/**
 * A listener that completes every handshake honestly as `key`: dialing it
 * under any other node ID must fail the dialer's identity check.
 */
export async function impostorListener(key: NodeKey): Promise<{ server: Server; endpoint: Endpoint; peers: RawPeer[]; close(): Promise<void> }> {
  const peers: RawPeer[] = [];
  const server = createServer((socket) => {
    const peer = new RawPeer(socket);
    peers.push(peer);
    rawHonestHandshake(peer, key).catch(() => peer.close());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    endpoint: { protocol: 'mconn', ip: '127.0.0.1', port },
    peers,
    close: async () => {
      for (const peer of peers) peer.close();
      server.close();
      await once(server, 'close');
    },
  };
}
