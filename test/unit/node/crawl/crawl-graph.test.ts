import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { CrawlGraph, type CrawlGraphLimits, type DialTarget, type WireAddress } from '../../../../node/crawl/crawl-graph.js';
import { DEFAULT_CRAWL_OPTIONS } from '../../../../node/crawl/options.js';
import { makeNodeInfo } from '../../../support/node-info.js';

/** A deterministic node ID for test node `n`. */
function nid(n: number | string): NodeID {
  return createHash('sha256').update(`crawl-graph-${n}`).digest('hex').slice(0, 40) as NodeID;
}

const LIMITS: CrawlGraphLimits = { ...DEFAULT_CRAWL_OPTIONS };
const seedOf = (n: number | string, host = '127.0.0.1', port = 26656) => NodeAddress.parse(`${nid(n)}@${host}:${port}`);
const wire = (n: number | string, ip = '127.0.0.1', port = 26656): WireAddress => ({ id: nid(n), ip, port });
const info = (n: number | string) => makeNodeInfo({ nodeId: nid(n), moniker: `node-${n}` });

/** Takes every queued dial in order. */
function drain(graph: CrawlGraph): DialTarget[] {
  const out: DialTarget[] = [];
  for (let t = graph.next(); t !== undefined; t = graph.next()) out.push(t);
  return out;
}

describe('CrawlGraph', () => {
  it('walks breadth first: seeds, then what each answer names, each node once', () => {
    const g = new CrawlGraph(LIMITS);
    g.addSeed(seedOf('a'));
    const [a] = drain(g);
    assert.equal(a!.nodeId, nid('a'));
    assert.equal(a!.hostPort, '127.0.0.1:26656');
    g.reached(a!, info('a'));
    assert.equal(g.answered(nid('a'), [wire('b', '127.0.0.2'), wire('c', '127.0.0.3')], 'loopback'), 2);
    const [b, c] = drain(g);
    assert.deepEqual([b!.nodeId, c!.nodeId], [nid('b'), nid('c')]);
    g.reached(b!, info('b'));
    // b names a (already reached), c (being dialed) and d (new): only d is queued.
    g.answered(nid('b'), [wire('a'), wire('c', '127.0.0.3'), wire('d', '127.0.0.4')], 'loopback');
    g.reached(c!, info('c'));
    g.answered(nid('c'), [], 'loopback');
    assert.deepEqual(drain(g).map((t) => t.nodeId), [nid('d')]);
    assert.equal(g.queued, 0);

    const nodes = g.crawledNodes();
    assert.deepEqual(nodes.map((n) => n.nodeId), ['a', 'b', 'c', 'd'].map(nid));
    assert.deepEqual(nodes.map((n) => n.status), ['reachable', 'reachable', 'reachable', 'not-dialed']);
    assert.deepEqual(nodes.map((n) => n.seed), [true, false, false, false]);
    assert.equal(nodes[0]!.nodeInfo?.moniker, 'node-a');
    assert.deepEqual(nodes[0]!.pex, { outcome: 'answered', received: 2, accepted: 2 });
    assert.deepEqual(
      g.edges().map((e) => `${e.from === nid('a') ? 'a' : e.from === nid('b') ? 'b' : '?'}>${e.to}`),
      [`a>${nid('b')}@127.0.0.2:26656`, `a>${nid('c')}@127.0.0.3:26656`, `b>${nid('a')}@127.0.0.1:26656`, `b>${nid('c')}@127.0.0.3:26656`, `b>${nid('d')}@127.0.0.4:26656`],
    );
    assert.ok(g.edges().every((e) => e.to.startsWith(`${e.toNodeId}@`)));
  });

  it('dedupes: one node per ID, one address per host:port, one edge per (from, to), repeats in an answer counted', () => {
    const g = new CrawlGraph(LIMITS);
    g.addSeed(seedOf('a'));
    g.addSeed(seedOf('a')); // the same seed twice
    const [a] = drain(g);
    g.reached(a!, info('a'));
    const accepted = g.answered(nid('a'), [wire('b'), wire('b'), { id: nid('b').toUpperCase(), ip: '127.0.0.1', port: 26656 }, wire('b', '::ffff:127.0.0.1')], 'loopback');
    assert.equal(accepted, 1, 'upper-case IDs and IPv4-mapped IPv6 are the same address on the wire');
    assert.equal(g.stats().duplicateAddresses, 3);
    assert.equal(g.size, 2);
    // The same edge in a later answer is not recorded twice.
    g.answered(nid('a'), [wire('b')], 'loopback');
    assert.equal(g.edges().length, 1);
    assert.deepEqual(g.crawledNodes()[1]!.addresses, ['127.0.0.1:26656']);
  });

  it('bounds an answer at maxAddressesPerResponse, the nodes at maxNodes and the edges at maxEdges, counting every drop', () => {
    const g = new CrawlGraph({ ...LIMITS, maxAddressesPerResponse: 5, maxNodes: 4, maxEdges: 6 });
    g.addSeed(seedOf('a'));
    const [a] = drain(g);
    g.reached(a!, info('a'));
    const flood = Array.from({ length: 1000 }, (_, i) => wire(`f${i}`));
    assert.equal(g.answered(nid('a'), flood, 'loopback'), 3, 'room for 3 more nodes');
    const s = g.stats();
    assert.equal(s.addressesReceived, 1000);
    assert.equal(s.droppedOverResponseLimit, 995);
    assert.equal(s.droppedOverNodeLimit, 2);
    assert.equal(g.size, 4);
    assert.deepEqual(g.crawledNodes()[0]!.pex, { outcome: 'answered', received: 1000, accepted: 3 });
    const [f0, f1, f2] = drain(g);
    g.reached(f0!, info('f0'));
    // f0 names the 3 others (a, f1, f2): edges 3 + 3 = 6, the limit; f1's answer then adds none.
    g.answered(nid('f0'), [wire('a'), wire('f1'), wire('f2')], 'loopback');
    g.reached(f1!, info('f1'));
    g.answered(nid('f1'), [wire('a'), wire('f0')], 'loopback');
    assert.equal(g.edges().length, 6);
    assert.equal(g.stats().droppedOverEdgeLimit, 2);
    g.unreached(f2!, 'refused', 'connection refused');
  });

  it('keeps at most maxAddressesPerNode addresses per node and tries them in turn until one works', () => {
    const g = new CrawlGraph({ ...LIMITS, maxAddressesPerNode: 2 });
    g.addSeed(seedOf('a'));
    const [a] = drain(g);
    g.reached(a!, info('a'));
    g.answered(nid('a'), [wire('b', '127.0.0.2'), wire('b', '127.0.0.3'), wire('b', '127.0.0.4')], 'loopback');
    assert.equal(g.stats().droppedOverAddressLimit, 1);
    const [first] = drain(g);
    assert.equal(first!.hostPort, '127.0.0.2:26656');
    g.unreached(first!, 'refused', 'refused');
    const [second] = drain(g);
    assert.equal(second!.hostPort, '127.0.0.3:26656', 'the next address is queued after a failure');
    g.reached(second!, info('b'));
    const b = g.crawledNodes()[1]!;
    assert.equal(b.status, 'reachable');
    assert.equal(b.address, '127.0.0.3:26656');
    assert.equal(b.error, undefined);
    assert.deepEqual(b.addresses, ['127.0.0.2:26656', '127.0.0.3:26656']);
  });

  it('gives an unreachable node another try when a new address of it is heard, but not a node that refused us', () => {
    const g = new CrawlGraph(LIMITS);
    g.addSeed(seedOf('a'));
    g.addSeed(seedOf('x', '127.0.0.9'));
    const [a, x] = drain(g);
    g.unreached(x!, 'incompatible', 'peer is on network other', { final: true, nodeInfo: makeNodeInfo({ nodeId: nid('x'), network: 'other' }) });
    g.reached(a!, info('a'));
    g.answered(nid('a'), [wire('b', '127.0.0.2')], 'loopback');
    const [b] = drain(g);
    g.unreached(b!, 'timeout', 'dial timed out');
    assert.equal(g.crawledNodes()[2]!.status, 'unreachable');
    assert.equal(g.crawledNodes()[2]!.error?.kind, 'timeout');
    // A new address for b, another for x.
    g.answered(nid('a'), [wire('b', '127.0.0.5'), wire('x', '127.0.0.6')], 'loopback');
    const retry = drain(g);
    assert.deepEqual(retry.map((t) => [t.nodeId, t.hostPort]), [[nid('b'), '127.0.0.5:26656']]);
    const xNode = g.crawledNodes()[1]!;
    assert.equal(xNode.status, 'unreachable');
    assert.equal(xNode.error?.kind, 'incompatible');
    assert.equal(xNode.nodeInfo?.network, 'other');
  });

  it('applies the private-address rule of PEX: loopback only from loopback nodes, private from non-public ones', () => {
    const g = new CrawlGraph(LIMITS);
    g.addSeed(seedOf('pub', '203.0.113.7'));
    const [pub] = drain(g);
    g.reached(pub!, info('pub'));
    g.answered(nid('pub'), [wire('lo', '127.0.0.1'), wire('lan', '10.1.2.3'), wire('far', '198.51.100.9')], 'public');
    assert.deepEqual(drain(g).map((t) => t.nodeId), [nid('far')], 'only the public address is dialed');
    const byId = new Map(g.crawledNodes().map((n) => [n.nodeId, n]));
    assert.equal(byId.get(nid('lo'))!.status, 'skipped');
    assert.equal(byId.get(nid('lo'))!.error?.kind, 'private-address');
    assert.equal(byId.get(nid('lan'))!.status, 'skipped');
    assert.equal(g.edges().length, 3, 'what was advertised is recorded even when not dialed');

    const accepting = new CrawlGraph({ ...LIMITS, privateAddresses: 'accept' });
    accepting.addSeed(seedOf('pub', '203.0.113.7'));
    accepting.reached(drain(accepting)[0]!, info('pub'));
    accepting.answered(nid('pub'), [wire('lo', '127.0.0.1'), wire('lan', '10.1.2.3')], 'public');
    assert.equal(drain(accepting).length, 2);

    const lan = new CrawlGraph(LIMITS);
    lan.addSeed(seedOf('gw', '10.0.0.1'));
    lan.reached(drain(lan)[0]!, info('gw'));
    lan.answered(nid('gw'), [wire('lo', '127.0.0.1'), wire('lan', '10.1.2.3')], 'private');
    assert.deepEqual(drain(lan).map((t) => t.nodeId), [nid('lan')]);
  });

  it('counts malformed and undialable entries without recording them, and never records itself', () => {
    const self = nid('self');
    const g = new CrawlGraph(LIMITS, self);
    g.addSeed(seedOf('self'));
    assert.equal(g.size, 0, 'our own address as a seed is ignored');
    g.addSeed(seedOf('a'));
    g.reached(drain(g)[0]!, info('a'));
    const entries: WireAddress[] = [
      { id: 'zz', ip: '127.0.0.1', port: 1 },
      { id: nid('h'), ip: 'host.example', port: 1 },
      { id: nid('p'), ip: '127.0.0.1', port: 70000 },
      {},
      { id: nid('z'), ip: '127.0.0.1', port: 0 },
      { id: nid('u'), ip: '0.0.0.0', port: 26656 },
      wire('self'),
    ];
    assert.equal(g.answered(nid('a'), entries, 'loopback'), 0);
    assert.equal(g.stats().invalidAddresses, 4);
    assert.equal(g.stats().unusableAddresses, 3);
    assert.equal(g.size, 1);
    assert.deepEqual(g.edges(), []);
  });

  it('records the PEX outcome of a reached node that did not answer, and interrupted dials as not dialed', () => {
    const g = new CrawlGraph(LIMITS);
    g.addSeed(seedOf('a'));
    g.addSeed(seedOf('b', '127.0.0.2'));
    const [a, b] = drain(g);
    g.reached(a!, info('a'));
    g.pexFailed(nid('a'), 'timeout');
    g.interrupted(b!);
    const [na, nb] = g.crawledNodes();
    assert.deepEqual(na!.pex, { outcome: 'timeout', received: 0, accepted: 0 });
    assert.equal(nb!.status, 'not-dialed');
    assert.equal(nb!.error?.kind, 'interrupted');
    assert.equal(nb!.address, undefined);
    assert.equal(g.stats().dials, 2);
  });

  it('refuses to record an outcome for a node that is not being dialed (a bug, not a peer fault)', () => {
    const g = new CrawlGraph(LIMITS);
    g.addSeed(seedOf('a'));
    const fake: DialTarget = { nodeId: nid('a'), address: seedOf('a'), hostPort: '127.0.0.1:26656' };
    assert.throws(() => g.reached(fake, info('a')), /not being dialed/);
  });
});
