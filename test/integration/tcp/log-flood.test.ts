import assert from 'node:assert/strict';
import { firstValueFrom, filter } from 'rxjs';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import type { Node } from '../../../node/node.js';
import type { Endpoint } from '../../../framework/address/endpoint.js';
import { NodeKey } from '../../../framework/identity/node-key.js';
import type { NodeInfo } from '../../../framework/identity/node-info.js';
import { Channel, Reactor } from '../../../framework/reactor/decorators.js';
import { defineChannel } from '../../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../../framework/router/channel.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { PEX_CHANNEL_ID } from '../../../reactors/pex/pex-channel.js';
import { ECHO_CHANNEL_ID, Ping } from '../../../reactors/echo/echo-channel.js';
import { countingLogger, type LogSink } from '../../support/log-sink.js';
import { assertHonestPeerServed, evilNodeInfo, fatalBurst, UNDECODABLE } from '../../support/evil-peers.js';

/** A channel the target opens but handles no message on: each message is a non-fatal peer error. */
const DEAF_CHANNEL = defineChannel({ id: 0x72, name: 'deaf', messageType: Ping });

@Reactor('log-flood-deaf')
class LogFloodDeafReactor {
  @Channel(DEAF_CHANNEL) readonly deaf!: ChannelHandle<Ping>;
}

/** Honest handshake sharing PEX, echo and the deaf channel, then `count` messages of `data` on `channelId` in one burst. */
function burst(endpoint: Endpoint, channelId: number, data: Uint8Array, count: number, nodeInfo?: (key: NodeKey) => NodeInfo) {
  const shared = (key: NodeKey) => evilNodeInfo(key, { channels: Uint8Array.of(PEX_CHANNEL_ID, ECHO_CHANNEL_ID, DEAF_CHANNEL.id) });
  return fatalBurst(endpoint, { channelId, data, count, nodeInfo: nodeInfo ?? shared });
}

function peerDown(node: Node, nodeId: string): Promise<unknown> {
  return firstValueFrom(node.events$.pipe(filter((e) => e.type === 'peer-down' && e.nodeId === nodeId)));
}

describe('log volume a hostile peer can cause, over TCP with a real handshake', function () {
  this.timeout(30_000);
  let net: TestNetwork;
  let target: Node;
  let endpoint: Endpoint;
  let sink: LogSink;
  let linesBefore: number;
  let bytesBefore: number;

  before(async () => {
    const counting = countingLogger('info');
    sink = counting.sink;
    net = await createTestNetwork({
      nodes: 2,
      reactors: [EchoReactor, LogFloodDeafReactor],
      logger: counting.logger,
      config: {
        p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' },
        reactors: { enabled: ['pex'], echo: { ping_interval: '1h' } },
      },
    });
    await net.waitForFullMesh();
    target = net.node(0);
    endpoint = target.router.endpoints()[0]!;
  });

  after(async () => {
    await net?.stop();
  });

  beforeEach(() => {
    linesBefore = sink.lines.length;
    bytesBefore = sink.bytes;
  });

  afterEach(async function () {
    await assertHonestPeerServed(net, target, this.currentTest?.title);
  });

  const logged = () => sink.bytes - bytesBefore;
  const entries = () => sink.entries(linesBefore);
  const shown = () => sink.lines.slice(linesBefore, linesBefore + 8).join('\n');
  const pexStats = () => target.router.metrics().channels!.find((c) => c.id === PEX_CHANNEL_ID)!;

  it('logs under 10 KB for a burst of 2,000 fatal messages, decoding one and discarding the rest', async () => {
    const decodeErrorsBefore = pexStats().decodeErrors;
    const discardedBefore = target.router.metrics().departedPeerDrops['closed-discard'] ?? 0;
    const { peer, key } = await burst(endpoint, PEX_CHANNEL_ID, UNDECODABLE, 2000);
    await peerDown(target, key.nodeId);
    await peer.closed;

    assert.ok(logged() < 10_000, `the attack cost ${logged()} bytes of log in ${entries().length} lines:\n${shown()}`);
    const errorLines = entries().filter((e) => e['msg'] === 'peer error');
    assert.equal(errorLines.length, 1, 'one log line for the peer errors of the connection');
    assert.equal((errorLines[0]!['error'] as { type: string }).type, 'MessageDecodeError');
    assert.doesNotMatch(sink.lines.slice(linesBefore).join('\n'), /"stack"/, 'no stack trace at info level');
    assert.equal(pexStats().decodeErrors - decodeErrorsBefore, 1, 'only the first message was decoded');
    const discarded = (target.router.metrics().departedPeerDrops['closed-discard'] ?? 0) - discardedBefore;
    assert.ok(discarded > 0, 'what the connection had buffered was discarded, counted');
  });

  it('logs one line per attacker when four flood at once', async () => {
    const attacks = await Promise.all(Array.from({ length: 4 }, () => burst(endpoint, PEX_CHANNEL_ID, UNDECODABLE, 2000)));
    await Promise.all(attacks.map(({ peer }) => peer.closed));
    await net.waitFor(() => attacks.every(({ key }) => !target.peers().includes(key.nodeId)), { what: 'every attacker dropped' });

    assert.ok(logged() < 4 * 10_000, `four attacks cost ${logged()} bytes of log:\n${shown()}`);
    const errorPeers = entries()
      .filter((e) => e['msg'] === 'peer error')
      .map((e) => e['peer'])
      .sort();
    assert.deepEqual(errorPeers, attacks.map(({ key }) => key.nodeId).sort());
  });

  it('logs one line for a stream of non-fatal errors, counting the rest, then cuts the peer off', async () => {
    const notLoggedBefore = target.router.metrics().peerErrorsNotLogged ?? 0;
    // Each Ping on the deaf channel is an UnhandledMessageError; past max_peer_errors (100) the peer is cut off.
    const ping = DEAF_CHANNEL.messageType.encode(Ping.create({ content: 'x' })).finish();
    const { peer, key } = await burst(endpoint, DEAF_CHANNEL.id, ping, 500);
    await peerDown(target, key.nodeId);
    await peer.closed;

    assert.ok(logged() < 10_000, `the attack cost ${logged()} bytes of log:\n${shown()}`);
    const errorLines = entries().filter((e) => e['msg'] === 'peer error');
    assert.equal(errorLines.length, 1, shown());
    assert.equal((errorLines[0]!['error'] as { type: string }).type, 'UnhandledMessageError');
    assert.ok((target.router.metrics().peerErrorsNotLogged ?? 0) - notLoggedBefore >= 100, 'the errors not logged are counted');
    const down = entries().find((e) => e['msg'] === 'peer down' && e['peer'] === key.nodeId)!;
    assert.ok((down['peerErrors'] as { notLogged: number }).notLogged >= 100, JSON.stringify(down));
  });

  it('cuts a 9,000-character moniker short in its log lines', async () => {
    const moniker = 'M'.repeat(9000);
    const { peer, key } = await burst(endpoint, PEX_CHANNEL_ID, UNDECODABLE, 1, (k) =>
      evilNodeInfo(k, { moniker, channels: Uint8Array.of(PEX_CHANNEL_ID, ECHO_CHANNEL_ID) }),
    );
    await peerDown(target, key.nodeId);
    await peer.closed;

    const up = sink.lines.slice(linesBefore).find((line) => line.includes('"peer up"') && line.includes(key.nodeId))!;
    assert.ok(up.length < 600, `the "peer up" line is ${up.length} bytes`);
    assert.match(up, /M…\(\+\d+ chars\)/);
    assert.ok(logged() < 10_000, `${logged()} bytes of log`);
  });
});
