import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { crawl } from '../../../node/crawl/crawl.js';
import type { CrawlResult } from '../../../node/crawl/crawl-result.js';
import { DEFAULT_CRAWL_OPTIONS } from '../../../node/crawl/options.js';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { NetAddress, PexAddrs, PEX_CHANNEL_ID, PEX_RECV_MESSAGE_CAPACITY } from '../../../reactors/pex/pex-channel.js';
import { PexReactor } from '../../../reactors/pex/pex-reactor.js';
import { encodePex, RoguePexServer } from '../../support/rogue-pex-server.js';

const NETWORK = 'crawl-test';
/** tmp2p nodes over loopback TCP that answer PEX but never ask (so what each knows stays what the test gave it). */
const TCP_PEX = {
  network: NETWORK,
  p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' },
  reactors: { enabled: ['pex'], pex: { need_address_threshold: 0 } },
};

/** A port nothing listens on: dials to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** As many distinct NetAddresses as fit in one PEX message (about 1100): "thousands" within CometBFT's 64 kB bound. */
function floodOfAddresses(port: number): NetAddress[] {
  const addrs: NetAddress[] = [];
  for (;;) {
    const next = NetAddress.create({ id: randomBytes(20).toString('hex'), ip: '127.0.0.1', port });
    if (encodePex(PexAddrs.create({ addrs: [...addrs, next] })).length > PEX_RECV_MESSAGE_CAPACITY - 100) return addrs;
    addrs.push(next);
  }
}

function byId(result: CrawlResult, id: string) {
  const node = result.nodes.find((n) => n.nodeId === id);
  assert.ok(node, `node ${id} is in the result`);
  return node;
}

describe('crawl over loopback TCP', function () {
  this.timeout(60_000);
  let net: TestNetwork | undefined;
  const rogues: RoguePexServer[] = [];
  afterEach(async () => {
    await net?.stop();
    net = undefined;
    await Promise.all(rogues.splice(0).map((r) => r.stop()));
  });

  async function rogue(options: Omit<Parameters<typeof RoguePexServer.start>[0], 'network'> & { network?: string }) {
    const server = await RoguePexServer.start({ network: NETWORK, ...options });
    rogues.push(server);
    return server;
  }

  it('walks a chain of four tmp2p nodes from one seed: every node, its NodeInfo and who advertised whom', async () => {
    net = await createTestNetwork({ nodes: 4, topology: 'none', config: TCP_PEX });
    const nodes = net.nodes;
    // node i dials node i+1 (it knows its address); node i+1 learns node i's listen address when it connects.
    for (let i = 0; i + 1 < nodes.length; i++) net.connect(i, i + 1);
    await net.waitFor(() => nodes.every((n, i) => i + 1 === nodes.length || n.peers().includes(nodes[i + 1]!.nodeId)), { what: 'the chain connected' });
    const addressOf = (i: number) => `${nodes[i]!.nodeId}@127.0.0.1:${nodes[i]!.router.endpoints()[0]!.port}`;

    const result = await crawl({ seeds: [addressOf(0)], network: NETWORK });

    assert.equal(result.finished, 'complete');
    assert.deepEqual(result.nodes.map((n) => n.nodeId), nodes.map((n) => n.nodeId), 'breadth first from the seed: each node once');
    for (const [i, node] of nodes.entries()) {
      const found = byId(result, node.nodeId);
      assert.equal(found.status, 'reachable', `${node.config.moniker}: ${JSON.stringify(found.error)}`);
      assert.equal(found.seed, i === 0);
      assert.equal(found.address, addressOf(i).split('@')[1]);
      assert.equal(found.nodeInfo?.moniker, node.config.moniker);
      assert.equal(found.nodeInfo?.network, NETWORK);
      assert.equal(found.nodeInfo?.version, node.nodeInfo.version);
      assert.deepEqual(found.nodeInfo?.channels, Array.from(node.nodeInfo.channels));
      assert.equal(found.nodeInfo?.listenAddr, node.nodeInfo.listenAddr);
      assert.equal(found.pex?.outcome, 'answered');
    }
    const expected = new Set<string>();
    for (let i = 0; i + 1 < nodes.length; i++) {
      expected.add(`${nodes[i]!.nodeId} -> ${addressOf(i + 1)}`);
      expected.add(`${nodes[i + 1]!.nodeId} -> ${addressOf(i)}`);
    }
    assert.deepEqual(new Set(result.edges.map((e) => `${e.from} -> ${e.to}`)), expected);
    for (const edge of result.edges) assert.equal(edge.to.split('@')[0], edge.toNodeId);
    // One request per connection: each node was asked exactly once.
    for (const node of nodes) assert.equal(node.reactor(PexReactor).stats.requestsReceived, 1, `${node.config.moniker} was asked once`);
    // Nobody learned the crawler as a dialable peer: it announced no usable listen address.
    for (const node of nodes) assert.deepEqual(node.peerManager.addresses(result.crawler.nodeId), []);
    assert.equal(result.stats.dials, nodes.length);
  });

  it('bounds a hostile seed that answers with ~1100 addresses and then some more unasked', async () => {
    const port = await closedPort();
    const flood = floodOfAddresses(port);
    assert.ok(flood.length > 1000, `${flood.length} addresses in one message`);
    const seed = await rogue({ behaviour: { kind: 'answer', messages: () => [PexAddrs.create({ addrs: flood }), PexAddrs.create({ addrs: floodOfAddresses(port) })] } });

    const result = await crawl({ seeds: [seed.address], network: NETWORK, concurrency: 16 });

    const limit = DEFAULT_CRAWL_OPTIONS.maxAddressesPerResponse;
    assert.equal(result.finished, 'complete');
    assert.equal(result.nodes.length, 1 + limit, 'the seed and the first maxAddressesPerResponse entries of its answer');
    assert.deepEqual(
      result.nodes.slice(1).map((n) => n.nodeId),
      flood.slice(0, limit).map((a) => a.id),
    );
    assert.equal(result.edges.length, limit);
    assert.equal(result.stats.droppedOverResponseLimit, flood.length - limit);
    assert.equal(result.stats.responses, 1, 'the unasked second answer was not read');
    assert.deepEqual(byId(result, seed.nodeId).pex, { outcome: 'answered', received: flood.length, accepted: limit });
    for (const node of result.nodes.slice(1)) {
      assert.equal(node.status, 'unreachable');
      assert.equal(node.error?.kind, 'refused');
    }
    assert.equal(seed.requests, 1, 'the seed was asked once');
  });

  it('stops recording new nodes at maxNodes, dedupes repeats, and skips malformed entries', async () => {
    const port = await closedPort();
    const flood = floodOfAddresses(port).slice(0, 40);
    const repeated = flood.slice(0, 5);
    const malformed = [
      NetAddress.create({ id: 'not-a-node-id', ip: '127.0.0.1', port }),
      NetAddress.create({ id: randomBytes(20).toString('hex'), ip: 'evil.example.com', port }),
      NetAddress.create({ id: randomBytes(20).toString('hex'), ip: '127.0.0.1', port: 0 }),
    ];
    const seed = await rogue({ behaviour: { kind: 'answer', messages: () => [PexAddrs.create({ addrs: [...malformed, ...repeated, ...flood] })] } });

    const result = await crawl({ seeds: [seed.address], network: NETWORK, maxNodes: 10 });

    assert.equal(result.nodes.length, 10);
    assert.deepEqual(result.nodes.slice(1).map((n) => n.nodeId), flood.slice(0, 9).map((a) => a.id));
    assert.equal(result.stats.invalidAddresses, 2);
    assert.equal(result.stats.unusableAddresses, 1);
    assert.equal(result.stats.duplicateAddresses, repeated.length, 'an entry repeated in one answer counts once');
    assert.equal(result.stats.droppedOverNodeLimit, flood.length - 9);
    assert.equal(result.stats.addressesAccepted, 9);
    assert.equal(new Set(result.edges.map((e) => e.to)).size, result.edges.length, 'no edge twice');
  });

  it('reports a node that never answers PEX, one that never handshakes, and one on another network', async () => {
    const silent = await rogue({ behaviour: { kind: 'silent' }, moniker: 'silent' });
    const mute = await rogue({ behaviour: { kind: 'no-handshake' } });
    const foreign = await rogue({ behaviour: { kind: 'silent' }, network: 'another-chain', moniker: 'foreign' });

    const result = await crawl({ seeds: [silent.address, mute.address, foreign.address], network: NETWORK, pexTimeoutMs: 300, handshakeTimeoutMs: 500 });

    assert.equal(result.finished, 'complete');
    const s = byId(result, silent.nodeId);
    assert.equal(s.status, 'reachable');
    assert.equal(s.nodeInfo?.moniker, 'silent');
    assert.deepEqual(s.pex, { outcome: 'timeout', received: 0, accepted: 0 });
    const m = byId(result, mute.nodeId);
    assert.equal(m.status, 'unreachable');
    assert.equal(m.error?.kind, 'handshake-timeout');
    const f = byId(result, foreign.nodeId);
    assert.equal(f.status, 'unreachable');
    assert.equal(f.error?.kind, 'incompatible');
    assert.equal(f.nodeInfo?.network, 'another-chain', 'what an incompatible node said about itself is kept');
    assert.ok(result.nodes.every((n) => n.seed));
  });

  it('resolves a seed given by host name, and reports one that does not resolve as "dns"', async () => {
    const named = await rogue({ behaviour: { kind: 'silent' }, moniker: 'named' });
    const lookup = async (hostname: string) => (hostname === 'seed.crawl.test' ? ['127.0.0.1'] : []);
    const result = await crawl({
      seeds: [`${named.nodeId}@seed.crawl.test:${named.port}`, `${'e'.repeat(40)}@nowhere.crawl.test:26656`],
      network: NETWORK,
      lookup,
      pexTimeoutMs: 200,
    });
    const n = byId(result, named.nodeId);
    assert.equal(n.status, 'reachable');
    assert.equal(n.address, `seed.crawl.test:${named.port}`);
    const gone = byId(result, 'e'.repeat(40));
    assert.equal(gone.status, 'unreachable');
    assert.equal(gone.error?.kind, 'dns');
  });

  it('stops at the duration with what it found, and the nodes it was still dialing are "not-dialed"', async () => {
    const mute = await rogue({ behaviour: { kind: 'no-handshake' } });
    const started = Date.now();
    const result = await crawl({ seeds: [mute.address], network: NETWORK, durationMs: 300, handshakeTimeoutMs: 60_000 });
    assert.equal(result.finished, 'duration');
    assert.ok(Date.now() - started < 30_000, 'it did not wait for the handshake deadline');
    const m = byId(result, mute.nodeId);
    assert.equal(m.status, 'not-dialed');
    assert.equal(m.error?.kind, 'interrupted');
  });

  it('stops when its signal aborts', async () => {
    const mute = await rogue({ behaviour: { kind: 'no-handshake' } });
    const abort = new AbortController();
    const crawling = crawl({ seeds: [mute.address], network: NETWORK, handshakeTimeoutMs: 60_000 }, { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    abort.abort();
    const result = await crawling;
    assert.equal(result.finished, 'aborted');
    assert.equal(byId(result, mute.nodeId).status, 'not-dialed');
  });

  it('shows a node only the PEX channel and an unspecified listen address, and breaks none of its rules', async () => {
    net = await createTestNetwork({ nodes: 1, topology: 'none', config: TCP_PEX });
    const node = net.node(0);
    const seen: { channels: number[]; listenAddr: string; direction: string }[] = [];
    const errors: string[] = [];
    node.events$.subscribe((event) => {
      if (event.type === 'peer-up') {
        const info = node.router.peer(event.nodeId)!.nodeInfo;
        seen.push({ channels: Array.from(info.channels), listenAddr: info.listenAddr, direction: event.direction });
      }
      if (event.type === 'peer-error') errors.push(`${event.error.name}: ${event.error.message}`);
    });
    const result = await crawl({ seeds: [`${node.nodeId}@127.0.0.1:${node.router.endpoints()[0]!.port}`], network: NETWORK });
    assert.equal(byId(result, node.nodeId).status, 'reachable');
    assert.deepEqual(seen, [{ channels: [PEX_CHANNEL_ID], listenAddr: 'tcp://0.0.0.0:0', direction: 'inbound' }]);
    await net.waitFor(() => node.peers().length === 0, { what: 'the crawler to hang up' });
    assert.deepEqual(errors, []);
  });
});
