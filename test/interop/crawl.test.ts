import assert from 'node:assert/strict';
import { crawl } from '../../node/crawl/crawl.js';
import type { CrawlResult } from '../../node/crawl/crawl-result.js';
import { PEX_CHANNEL_ID } from '../../reactors/pex/pex-channel.js';
import { cometBFTOrSkip, type CometBFTNode } from './support/cometbft.js';
import { CometBFTNetwork } from './support/cometbft-network.js';
import { pollUntil } from './support/poll.js';
import { tmp2p } from '../support/cli.js';

/**
 * `crawl` against a local four-node CometBFT v0.38.17 network on loopback: a kvstore validator and
 * three non-validator full nodes on its genesis, each with the validator as persistent peer, PEX
 * on, `addr_book_strict = false` and `allow_duplicate_ip = true` (see support/node-config.ts).
 * The validator's address book holds every full node (CometBFT adds an inbound peer's listen
 * address), and each full node's holds the validator (its persistent peer), so a crawl seeded with
 * the validator alone must reach all four and see the edges validator → full node and full node →
 * validator. Node IDs are checked against `cometbft show-node-id` of each node's home.
 */

/** What CometBFT logs when it punishes a peer for PEX misbehaviour (ban, too-frequent requests, unsolicited answers). */
const PEX_PUNISHMENT = /Add address to blacklist|MarkBad|too soon|unsolicited|Peer sent us too many addresses/i;

describe('interop: crawl a four-node CometBFT v0.38.17 network', function () {
  let net: CometBFTNetwork | undefined;
  let failed = false;
  const crawlerIds: string[] = [];

  before(async function () {
    const binary = await cometBFTOrSkip(this, 'crawl interop tests');
    net = await CometBFTNetwork.start({ binary, fullNodes: 3, monikerPrefix: 'crawl', timeoutMs: 180_000 });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async function () {
    if (failed && net) console.error(net.logTails(60));
    await net?.cleanup();
  });

  function network(): CometBFTNetwork {
    assert.ok(net, 'suite setup did not complete');
    return net;
  }

  const hostPort = (n: CometBFTNode) => `127.0.0.1:${n.p2pPort}`;
  const edgeKey = (from: CometBFTNode, to: CometBFTNode) => `${from.nodeId} -> ${to.nodeId}@${hostPort(to)}`;

  /** The expected edges still missing from a crawl's result. */
  function missingEdges(result: CrawlResult): string[] {
    const { validator, fullNodes } = network();
    const edges = new Set(result.edges.map((e) => `${e.from} -> ${e.to}`));
    const expected = fullNodes.flatMap((full) => [edgeKey(validator, full), edgeKey(full, validator)]);
    return expected.filter((e) => !edges.has(e));
  }

  it('finds all four nodes from the validator alone, with their NodeInfo and who advertised whom', async function () {
    const cmt = network();
    // The validator adds a full node's address to its book when that node's connection is set up; poll rather than assume it is done.
    let last: CrawlResult | undefined;
    const result = await pollUntil(
      async () => {
        const r = (last = await crawl({ seeds: [cmt.validator.p2pAddress], network: cmt.chainId, durationMs: 60_000, dialTimeoutMs: 10_000, handshakeTimeoutMs: 20_000, pexTimeoutMs: 20_000 }));
        crawlerIds.push(r.crawler.nodeId);
        const reached = cmt.nodes.every((n) => r.nodes.some((found) => found.nodeId === n.nodeId && found.status === 'reachable'));
        return reached && missingEdges(r).length === 0 ? r : undefined;
      },
      () =>
        `no crawl found all four nodes and the edges between them and the validator; the last one: ` +
        JSON.stringify({ nodes: last?.nodes.map((n) => [n.nodeId, n.status, n.error, n.pex]), missing: last && missingEdges(last) }),
      { timeoutMs: 240_000, intervalMs: 2_000 },
    );

    assert.equal(result.finished, 'complete');
    assert.equal(result.nodes[0]!.nodeId, cmt.validator.nodeId);
    assert.ok(result.nodes[0]!.seed);
    for (const n of cmt.nodes) {
      const found = result.nodes.find((r) => r.nodeId === n.nodeId)!; // n.nodeId is `cometbft show-node-id`
      assert.equal(found.status, 'reachable', `${n.moniker}: ${JSON.stringify(found)}`);
      assert.equal(found.address, hostPort(n));
      assert.equal(found.nodeInfo?.moniker, n.moniker);
      assert.equal(found.nodeInfo?.network, cmt.chainId);
      assert.equal(found.nodeInfo?.version, '0.38.17');
      assert.equal(found.nodeInfo?.protocolVersion.block, 11);
      assert.match(found.nodeInfo?.listenAddr ?? '', new RegExp(`127\\.0\\.0\\.1:${n.p2pPort}$`));
      for (const channel of [PEX_CHANNEL_ID, 0x20, 0x30, 0x40]) assert.ok(found.nodeInfo?.channels.includes(channel), `${n.moniker} advertises channel 0x${channel.toString(16)}`);
      assert.equal(found.pex?.outcome, 'answered', `${n.moniker} answered our PexRequest`);
    }
    assert.deepEqual(missingEdges(result), []);
    // Every edge names a node of the network at its real address.
    const real = new Set(cmt.nodes.map((n) => `${n.nodeId}@${hostPort(n)}`));
    for (const edge of result.edges) assert.ok(real.has(edge.to), `edge ${edge.from} -> ${edge.to} points into the network`);
    assert.equal(result.nodes.length, cmt.nodes.length, 'no node that is not in the network');
  });

  it('`tmp2p crawl --json` prints the same network, and the table lists all four nodes', async function () {
    const cmt = network();
    const json = await tmp2p(['crawl', '--seeds', cmt.validator.p2pAddress, '--network', cmt.chainId, '--json'], { timeoutMs: 120_000 });
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as CrawlResult;
    crawlerIds.push(result.crawler.nodeId);
    assert.deepEqual(
      new Set(result.nodes.map((n) => `${n.nodeId} ${n.status} ${n.nodeInfo?.moniker}`)),
      new Set(cmt.nodes.map((n) => `${n.nodeId} reachable ${n.moniker}`)),
    );
    assert.deepEqual(missingEdges(result), []);

    const table = await tmp2p(['crawl', '--seeds', cmt.validator.p2pAddress, '--network', cmt.chainId], { timeoutMs: 120_000 });
    assert.equal(table.code, 0, table.stderr);
    for (const n of cmt.nodes) assert.match(table.stdout, new RegExp(`^${n.nodeId}\\s+reachable\\s+127\\.0\\.0\\.1:${n.p2pPort}\\s+${n.moniker}\\s+0\\.38\\.17\\s`, 'm'));
    assert.match(table.stdout, /^4 nodes: 4 reachable, 0 unreachable, 0 skipped, 0 not dialed; \d+ edges; 4 dials; complete after/m);
  });

  it('leaves no node punishing the crawler, and no crawler address in their books', async function () {
    const cmt = network();
    const aboutCrawlers = async (n: CometBFTNode, pattern: RegExp) => (await n.grepLogFile(pattern)).filter((line) => crawlerIds.some((id) => line.includes(id)));
    for (const n of cmt.nodes) {
      assert.deepEqual(await aboutCrawlers(n, PEX_PUNISHMENT), [], `${n.moniker} punished a crawler`);
      // CometBFT logs every disconnect as "Stopping peer for error"; for a crawler the error must be its hang-up (EOF), nothing it did wrong.
      const stopped = await aboutCrawlers(n, /Stopping peer for error/);
      assert.ok(stopped.length >= 1, `${n.moniker} saw a crawler go`);
      assert.deepEqual(stopped.filter((line) => !/err=EOF\s*$/.test(line)), [], `${n.moniker} dropped a crawler for an error`);
    }
    // A crawler announces listen_addr 0.0.0.0:0, which CometBFT refuses to keep; so a later crawl hears of no crawler.
    const later = await crawl({ seeds: [cmt.validator.p2pAddress], network: cmt.chainId, durationMs: 60_000, dialTimeoutMs: 10_000, handshakeTimeoutMs: 20_000, pexTimeoutMs: 20_000 });
    const heard = later.nodes.filter((n) => crawlerIds.includes(n.nodeId));
    assert.deepEqual(heard, []);
  });
});
