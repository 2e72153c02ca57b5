import { createNode } from '../node/create-node.js';
import type { Node } from '../node/node.js';
import { silentLogger } from '../framework/logging/logger.js';
import { MemoryNetwork } from '../plugins/transports/memory/memory-network.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import { TOKENS } from '../framework/tokens.js';
import { heapMB, type Scenario } from './harness.js';

const CLIENTS = 1000;

/**
 * Full Routers on the memory transport: 1,000 nodes dial one hub at once;
 * timed from the first addPeer until the hub has routed all of them (dial,
 * NodeInfo handshake, PeerManager admission, peer queues, ready). Node
 * creation is outside the timing.
 */
export const memoryDialScenario: Scenario = {
  name: 'memory-dial',
  description: `${CLIENTS.toLocaleString('en-US')} nodes dial one hub on the memory transport, full Routers`,
  async run(report) {
    const network = new MemoryNetwork();
    const base = { p2p: { transports: ['memory'], laddr: 'memory' }, reactors: { enabled: ['echo'], echo: { ping_interval: '1h' } } };
    const options = { memoryNetwork: network, logger: silentLogger(), reactors: [EchoReactor] };
    // The hub's limits are raised so they measure the stack, not a refusal: its accept backlog
    // (default 128, like a small TCP listen queue) would refuse most of 1,000 simultaneous dials,
    // which then wait out their retry delay.
    const hub = await createNode(
      { values: { ...base, p2p: { ...base.p2p, max_connections: CLIENTS + 10, max_inbound_connections: 0, max_concurrent_inbound_handshakes: CLIENTS, max_peers: CLIENTS * 2 } } },
      { ...options, configure: (c) => c.rebind(TOKENS.MemoryTransportOptions).toConstantValue({ backlog: CLIENTS }) },
    );
    const clients: Node[] = [];
    for (let i = 0; i < CLIENTS; i++) clients.push(await createNode({ values: base }, options));
    const heapBefore = heapMB();
    const hubAddress = hub.addresses()[0]!;
    const started = performance.now();
    for (const client of clients) client.addPeer(hubAddress);
    while (hub.peers().length < CLIENTS) await new Promise((resolve) => setImmediate(resolve));
    const seconds = (performance.now() - started) / 1000;
    report({
      scenario: 'memory-dial',
      case: `${CLIENTS} concurrent dials to one hub`,
      value: CLIENTS / seconds,
      unit: 'conn/s',
      notes: `all routed in ${(seconds * 1000).toFixed(0)} ms; heap +${(heapMB() - heapBefore).toFixed(0)} MB`,
    });
    await Promise.all(clients.map((c) => c.stop()));
    await hub.stop();
  },
};
