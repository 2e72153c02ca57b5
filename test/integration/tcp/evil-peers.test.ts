import assert from 'node:assert/strict';
import type { Subscription } from 'rxjs';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import type { Node } from '../../../node/node.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import type { Endpoint } from '../../../framework/address/endpoint.js';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { DialedIdMismatchError, IncompatiblePeerError } from '../../../framework/identity/errors.js';
import { HandshakeError, HandshakeTimeoutError, MessageTooLargeError } from '../../../framework/transport/errors.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { ECHO_CHANNEL_ID, EchoChannel } from '../../../reactors/echo/echo-channel.js';
import {
  AuthSignatureError,
  FrameDecryptionError,
  FrameLengthError,
  InvalidEphemeralKeyError,
  LowOrderPointError,
} from '../../../plugins/transports/mconn/secret-connection/errors.js';
import {
  EmptyPacketError,
  UnknownChannelError,
} from '../../../plugins/transports/mconn/mconnection/errors.js';
import type { MConnTransportOptions } from '../../../plugins/transports/mconn/options.js';
import { TOKENS } from '../../../framework/tokens.js';
import {
  assertHonestPeerServed,
  evilBadAuthSig,
  evilEmptyPacket,
  evilFrameLength,
  evilGarbageKey,
  evilIncompatibleNetwork,
  evilLowOrderKey,
  evilNoEphemeralKey,
  evilOverCapacityMessage,
  evilOversizedAuthSigPrefix,
  evilOversizedKeyPrefix,
  evilOversizedPacket,
  evilSlowloris,
  evilTamperedFrame,
  evilUnknownChannel,
  impostorListener,
  RawPeer,
} from '../../support/evil-peers.js';

type ErrorClass = abstract new (...args: never[]) => Error;
type FailureEvent = Extract<RouterEvent, { type: 'connection-rejected' | 'peer-down' | 'dial-failed' }>;

const PHASE_TIMEOUT_MS = 300;

function failureOf(event: RouterEvent): Error | undefined {
  if (event.type === 'connection-rejected' || event.type === 'dial-failed') return event.error;
  if (event.type === 'peer-down') return event.reason;
  return undefined;
}

/**
 * The next connection failure of `node` whose error is a `cls`. Depending on
 * when the violation lands, a hostile inbound peer is refused during the
 * handshake ('connection-rejected') or dropped right after it ('peer-down');
 * either way the error must be the precise one.
 */
function nextFailure(node: Node, cls: ErrorClass, types: FailureEvent['type'][], timeoutMs = 5000): Promise<{ event: FailureEvent; error: Error }> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    let subscription: Subscription | undefined = undefined;
    const timer = setTimeout(() => {
      subscription?.unsubscribe();
      reject(new Error(`no ${types.join('/')} event with ${cls.name} within ${timeoutMs} ms; saw: ${seen.join(', ') || 'nothing'}`));
    }, timeoutMs);
    subscription = node.events$.subscribe((event) => {
      const error = failureOf(event);
      if (error === undefined) return;
      seen.push(`${event.type}:${error.name}`);
      if (!(error instanceof cls) || !types.includes(event.type as FailureEvent['type'])) return;
      clearTimeout(timer);
      subscription?.unsubscribe();
      resolve({ event: event as FailureEvent, error });
    });
  });
}

describe('evil peers against a tmp2p node over TCP', function () {
  this.timeout(30_000);
  let net: TestNetwork;
  let target: Node;
  let endpoint: Endpoint;
  let peers: RawPeer[] = [];

  before(async () => {
    net = await createTestNetwork({
      nodes: 2,
      reactors: [EchoReactor],
      config: { p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' }, reactors: { echo: { ping_interval: '1h' } } },
      createNodeOptions: {
        configure: (container) => {
          const options = container.get<MConnTransportOptions>(TOKENS.MConnTransportOptions);
          container.rebind(TOKENS.MConnTransportOptions).toConstantValue({ ...options, handshakePhaseTimeoutMs: PHASE_TIMEOUT_MS });
        },
      },
    });
    await net.waitForFullMesh();
    target = net.node(0);
    endpoint = target.router.endpoints()[0]!;
  });

  after(async () => {
    await net?.stop();
  });

  afterEach(async function () {
    for (const peer of peers) peer.close();
    peers = [];
    await assertHonestPeerServed(net, target, this.currentTest?.title);
  });

  const handshakeCases: Array<[string, (e: Endpoint) => Promise<RawPeer>, ErrorClass, RegExp?]> = [
    ['no ephemeral key (hangs up at once)', evilNoEphemeralKey, HandshakeError, /EOF/],
    ['garbage instead of a BytesValue', evilGarbageKey, InvalidEphemeralKeyError, /wrong wireType/],
    ['low-order ephemeral key', evilLowOrderKey, LowOrderPointError],
    ['AuthSig signed by another key', evilBadAuthSig, AuthSignatureError, /challenge verification failed/],
    // Both send only a length prefix: waiting for the body would end in HandshakeTimeoutError, so the
    // precise error proves the node closed the connection after reading at most the prefix.
    ['a 1 MiB length prefix for its ephemeral key (3 bytes, nothing after)', evilOversizedKeyPrefix, MessageTooLargeError, /declares 1048576 bytes; the limit is 34/],
    ['a 1 MiB length prefix for its AuthSigMessage (one frame, nothing after)', evilOversizedAuthSigPrefix, MessageTooLargeError, /declares 1048576 bytes; the limit is 103/],
    ['slowloris: stops mid-frame', evilSlowloris, HandshakeTimeoutError, new RegExp(`within ${PHASE_TIMEOUT_MS} ms.*AuthSigMessage`)],
    ['incompatible network', evilIncompatibleNetwork, IncompatiblePeerError, /not-the-same-chain/],
  ];
  for (const [title, evil, cls, pattern] of handshakeCases) {
    it(`refuses a peer sending ${title} with ${cls.name}`, async () => {
      const failure = nextFailure(target, cls, ['connection-rejected']);
      const peer = await evil(endpoint);
      peers.push(peer);
      const { error, event } = await failure;
      assert.equal(event.type, 'connection-rejected');
      if (pattern) assert.match(error.message, pattern);
      await peer.closed; // the node hung up on it
    });
  }

  const afterHandshakeCases: Array<[string, (e: Endpoint) => Promise<RawPeer>, ErrorClass, RegExp?]> = [
    ['a tampered frame (bad MAC)', evilTamperedFrame, FrameDecryptionError, /failed to decrypt SecretConnection/],
    ['a frame whose length field exceeds 1024', evilFrameLength, FrameLengthError, /1025 payload bytes/],
    ['a packet over the size limit', (e) => evilOversizedPacket(e, ECHO_CHANNEL_ID), MessageTooLargeError, /packet declares \d+ bytes; the limit is 1034/],
    ['a message over the channel capacity', (e) => evilOverCapacityMessage(e, ECHO_CHANNEL_ID, EchoChannel.recvMessageCapacity), MessageTooLargeError, /recvMessageCapacity of 65536/],
    ['a packet on an unknown channel', (e) => evilUnknownChannel(e, 0x55), UnknownChannelError, /unknown channel 0x55/],
    ['an empty Packet', evilEmptyPacket, EmptyPacketError],
  ];
  for (const [title, evil, cls, pattern] of afterHandshakeCases) {
    it(`drops a peer sending ${title} with ${cls.name}`, async () => {
      const failure = nextFailure(target, cls, ['connection-rejected', 'peer-down']);
      const peer = await evil(endpoint);
      peers.push(peer);
      const { error } = await failure;
      if (pattern) assert.match(error.message, pattern);
      await peer.closed;
    });
  }

  it('fails a dial whose remote authenticates under another ID with DialedIdMismatchError (dialer side)', async () => {
    const impostor = await impostorListener(NodeKey.generate());
    try {
      const expected = NodeKey.generate().nodeId;
      const failure = nextFailure(target, DialedIdMismatchError, ['dial-failed']);
      target.addPeer(`${expected}@127.0.0.1:${impostor.endpoint.port}`);
      const { event, error } = await failure;
      assert.equal(event.type, 'dial-failed');
      assert.match((event as Extract<RouterEvent, { type: 'dial-failed' }>).address, new RegExp(`${expected}@127\\.0\\.0\\.1:${impostor.endpoint.port}`));
      assert.match(error.message, new RegExp(`dialed node ${expected} but the remote authenticated as [0-9a-f]{40}`));
    } finally {
      await impostor.close();
    }
  });

  it('survives all of them at once', async () => {
    const evils = [
      evilGarbageKey,
      evilLowOrderKey,
      evilBadAuthSig,
      evilTamperedFrame,
      evilFrameLength,
      evilEmptyPacket,
      (e: Endpoint) => evilUnknownChannel(e, 0x55),
      (e: Endpoint) => evilOversizedPacket(e, ECHO_CHANNEL_ID),
    ];
    const results = await Promise.all(evils.map((evil) => evil(endpoint)));
    peers.push(...results);
    await Promise.all(results.map((peer) => peer.closed));
  });
});
