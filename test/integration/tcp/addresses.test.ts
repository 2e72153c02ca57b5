import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { HostLookup } from '../../../framework/address/node-address.js';
import { createNode, type CreateNodeOptions } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import { resolveRouterOptions } from '../../../framework/router/options.js';
import { TOKENS } from '../../../framework/tokens.js';
import { nid } from '../../unit/framework/peer/ids.js';
import { handshakeFrom } from '../../support/loopback-peer.js';
import { MemoryNetwork } from '../../../plugins/transports/memory/memory-network.js';

type DialFailed = Extract<RouterEvent, { type: 'dial-failed' }>;

/** A TCP port that was free on every interface a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A resolver the test steers: `answers` maps host → IPs (or an error to throw); every call is recorded. */
class ScriptedLookup {
  readonly calls: string[] = [];
  readonly answers = new Map<string, readonly string[] | Error>();
  readonly lookup: HostLookup = async (hostname) => {
    this.calls.push(hostname);
    const answer = this.answers.get(hostname);
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  count(hostname: string): number {
    return this.calls.filter((h) => h === hostname).length;
  }
}

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('addresses over loopback TCP: DNS re-resolution and self-dials', function () {
  this.timeout(30_000);
  const nodes: Node[] = [];
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
  });

  /** A node on the mconn transport with quick persistent-peer retries; every router event is recorded. */
  async function start(p2p: Record<string, unknown>, options: CreateNodeOptions = {}, reactors: Record<string, unknown> = {}) {
    const node = await createNode(
      {
        values: {
          p2p: { transports: ['mconn'], min_retry_time: '50ms', max_retry_time_persistent: '300ms', retry_jitter: '0s', disconnect_cooldown: '50ms', ...p2p },
          reactors: { enabled: ['echo'], echo: { ping_interval: '1h' }, ...reactors },
        },
      },
      { logger: silentLogger(), ...options },
    );
    nodes.push(node);
    const events: RouterEvent[] = [];
    node.events$.subscribe((e) => events.push(e));
    return { node, events, dialFailures: () => events.filter((e): e is DialFailed => e.type === 'dial-failed') };
  }

  it('resolves a persistent peer’s DNS name on every dial: when the name moves to a new IP, the redial follows it', async () => {
    const port = await freePort();
    const key = NodeKey.generate();
    const dns = new ScriptedLookup();
    dns.answers.set('b.test', ['127.0.0.1']);
    const first = await start({ laddr: `tcp://127.0.0.1:${port}` }, { nodeKey: key });
    const a = await start({ laddr: 'tcp://127.0.0.1:0', persistent_peers: `${key.nodeId}@b.test:${port}` }, { hostLookup: dns.lookup });

    await until('a connected to b at 127.0.0.1', () => a.node.router.peer(key.nodeId)?.connection.remoteEndpoint.ip === '127.0.0.1');
    const lookupsBefore = dns.count('b.test');
    assert.ok(lookupsBefore >= 1);

    // b restarts elsewhere with the same key, and the name follows it.
    await first.node.stop();
    dns.answers.set('b.test', ['127.0.0.3']);
    const moved = await start({ laddr: `tcp://127.0.0.3:${port}` }, { nodeKey: key });

    await until('a reconnected to b at 127.0.0.3', () => a.node.router.peer(key.nodeId)?.connection.remoteEndpoint.ip === '127.0.0.3');
    assert.ok(dns.count('b.test') > lookupsBefore, `resolved again for the redial (${dns.calls.length} lookups)`);
    await until('the new b routed a as an inbound peer', () => moved.node.router.peer(a.node.nodeId)?.direction === 'inbound');
    assert.deepEqual(a.node.peerManager.addresses(key.nodeId).map(String), [`mconn://${key.nodeId}@b.test:${port}`], 'the name is kept, not the IP');
  });

  it('a failed resolution is a typed dial failure, counted and backed off, and the peer is retried later', async () => {
    const port = await freePort();
    const key = NodeKey.generate();
    await start({ laddr: `tcp://127.0.0.1:${port}` }, { nodeKey: key });
    const dns = new ScriptedLookup(); // no answer yet: ENOTFOUND
    const a = await start({ laddr: 'tcp://127.0.0.1:0', persistent_peers: `${key.nodeId}@b.test:${port}` }, { hostLookup: dns.lookup });

    await until('two failed resolutions', () => a.dialFailures().length >= 2);
    for (const failure of a.dialFailures()) {
      assert.equal(failure.error.name, 'AddressResolutionError', failure.error.message);
      assert.match(failure.error.message, /cannot resolve "b\.test".*ENOTFOUND/);
      assert.equal((failure.error as Error & { hostname?: string }).hostname, 'b.test');
    }
    assert.ok(a.node.peerManager.metrics().dialFailures >= 2);
    assert.ok(a.node.router.metrics().dialFailures['AddressResolutionError']! >= 2, JSON.stringify(a.node.router.metrics().dialFailures));
    const [snapshot] = a.node.peerManager.snapshot();
    assert.ok(snapshot!.dialFailures >= 1 && snapshot!.addressDetails[0]!.retryAt !== undefined, 'the address is backed off');

    dns.answers.set('b.test', ['127.0.0.1']);
    await until('a connected once the name resolves', () => a.node.peers().includes(key.nodeId));
  });

  it('a resolution that hangs times out as an AddressResolutionError', async () => {
    let abortedLookups = 0;
    const hanging: HostLookup = (_host, { signal }) =>
      new Promise((_, reject) =>
        signal?.addEventListener('abort', () => {
          abortedLookups++;
          reject(new Error('lookup abandoned'));
        }),
      );
    const a = await start(
      { laddr: 'tcp://127.0.0.1:0', persistent_peers: `${nid(1)}@slow.test:26656` },
      { hostLookup: hanging, configure: (c) => c.rebind(TOKENS.RouterOptions).toConstantValue(resolveRouterOptions({ resolveTimeoutMs: 200 })) },
    );
    await until('a timed-out resolution', () => a.dialFailures().length >= 1);
    const [failure] = a.dialFailures();
    assert.equal(failure!.error.name, 'AddressResolutionError');
    assert.match(failure!.error.message, /resolving .*slow\.test.* timed out after 200 ms/);
    assert.ok(abortedLookups >= 1, 'the lookup was told to give up');
  });

  it('resolves PEX seeds named by DNS through the same lookup', async () => {
    const port = await freePort();
    const seedKey = NodeKey.generate();
    await start({ laddr: `tcp://127.0.0.1:${port}` }, { nodeKey: seedKey }, { enabled: ['pex'] });
    const dns = new ScriptedLookup();
    dns.answers.set('seed.test', ['127.0.0.1']);
    const a = await start({ laddr: 'tcp://127.0.0.1:0' }, { hostLookup: dns.lookup }, { enabled: ['pex'], pex: { seeds: [`${seedKey.nodeId}@seed.test:${port}`] } });
    await until('a connected to the seed', () => a.node.peers().includes(seedKey.nodeId));
    assert.ok(dns.count('seed.test') >= 1);
    assert.equal(a.node.router.peer(seedKey.nodeId)?.connection.remoteEndpoint.ip, '127.0.0.1');
  });

  it('an address that turns out to lead back to this node is forgotten and never dialed again', async () => {
    const port = await freePort();
    // Listening on every interface: 127.0.0.9 reaches this node, though only 127.0.0.1 and ::1 are known to be it.
    const a = await start({ laddr: `tcp://0.0.0.0:${port}` });
    const stale = nid(101);
    assert.equal(a.node.addPeer(`${nid(102)}@127.0.0.1:${port}`), false, 'a known self address is refused at once');
    assert.equal(a.node.addPeer(`${stale}@127.0.0.9:${port}`), true);

    await until('the dial to itself failed', () => a.dialFailures().length >= 1);
    const [failure] = a.dialFailures();
    assert.equal(failure!.error.name, 'DialedIdMismatchError', failure!.error.message);
    assert.equal((failure!.error as Error & { authenticatedNodeId?: string }).authenticatedNodeId, a.node.nodeId);
    assert.deepEqual(a.node.peerManager.addresses(stale), []);
    assert.equal(a.node.addPeer(`${nid(103)}@127.0.0.9:${port}`), false, 'now known to be this node');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(a.dialFailures().length, 1, 'never dialed again');
    assert.deepEqual(a.node.peers(), []);
  });

  it('does not dial a DNS name a peer gave when it resolves to an IP that peer could not have given (address-scope), before any socket opens', async () => {
    let connections = 0;
    const service = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const servicePort = (service.address() as { port: number }).port;
    try {
      const dns = new ScriptedLookup();
      dns.answers.set('cache.test', ['127.0.0.1']);
      // private_addresses = "reject": every peer is held to public IPs, as a peer on a public IP is by default.
      const a = await start({ laddr: 'tcp://127.0.0.1:0' }, { hostLookup: dns.lookup }, { enabled: ['echo', 'pex'], pex: { private_addresses: 'reject' } });
      const port = a.node.router.endpoints()[0]!.port!;
      const hostile = await handshakeFrom(port, '127.0.0.2', 'tmp2p-devnet', AbortSignal.timeout(10_000), { listenAddr: `tcp://cache.test:${servicePort}` });
      const learned = `mconn://${hostile.key.nodeId}@cache.test:${servicePort}`;
      await until('the claimed listen address to be learned', () => a.node.peerManager.addresses(hostile.key.nodeId).map(String).includes(learned));
      hostile.connection.close();

      await until('a refused dial of the name', () => (a.node.router.metrics().rejectedOutbound['address-scope'] ?? 0) >= 2);
      assert.ok(dns.count('cache.test') >= 2, 'resolved at each dial');
      assert.equal(connections, 0, 'no socket was ever opened to the loopback service');
      assert.equal(a.node.router.metrics().gating!.scopeRefusals, a.node.router.metrics().rejectedOutbound['address-scope']);
      const [snapshot] = a.node.peerManager.snapshot();
      assert.ok(snapshot!.dialFailures >= 2, 'each refusal is a dial failure, backed off and in the end given up');
    } finally {
      service.close();
    }
  });

  it('dials a persistent peer configured as id@localhost, whatever it resolves to', async () => {
    const port = await freePort();
    const key = NodeKey.generate();
    await start({ laddr: `tcp://127.0.0.1:${port}` }, { nodeKey: key });
    const a = await start({ laddr: 'tcp://127.0.0.1:0', persistent_peers: `${key.nodeId}@localhost:${port}` }); // the OS resolver
    await until('a connected to its persistent peer on localhost', () => a.node.peers().includes(key.nodeId));
    assert.equal(a.node.router.metrics().rejectedOutbound['address-scope'], undefined);
  });

  it('holds a DNS name learned from a public peer to public IPs and one from a private peer to private ones, as IP literals are held', async () => {
    const network = new MemoryNetwork();
    const dns = new ScriptedLookup();
    dns.answers.set('public-peer.test', ['10.0.0.9']);
    dns.answers.set('private-peer.test', ['10.0.0.5']);
    const memoryNode = async (ip: string, p2p: Record<string, unknown> = {}, nodeKey?: NodeKey) => {
      const node = await createNode(
        {
          values: {
            p2p: { laddr: 'memory', transports: ['memory'], memory_virtual_address: `${ip}:26656`, min_retry_time: '50ms', retry_jitter: '0s', disconnect_cooldown: '50ms', ...p2p },
            reactors: { enabled: ['pex'] },
          },
        },
        { logger: silentLogger(), memoryNetwork: network, hostLookup: dns.lookup, nodeKey },
      );
      nodes.push(node);
      return node;
    };
    const a = await memoryNode('10.0.0.1');
    const events: RouterEvent[] = [];
    a.events$.subscribe((e) => events.push(e));
    // Two peers connect to a and claim DNS names as their listen addresses: one from a public IP, one from a private IP.
    const publicKey = NodeKey.generate();
    const privateKey = NodeKey.generate();
    const claimers = [
      await memoryNode('8.8.8.8', { external_address: 'public-peer.test:26656', persistent_peers: `${a.nodeId}@10.0.0.1:26656` }, publicKey),
      await memoryNode('10.0.0.5', { external_address: 'private-peer.test:26656', persistent_peers: `${a.nodeId}@10.0.0.1:26656` }, privateKey),
    ];
    await until('both names to be learned', () =>
      a.peerManager.addresses(publicKey.nodeId).some((x) => x.hostname === 'public-peer.test') &&
      a.peerManager.addresses(privateKey.nodeId).some((x) => x.hostname === 'private-peer.test'),
    );
    // They leave; the private one comes back without dialing anyone, so only a's own dial can reach it.
    for (const claimer of claimers) await claimer.stop();
    await memoryNode('10.0.0.5', { external_address: 'private-peer.test:26656' }, privateKey);
    await memoryNode('10.0.0.9', {}, publicKey); // what the public peer's name leads to: a's dial must never get there

    await until('a reached the private peer through its name', () => a.peers().includes(privateKey.nodeId));
    await until('the public peer’s name refused', () => (a.router.metrics().rejectedOutbound['address-scope'] ?? 0) >= 1);
    assert.ok(!a.peers().includes(publicKey.nodeId));
    const refusals = events.filter(
      (e): e is Extract<RouterEvent, { type: 'connection-rejected' }> => e.type === 'connection-rejected' && e.direction === 'outbound' && (e.error as Error & { reason?: string }).reason === 'address-scope',
    );
    assert.ok(refusals.length >= 1);
    assert.match(refusals[0]!.error.message, /learned from a peer on a public IP, and 10\.0\.0\.9 is a private address/);
  });
});
