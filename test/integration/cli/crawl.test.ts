import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { CrawlResult } from '../../../node/crawl/crawl-result.js';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { tmp2p as run } from '../../support/cli.js';

const tmp2p = (args: string[]) => run(args, { timeoutMs: 90_000 });
const NETWORK = 'cli-crawl-test';

describe('tmp2p crawl', function () {
  this.timeout(90_000);
  let net: TestNetwork;
  let addresses: string[];

  before(async () => {
    // Three tmp2p nodes over loopback TCP in a chain (0 knows 1, 1 knows 2), answering PEX but never asking.
    net = await createTestNetwork({
      nodes: 3,
      topology: 'none',
      config: { network: NETWORK, p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' }, reactors: { enabled: ['pex'], pex: { need_address_threshold: 0 } } },
    });
    net.connect(0, 1);
    net.connect(1, 2);
    await net.waitFor(() => net.node(0).peers().includes(net.node(1).nodeId) && net.node(1).peers().includes(net.node(2).nodeId), { what: 'the chain' });
    addresses = net.nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.router.endpoints()[0]!.port}`);
  });

  after(() => net?.stop());

  it('--json prints one JSON object with every node and edge, found from one seed', async () => {
    const result = await tmp2p(['crawl', '--seeds', addresses[0]!, '--network', NETWORK, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'nothing but the JSON object on stdout');
    const crawled = JSON.parse(lines[0]!) as CrawlResult;
    assert.equal(crawled.finished, 'complete');
    assert.equal(crawled.network, NETWORK);
    assert.deepEqual(crawled.nodes.map((n) => [n.nodeId, n.status, n.nodeInfo?.moniker]), net.nodes.map((n) => [n.nodeId, 'reachable', n.config.moniker]));
    const edges = new Set(crawled.edges.map((e) => `${e.from} -> ${e.to}`));
    const ids = net.nodes.map((n) => n.nodeId);
    assert.deepEqual(edges, new Set([`${ids[0]} -> ${addresses[1]}`, `${ids[1]} -> ${addresses[0]}`, `${ids[1]} -> ${addresses[2]}`, `${ids[2]} -> ${addresses[1]}`]));
  });

  it('prints a table and a summary without --json; several seeds by commas or repeated flags', async () => {
    const result = await tmp2p(['crawl', '--seeds', `${addresses[2]},${addresses[1]}`, '--seeds', addresses[0]!, '--network', NETWORK, '--concurrency', '1', '--duration', '60']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(lines[0]!, /^crawling cli-crawl-test from 3 seed\(s\) for up to 60 s/);
    assert.match(lines[1]!, /^node\s+status\s+address\s+moniker/);
    for (const [i, node] of net.nodes.entries()) {
      const row = lines.find((l) => l.startsWith(node.nodeId));
      assert.ok(row, `a row for node ${i}`);
      assert.match(row, new RegExp(`reachable\\s+127\\.0\\.0\\.1:\\d+\\s+${node.config.moniker}\\s`));
      assert.match(row, /\bseed\+\d\b/);
    }
    assert.match(result.stdout, /3 nodes: 3 reachable, 0 unreachable, 0 skipped, 0 not dialed; 4 edges; 3 dials; complete after/);
  });

  it('exits 1 when no node could be reached, after printing what it tried', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await tmp2p(['crawl', '--seeds', `${'a'.repeat(40)}@127.0.0.1:${port}`, '--network', NETWORK, '--json']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no node could be reached/);
    const crawled = JSON.parse(result.stdout) as CrawlResult;
    assert.deepEqual(crawled.nodes.map((n) => [n.status, n.error?.kind]), [['unreachable', 'refused']]);
  });

  it('rejects bad arguments with a clear message and exit code 1', async () => {
    const seed = `${'a'.repeat(40)}@127.0.0.1:26656`;
    const cases: Array<[string[], RegExp]> = [
      [['--network', NETWORK], /required option '--seeds/],
      [['--seeds', seed], /required option '--network/],
      [['--seeds', 'nobody@nowhere', '--network', NETWORK], /CrawlOptionsError: crawl option "seeds" is "nobody@nowhere"/],
      [['--seeds', seed, '--network', NETWORK, '--concurrency', '0'], /--concurrency must be an integer from 1 to 1000, got "0"/],
      [['--seeds', seed, '--network', NETWORK, '--duration', 'long'], /--duration must be a number/],
      [['--seeds', seed, '--network', NETWORK, '--dial-timeout', '0'], /--dial-timeout must be at least 1 ms/],
      [['--seeds', seed, '--network', NETWORK, '--private-addresses', 'maybe'], /--private-addresses.*choices/],
    ];
    for (const [args, message] of cases) {
      const result = await tmp2p(['crawl', ...args]);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });
});
