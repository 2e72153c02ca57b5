import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Node } from '../../../node/node.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import type RegistryGater from '../../support/gaters/registry-gater.js';
import { TOKENS } from '../../../framework/tokens.js';
import { deniedEvents, mconnStats, port, RawClient, rejected, tcpNode, waitFor } from './helpers.js';
import { LoopbackIPv6 } from '../../support/loopback-ipv6.js';

/** The SecretConnection handshake's first message: a length-prefixed BytesValue holding a 32-byte X25519 key. */
const EPHEMERAL_KEY_MESSAGE = 35;
const DEFAULT_GATERS = ['cidr', 'node-id', 'per-ip', 'attempt-window'];
const REGISTRY_GATER = ['js', 'ts'].map((ext) => fileURLToPath(new URL(`../../support/gaters/registry-gater.${ext}`, import.meta.url))).find(existsSync)!;

describe('connection gating over loopback TCP', function () {
  this.timeout(30_000);
  const nodes: Node[] = [];
  const start = async (...args: Parameters<typeof tcpNode>) => {
    const node = await tcpNode(...args);
    nodes.push(node);
    return node;
  };
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  it('closes a denied IP’s connection before the SecretConnection handshake while allowed peers connect and echo', async () => {
    const a = await start({
      gating: { cidr: { deny: ['127.0.0.2/32', '2001:db8::/32'] } },
      p2p: { handshake_timeout: '20s' },
      status: { laddr: '127.0.0.1:0' },
      instrumentation: { prometheus: true, prometheus_listen_addr: '127.0.0.1:0' },
    });
    const events = deniedEvents(a);

    // An allowed client gets the node’s ephemeral key in answer to its own: the handshake has begun.
    const allowed = new RawClient(port(a));
    await waitFor(() => allowed.received >= EPHEMERAL_KEY_MESSAGE, 'the ephemeral key message on an allowed connection');
    allowed.destroy();

    // A denied one is hung up on without a single byte (with gating broken it would get the key and then wait 20 s).
    const denied = [new RawClient(port(a), '127.0.0.2'), new RawClient(port(a), '127.0.0.2')];
    await Promise.all(denied.map((c) => c.closed));
    assert.deepEqual(denied.map((c) => c.received), [0, 0], 'no handshake byte reached a denied client');
    assert.equal(rejected(a, 'inbound', 'cidr-denied'), 2);

    // Real peers from 127.0.0.1 keep connecting and echoing.
    const b = await start();
    const c = await start();
    b.addPeer(a.addresses()[0]!);
    c.addPeer(a.addresses()[0]!);
    await waitFor(() => a.peers().length === 2, 'b and c to connect to a');
    await waitFor(
      () => [b, c].every((n) => n.reactor(EchoReactor).stats.pongsReceived >= 2),
      'echo round trips from b and c',
    );
    assert.equal(rejected(a, 'inbound', 'cidr-denied'), 2);
    assert.deepEqual(events, [
      { direction: 'inbound', reason: 'cidr-denied' },
      { direction: 'inbound', reason: 'cidr-denied' },
    ]);

    // Operators see the same counts on the status endpoint and in Prometheus.
    const status = (await (await fetch(`${a.statusUrl}/metrics`)).json()) as {
      router: { rejectedInbound: Record<string, number>; gating: { gaters: Array<{ name: string; denied: number }> } };
    };
    assert.equal(status.router.rejectedInbound['cidr-denied'], 2);
    assert.deepEqual(status.router.gating.gaters.map((g) => g.name), DEFAULT_GATERS);
    assert.equal(status.router.gating.gaters.find((g) => g.name === 'cidr')!.denied, 2);
    const text = await (await fetch(a.metricsUrl!)).text();
    assert.match(text, /^tmp2p_p2p_inbound_rejected_total\{reason="cidr-denied"\} 2$/m);
    assert.match(text, /^tmp2p_p2p_gater_denied_total\{gater="cidr"\} 2$/m);
    assert.match(text, /^tmp2p_p2p_gater_tracked_entries\{gater="per-ip"\} 1$/m);
  });

  it('refuses dials to a denied IP before opening a socket', async () => {
    const target = await start();
    const a = await start({ gating: { cidr: { allow: ['10.0.0.0/8'] } } });
    const events = deniedEvents(a);
    a.addPeer(target.addresses()[0]!);
    await waitFor(() => rejected(a, 'outbound', 'cidr-not-allowed') >= 2, 'a to refuse (and, backing off, refuse again) the dial');
    assert.equal(mconnStats(target).accepted, 0, 'a never connected to the target');
    assert.equal(mconnStats(a).dialed, 0);
    assert.deepEqual(events[0], { direction: 'outbound', reason: 'cidr-not-allowed' });
    assert.equal(a.router.metrics().dialFailures.ConnectionDeniedError, undefined, 'denials are not counted as dial failures');
  });

  it('denies a node ID after the handshake proved it, and before dialing it', async () => {
    const banned = await start();
    const a = await start({ gating: { node_id: { deny: [banned.nodeId] } } });
    const friend = await start();

    banned.addPeer(a.addresses()[0]!);
    friend.addPeer(a.addresses()[0]!);
    await waitFor(() => rejected(a, 'inbound', 'node-id-denied') >= 1, 'a to refuse the banned node');
    // The banned node's side of the handshake may finish a moment after a's refusal (both NodeInfos
    // travel with the AuthSigMessages): wait for it rather than read it at once.
    await waitFor(() => banned.router.metrics().dials >= 1, 'the banned node to complete its handshake with a: the ID was checked after it');
    await waitFor(() => a.peers().includes(friend.nodeId), 'the friend to connect');
    await waitFor(() => friend.reactor(EchoReactor).stats.pongsReceived >= 2, 'the friend to echo with a');
    assert.ok(!a.peers().includes(banned.nodeId));

    const dialer = await start({ gating: { node_id: { deny: [banned.nodeId] } } });
    const acceptedBefore = mconnStats(banned).accepted;
    dialer.addPeer(banned.addresses()[0]!);
    await waitFor(() => rejected(dialer, 'outbound', 'node-id-denied') >= 1, 'the dialer to refuse dialing the banned node');
    assert.equal(mconnStats(banned).accepted, acceptedBefore, 'no socket was opened to the banned node');
  });

  it('runs an async node-ID filter loaded by module path: denies, times out the one that never answers, and keeps admitting others', async () => {
    const denied = await start();
    const silent = await start();
    const welcome = await start();
    const a = await start({
      gating: {
        gaters: [...DEFAULT_GATERS, REGISTRY_GATER],
        filter_timeout: '300ms',
        registry: { delay_ms: 5, denied: [denied.nodeId], unanswered: [silent.nodeId] },
      },
    });
    assert.deepEqual(a.router.metrics().gating!.gaters.map((g) => g.name), [...DEFAULT_GATERS, 'registry']);
    // Loaded by path, so read it off the node (from source, the test's own import would be another copy).
    const registry = a.container.getAll<RegistryGater>(TOKENS.Gater).find((g) => g.name === 'registry')!;

    for (const node of [silent, denied, welcome]) node.addPeer(a.addresses()[0]!);
    await waitFor(() => rejected(a, 'inbound', 'gater-timeout') >= 1, 'the silent peer’s lookup to time out');
    await waitFor(() => rejected(a, 'inbound', 'registry') >= 1, 'the denied peer to be refused');
    await waitFor(() => welcome.reactor(EchoReactor).stats.pongsReceived >= 3, 'the welcome peer to connect and echo meanwhile');
    assert.deepEqual(a.peers(), [welcome.nodeId]);
    const stats = a.router.metrics().gating!.gaters.find((g) => g.name === 'registry')!;
    assert.ok(stats.timeouts >= 1 && stats.denied >= 2, JSON.stringify(stats));
    assert.ok(registry.abandoned >= 1, 'the timed-out lookup was told to give up');
    assert.ok(registry.lookups >= 3);
    assert.equal(a.router.metrics().gating!.inboundHandshakes.inProgress <= 1, true, 'timed-out lookups do not hold handshake slots');
  });

  it('caps connections per IP on 127.0.0.1 and frees the slot when a peer leaves', async () => {
    const a = await start({ gating: { per_ip: { max_connections: 2 } }, status: { laddr: '127.0.0.1:0' } });
    const dialers = [await start(), await start(), await start()];
    for (const d of dialers) d.addPeer(a.addresses()[0]!);
    await waitFor(() => a.peers().length === 2 && rejected(a, 'inbound', 'ip-limit') >= 1, 'two peers in and a third refused');
    // The refused one keeps retrying and keeps being refused while two are connected.
    const refusedSoFar = rejected(a, 'inbound', 'ip-limit');
    await waitFor(() => rejected(a, 'inbound', 'ip-limit') > refusedSoFar, 'another refusal');
    assert.equal(a.peers().length, 2);

    const status = (await (await fetch(`${a.statusUrl}/metrics`)).json()) as {
      router: { rejectedInbound: Record<string, number>; gating: { gaters: Array<{ name: string; tracked?: number }> } };
    };
    assert.ok(status.router.rejectedInbound['ip-limit']! >= 2);
    assert.equal(status.router.gating.gaters.find((g) => g.name === 'per-ip')!.tracked, 1, 'one IP tracked');

    const [inside] = dialers.filter((d) => a.peers().includes(d.nodeId));
    const outside = dialers.find((d) => !a.peers().includes(d.nodeId))!;
    await inside!.stop();
    await waitFor(() => a.peers().includes(outside.nodeId), 'the refused dialer to get the freed slot');
    assert.equal(a.peers().length, 2);
  });

  it('with allow_duplicate_ip = false keeps one connection per IP in either direction (CometBFT)', async () => {
    const a = await start({ gating: { per_ip: { allow_duplicate_ip: false } } });
    const first = await start();
    const second = await start();
    const target = await start();
    first.addPeer(a.addresses()[0]!);
    await waitFor(() => a.peers().length === 1, 'the first peer from 127.0.0.1');
    second.addPeer(a.addresses()[0]!);
    await waitFor(() => rejected(a, 'inbound', 'duplicate-ip') >= 1, 'the second inbound from 127.0.0.1 to be refused');
    a.addPeer(target.addresses()[0]!);
    await waitFor(() => rejected(a, 'outbound', 'duplicate-ip') >= 1, 'a’s own dial to 127.0.0.1 to be refused');
    assert.equal(mconnStats(target).accepted, 0, 'refused before dialing');
    assert.deepEqual(a.peers(), [first.nodeId]);
  });

  it('refuses a quick reconnect from an IP inside the attempt window, before any handshake byte', async () => {
    const a = await start({ gating: { attempt_window: { window: '1h' } } });
    const first = new RawClient(port(a));
    await waitFor(() => first.received >= EPHEMERAL_KEY_MESSAGE, 'the first connection’s handshake');
    first.destroy();
    await waitFor(() => a.router.metrics().gating!.inboundHandshakes.inProgress === 0, 'a to drop the first connection');
    const again = new RawClient(port(a));
    await again.closed;
    assert.equal(again.received, 0);
    assert.equal(rejected(a, 'inbound', 'attempt-window'), 1);
  });

  it('on a dual-stack listener counts each IPv4 client by its own address, and ::1 as an IPv6 group of its own', async () => {
    // A dual-stack socket reports IPv4 clients as ::ffff:127.0.0.x, whose first 64 bits are those of ::1:
    // grouped as IPv6 /64s (gating.ipv6_prefix_length), every IPv4 client and ::1 would share one slot.
    const a = await start({ p2p: { laddr: 'tcp://[::]:0', max_concurrent_inbound_handshakes_per_ip: 1, handshake_timeout: '20s' } });
    const events = deniedEvents(a);
    const held = [new RawClient(port(a), '127.0.0.2'), new RawClient(port(a), '127.0.0.3'), new RawClient(port(a), undefined, '::1')];
    await waitFor(() => held.every((c) => c.received >= EPHEMERAL_KEY_MESSAGE), 'a handshake from each of the three addresses');
    const again = [new RawClient(port(a), '127.0.0.2'), new RawClient(port(a), undefined, '::1')];
    await Promise.all(again.map((c) => c.closed));
    assert.deepEqual(
      again.map((c) => c.received),
      [0, 0],
      'a second handshake from an address already holding its slot is closed before any byte',
    );
    assert.deepEqual(events, [
      { direction: 'inbound', reason: 'ip-handshake-capacity' },
      { direction: 'inbound', reason: 'ip-handshake-capacity' },
    ]);
    assert.equal(a.router.metrics().gating!.inboundHandshakes.trackedIps, 3);
    for (const c of held) c.destroy();
    await waitFor(() => a.router.metrics().gating!.inboundHandshakes.inProgress === 0, 'the slots to be freed');
  });

  it('folds the inbound handshake cap into gating: the excess is closed before any crypto, counted and published', async () => {
    const a = await start({ p2p: { max_concurrent_inbound_handshakes: 2, handshake_timeout: '20s' } });
    const events = deniedEvents(a);
    // Two clients that never answer the handshake hold both slots.
    const stalled = [new RawClient(port(a)), new RawClient(port(a))];
    await waitFor(() => stalled.every((c) => c.received >= EPHEMERAL_KEY_MESSAGE), 'both handshakes to start');
    const excess = new RawClient(port(a));
    await excess.closed;
    assert.equal(excess.received, 0);
    assert.equal(rejected(a, 'inbound', 'handshake-capacity'), 1);
    assert.deepEqual(events, [{ direction: 'inbound', reason: 'handshake-capacity' }]);
    assert.deepEqual(a.router.metrics().gating!.inboundHandshakes, { inProgress: 2, limit: 2, perIpLimit: 4, trackedIps: 1, refused: 1, refusedPerIp: 0 });
    for (const c of stalled) c.destroy();
    await waitFor(() => a.router.metrics().gating!.inboundHandshakes.inProgress === 0, 'the slots to be freed');
  });
  describe('IPv6 clients of one /64 (adds 2001:db8:77::5, ::6 and 2001:db8:78::5 to lo: needs root, else pending)', () => {
    const SAME_64 = ['2001:db8:77::5', '2001:db8:77::6'] as const;
    const OTHER_64 = '2001:db8:78::5';
    let extra: LoopbackIPv6 | undefined;
    before(async function () {
      try {
        extra = await LoopbackIPv6.add([...SAME_64, OTHER_64]);
      } catch {
        this.skip();
      }
    });
    after(() => extra?.remove());

    /** A node on every interface that lets each remote IP (group) hold one handshake at a time. */
    const oneHandshakePerIp = (gating: Record<string, unknown> = {}) =>
      start({ p2p: { laddr: 'tcp://[::]:0', max_concurrent_inbound_handshakes_per_ip: 1, handshake_timeout: '20s' }, gating });
    const from = (node: Node, address: string) => new RawClient(port(node), address, SAME_64[0]);

    it('counts the /64 as one remote IP: a second address of it finds the slot taken, an address of another /64 does not', async () => {
      const a = await oneHandshakePerIp();
      const held = [from(a, SAME_64[0]), from(a, OTHER_64)];
      await waitFor(() => held.every((c) => c.received >= EPHEMERAL_KEY_MESSAGE), 'a handshake from each /64');
      const sibling = from(a, SAME_64[1]);
      await sibling.closed;
      assert.equal(sibling.received, 0, 'closed before any handshake byte');
      assert.equal(rejected(a, 'inbound', 'ip-handshake-capacity'), 1);
      assert.equal(a.router.metrics().gating!.inboundHandshakes.trackedIps, 2);
      for (const c of held) c.destroy();
    });

    it('with gating.ipv6_prefix_length = 128 counts each address alone', async () => {
      const a = await oneHandshakePerIp({ ipv6_prefix_length: 128 });
      const held = SAME_64.map((address) => from(a, address));
      await waitFor(() => held.every((c) => c.received >= EPHEMERAL_KEY_MESSAGE), 'a handshake from each address');
      assert.equal(rejected(a, 'inbound', 'ip-handshake-capacity'), 0);
      for (const c of held) c.destroy();
    });
  });
});
