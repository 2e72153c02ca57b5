import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import type { CrawledNode, CrawlResult, CrawlStats } from '../../../../node/crawl/crawl-result.js';
import { formatCrawlTable } from '../../../../node/crawl/table.js';

const A = 'a'.repeat(40) as NodeID;
const B = 'b'.repeat(40) as NodeID;
const C = 'c'.repeat(40) as NodeID;

const ZERO: CrawlStats = {
  dials: 2,
  responses: 1,
  addressesReceived: 2,
  addressesAccepted: 2,
  droppedOverResponseLimit: 0,
  droppedOverNodeLimit: 0,
  droppedOverAddressLimit: 0,
  droppedOverEdgeLimit: 0,
  invalidAddresses: 0,
  unusableAddresses: 0,
  duplicateAddresses: 0,
  ignoredMessages: 0,
};

function result(nodes: CrawledNode[], stats: Partial<CrawlStats> = {}): CrawlResult {
  return {
    network: 'test-chain',
    crawler: { nodeId: 'd'.repeat(40) as NodeID, moniker: 'tmp2p-crawler' },
    startedAt: new Date(0).toISOString(),
    elapsedMs: 1234,
    finished: 'complete',
    stats: { ...ZERO, ...stats },
    nodes,
    edges: [
      { from: A, to: `${B}@127.0.0.2:26656`, toNodeId: B },
      { from: A, to: `${C}@10.0.0.3:26656`, toNodeId: C },
    ],
  };
}

const nodeInfo = (moniker: string, version = '0.38.17') => ({
  moniker,
  version,
  network: 'test-chain',
  channels: [0, 0x20],
  listenAddr: 'tcp://0.0.0.0:26656',
  protocolVersion: { p2p: 8, block: 11, app: 0 },
  txIndex: 'on',
  rpcAddress: '',
});

describe('formatCrawlTable', () => {
  it('prints one row per node with its status, address, NodeInfo, PEX answer, in-degree and error kind, then a summary', () => {
    const text = formatCrawlTable(
      result([
        { nodeId: A, status: 'reachable', seed: true, addresses: ['127.0.0.1:26656'], address: '127.0.0.1:26656', nodeInfo: nodeInfo('validator'), pex: { outcome: 'answered', received: 2, accepted: 2 } },
        { nodeId: B, status: 'unreachable', seed: false, addresses: ['127.0.0.2:26656'], address: '127.0.0.2:26656', error: { kind: 'refused', message: 'ECONNREFUSED' } },
        { nodeId: C, status: 'skipped', seed: false, addresses: ['10.0.0.3:26656'], error: { kind: 'private-address', message: 'private' } },
      ]),
    );
    const lines = text.split('\n');
    assert.match(lines[0]!, /^node\s+status\s+address\s+moniker\s+version\s+pex\s+heard from\s+error$/);
    assert.match(lines[1]!, new RegExp(`^${A}\\s+reachable\\s+127\\.0\\.0\\.1:26656\\s+validator\\s+0\\.38\\.17\\s+2 addrs\\s+seed$`));
    assert.match(lines[2]!, new RegExp(`^${B}\\s+unreachable\\s+127\\.0\\.0\\.2:26656\\s+1\\s+refused$`));
    assert.match(lines[3]!, new RegExp(`^${C}\\s+skipped\\s+10\\.0\\.0\\.3:26656\\s+1\\s+private-address$`));
    assert.match(text, /3 nodes: 1 reachable, 1 unreachable, 1 skipped, 0 not dialed; 2 edges; 2 dials; complete after 1\.2 s/);
    assert.doesNotMatch(text, /dropped/);
  });

  it('escapes and truncates what peers wrote, so a moniker cannot forge rows or drive the terminal', () => {
    const evil = `\u001b[2J\u001b[31mevil\n${B}  reachable  fake row\r`;
    const text = formatCrawlTable(result([{ nodeId: A, status: 'reachable', seed: true, addresses: [], nodeInfo: nodeInfo(evil, 'v'.repeat(500)) }]));
    assert.doesNotMatch(text, /\u001b/);
    assert.doesNotMatch(text, /\r/);
    assert.equal(text.split('\n').filter((l) => l.startsWith(B)).length, 0, 'no forged row');
    assert.match(text, /\\x1b\[2J/);
    assert.ok(text.split('\n')[1]!.length < 250, 'long fields are truncated');
  });

  it('counts in the singular when there is one', () => {
    const text = formatCrawlTable(result([{ nodeId: B, status: 'unreachable', seed: true, addresses: ['127.0.0.2:26656'], address: '127.0.0.2:26656', error: { kind: 'refused', message: 'ECONNREFUSED' } }]));
    assert.match(text, /^1 node: 0 reachable, 1 unreachable, 0 skipped, 0 not dialed; \d+ edges?; \d+ dials?; /m);
  });

  it('lists every drop in the summary', () => {
    const text = formatCrawlTable(result([], { droppedOverResponseLimit: 850, droppedOverNodeLimit: 3, invalidAddresses: 2, ignoredMessages: 1 }));
    assert.match(text, /dropped or skipped: 850 addresses over the per-answer limit, 3 addresses of nodes over the node limit, 2 malformed addresses, 1 unexpected messages/);
  });
});
