import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { Node } from '../../../node/node.js';
import type { Connection } from '../../../framework/transport/transport.js';
import { echoRoundTrip, handshakeFrom, loopbackSocket } from '../../support/loopback-peer.js';
import { port, rejected, tcpNode, waitFor } from './helpers.js';

const NETWORK = 'gating-test';

/**
 * Holds `count` idle sockets from 127.0.0.1 and reopens each one the node
 * closes, as fast as the node closes them: a stranger trying to keep every
 * inbound handshake slot busy without ever speaking.
 */
class IdleSocketFlood {
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  opened = 0;

  constructor(
    private readonly port: number,
    count: number,
  ) {
    for (let i = 0; i < count; i++) this.open();
  }

  private open(): void {
    if (this.stopped) return;
    void loopbackSocket(this.port).then(
      (socket) => {
        this.opened++;
        if (this.stopped) return socket.destroy();
        this.sockets.add(socket);
        // Drop the node's first handshake bytes unread: a paused socket with unread data never
        // sees the node's close, and the holder must reopen every socket the node closes.
        socket.resume();
        socket.once('close', () => {
          this.sockets.delete(socket);
          setImmediate(() => this.open());
        });
      },
      () => setTimeout(() => this.open(), 10),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const socket of this.sockets) socket.destroy();
  }
}

describe('admission budgets under attack over loopback TCP', function () {
  this.timeout(60_000);
  const nodes: Node[] = [];
  const open: Connection[] = [];
  let flood: IdleSocketFlood | undefined;
  const start = async (...args: Parameters<typeof tcpNode>) => {
    const node = await tcpNode(...args);
    nodes.push(node);
    return node;
  };
  afterEach(async () => {
    flood?.stop();
    flood = undefined;
    for (const c of open.splice(0)) c.close();
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  for (const [title, gating] of [
    ['with the default settings', {}],
    ['with the per-IP connection cap off (the per-IP handshake share alone)', { per_ip: { max_connections: 0 } }],
  ] as const) {
    it(`lets an honest peer from another IP handshake and echo while one IP holds 100 idle sockets, ${title}`, async () => {
      const node = await start({ gating });
      flood = new IdleSocketFlood(port(node), 100);
      // The flood is in full swing: its share is taken and every further socket is refused and reopened.
      await waitFor(() => flood!.opened > 300, 'the flood to reopen refused sockets', 30_000);
      const handshakes = node.router.metrics().gating!.inboundHandshakes;
      assert.ok(handshakes.inProgress <= 4, `${handshakes.inProgress} handshakes in progress from one IP`);
      assert.ok(rejected(node, 'inbound', 'ip-handshake-capacity') > 200);

      const honest = await handshakeFrom(port(node), '127.0.0.2', NETWORK, AbortSignal.timeout(20_000));
      open.push(honest.connection);
      assert.equal(await echoRoundTrip(honest.connection, 'still here', AbortSignal.timeout(20_000)), 'still here');
      assert.ok(node.peers().includes(honest.key.nodeId));
      assert.ok(node.router.metrics().gating!.inboundHandshakes.inProgress <= 4, 'the flood never got more than its share');
    });
  }

  it('keeps another IP’s peer and the persistent peer connecting while one IP opens 70 authenticated connections', async () => {
    const persistent = await start({ p2p: { laddr: 'tcp://127.0.0.3:0' } });
    const node = await start({ p2p: { persistent_peers: `${persistent.nodeId}@127.0.0.3:${port(persistent)}` } });
    await waitFor(() => node.peers().includes(persistent.nodeId), 'the persistent peer to connect', 30_000);

    const attempts = await Promise.allSettled(Array.from({ length: 70 }, () => handshakeFrom(port(node), '127.0.0.1', NETWORK, AbortSignal.timeout(20_000))));
    for (const a of attempts) if (a.status === 'fulfilled') open.push(a.value.connection);
    node.router.peer(persistent.nodeId)!.close(new Error('let it reconnect under attack'));
    const fromAttacker = node.peers().filter((id) => id !== persistent.nodeId).length;
    assert.ok(fromAttacker <= 4, `${fromAttacker} peers from one IP (gating.per_ip.max_connections = 4)`);
    assert.ok(rejected(node, 'inbound', 'ip-limit') + rejected(node, 'inbound', 'ip-handshake-capacity') >= 66);

    const honest = await handshakeFrom(port(node), '127.0.0.2', NETWORK, AbortSignal.timeout(20_000));
    open.push(honest.connection);
    assert.equal(await echoRoundTrip(honest.connection, 'hello', AbortSignal.timeout(20_000)), 'hello');
    await waitFor(() => node.peers().includes(persistent.nodeId), 'the persistent peer to reconnect', 20_000);
  });

  it('without per-IP limits, caps inbound peers at max_inbound_connections and keeps dialing out and reaching the persistent peer', async () => {
    const persistent = await start({ p2p: { laddr: 'tcp://127.0.0.3:0' } });
    const other = await start({ p2p: { laddr: 'tcp://127.0.0.4:0' } });
    // The loopback testnet settings: nothing but the inbound budget stands in the attacker's way.
    const node = await start({
      p2p: { persistent_peers: `${persistent.nodeId}@127.0.0.3:${port(persistent)}`, max_concurrent_inbound_handshakes_per_ip: 0 },
      gating: { per_ip: { max_connections: 0 } },
    });
    await waitFor(() => node.peers().includes(persistent.nodeId), 'the persistent peer to connect', 30_000);

    // Ten at a time, so that no handshake runs into its deadline however busy the machine is.
    const held: Connection[] = [];
    for (let batch = 0; batch < 7; batch++) {
      const connections = await Promise.all(Array.from({ length: 10 }, () => handshakeFrom(port(node), '127.0.0.1', NETWORK, AbortSignal.timeout(30_000))));
      held.push(...connections.map((c) => c.connection));
      open.push(...connections.map((c) => c.connection));
    }
    const attackers = () => node.peers().filter((id) => id !== persistent.nodeId).length;
    await waitFor(() => node.peerManager.metrics().rejected['max-inbound'] + attackers() === 70, 'every attacker to be admitted or refused', 30_000);
    assert.equal(attackers(), 40);
    assert.equal(node.peerManager.metrics().rejected['max-inbound'], 30);
    await waitFor(() => held.filter((c) => !c.isClosed).length === 40, 'refused connections to close');
    node.router.peer(persistent.nodeId)!.close(new Error('let it reconnect under attack'));

    node.addPeer(`${other.nodeId}@127.0.0.4:${port(other)}`);
    await waitFor(() => node.peers().includes(other.nodeId), 'our own dial to go through', 20_000);
    await waitFor(() => node.peers().includes(persistent.nodeId), 'the persistent peer to reconnect', 20_000);
    const inbound = node.peerManager.snapshot().filter((p) => p.direction === 'inbound' && !p.persistent).length;
    assert.equal(inbound, 40);
  });
});
