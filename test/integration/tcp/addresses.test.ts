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
import { nid } from '../../unit/peer/ids.js';

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
});
