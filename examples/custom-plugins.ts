import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { NodeKey, TOKENS, createNode, type Node } from 'tmp2p';
import { MyEcho } from './declare-reactor.js';
import DropOldestQueueFactory from './drop-oldest-queue.js';
import UnixTransport, { SOCKET_DIR } from './unix-transport.js';

// node dist/custom-plugins.js [config file] [seconds]: three nodes on the plugins of this folder; the registry knows two.
const [configFile = 'custom-plugins.toml', seconds = '10'] = process.argv.slice(2);
// The plugins' modules sit next to this program once compiled.
const baseDir = dirname(fileURLToPath(import.meta.url));

const keys = [NodeKey.generate(), NodeKey.generate(), NodeKey.generate()];
const registered = new Set<string>([keys[0]!.nodeId, keys[1]!.nodeId]);
const registry = createServer((request, response) => {
  response.writeHead(registered.has(request.url?.split('/').pop() ?? '') ? 200 : 404).end();
});
await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
const registryUrl = `http://127.0.0.1:${(registry.address() as { port: number }).port}`;
const socketDir = await mkdtemp(join(tmpdir(), 'tmp2p-unix-'));

const nodes: Node[] = [];
try {
  for (const [i, nodeKey] of keys.entries()) {
    const values = { moniker: `node${i}`, gating: { registry: { url: registryUrl } }, p2p: { persistent_peers: i === 0 ? '' : `unix:${keys[0]!.nodeId}` } };
    nodes.push(await createNode({ file: configFile, baseDir, values }, { nodeKey, reactors: [MyEcho], configure: (c) => void c.bind(SOCKET_DIR).toConstantValue(socketDir) }));
  }
  const interrupted = new AbortController();
  process.once('SIGINT', () => interrupted.abort());
  await sleep(Number(seconds) * 1000, undefined, { signal: interrupted.signal }).catch(() => {});

  for (const node of nodes) {
    const queues = node.container.get<DropOldestQueueFactory>(TOKENS.QueueFactory);
    const [transport] = node.container.getAll<UnixTransport>(TOKENS.Transport);
    const { pingsReceived, pongsReceived } = node.reactor(MyEcho);
    console.log(`${node.config.moniker} at ${node.addresses().join(', ')}: ${node.peers().length} peer(s), ${pingsReceived} pings and ${pongsReceived} pongs received`);
    console.log(`  ${queues.name} queue policy: ${queues.queuesCreated} queues; ${transport!.name} transport: ${JSON.stringify(transport!.counts)}`);
    for (const peer of node.peerManager.snapshot()) console.log(`  peer ${peer.nodeId.slice(0, 8)} ${peer.state}, score ${JSON.stringify(peer.score.parts)}`);
    const refused = node.router.metrics().rejectedInbound;
    if (Object.keys(refused).length > 0) console.log(`  refused inbound: ${JSON.stringify(refused)}`);
  }
} finally {
  for (const node of nodes.reverse()) await node.stop();
  registry.close();
  await rm(socketDir, { recursive: true, force: true });
}
