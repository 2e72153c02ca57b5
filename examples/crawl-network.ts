import { crawl, formatCrawlTable } from 'tmp2p';
import { createTestNetwork } from 'tmp2p/testing';

// Three tmp2p nodes on loopback TCP in a chain — node 0 knows node 1, node 1 knows node 2 — then
// a crawl that is given only node 0 and finds all three through PEX. Against a real network, pass
// its seeds (id@host:26656) and chain ID instead.
const net = await createTestNetwork({
  nodes: 3,
  topology: 'none',
  config: { network: 'example-chain', p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' }, reactors: { enabled: ['pex'] } },
});
net.connect(0, 1);
net.connect(1, 2);
await net.waitFor(() => net.node(1).peers().length === 2, { what: 'the chain to connect' });

const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());
const result = await crawl(
  { seeds: [net.node(0).addresses()[0]!.toString()], network: 'example-chain', durationMs: 30_000 },
  { signal: interrupted.signal },
);
process.stdout.write(formatCrawlTable(result));
for (const edge of result.edges) console.log(`${edge.from.slice(0, 8)}… advertised ${edge.to}`);
await net.stop();
