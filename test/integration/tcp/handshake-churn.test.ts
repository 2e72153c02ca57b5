import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import type { Node } from '../../../node/node.js';
import type { Endpoint } from '../../../framework/address/endpoint.js';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { startMainThreadWatchdog, type MainThreadWatchdog } from '../../support/main-thread-watchdog.js';
import { churnHandshake } from '../../support/evil-peers.js';

/*
 * Handshake churn against a real node: clients open TCP connections, run the
 * whole SecretConnection handshake and NodeInfo exchange, and hang up, as
 * fast as they can. Every handshake makes an ephemeral key on the node; on
 * Node 20 key-generation jobs could freeze the node's main thread this way
 * for good. The node must keep echoing an honest peer between batches, and a
 * watchdog thread kills the process if the main thread stalls for 5 s.
 */
const HANDSHAKES = 400;
const IN_FLIGHT = 8;
const PING_EVERY = 100;

/** Clients come from distinct loopback addresses, so no per-IP rule of the node is what is measured. */
function clientAddress(i: number): string {
  return `127.0.1.${1 + (i % 250)}`;
}

async function churnOnce(endpoint: Endpoint, i: number, nodePublicKey: Uint8Array): Promise<void> {
  const proved = await churnHandshake(endpoint, NodeKey.fromSecret(`churn ${i}`), { from: clientAddress(i) });
  assert.deepEqual(proved, nodePublicKey, 'the node proved its own key');
}

describe('handshake churn against a tmp2p node over TCP', function () {
  this.timeout(120_000);
  let net: TestNetwork;
  let target: Node;
  let watchdog: MainThreadWatchdog | undefined;
  let beating: NodeJS.Timeout | undefined;

  before(async () => {
    net = await createTestNetwork({
      nodes: 2,
      reactors: [EchoReactor],
      config: {
        p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', max_connections: 64, max_concurrent_inbound_handshakes: 100 },
        gating: { per_ip: { max_connections: 100, allow_duplicate_ip: true }, attempt_window: { window: '0s' } },
        reactors: { echo: { ping_interval: '1h' } },
      },
    });
    await net.waitForFullMesh();
    target = net.node(0);
  });

  after(async () => {
    if (beating) clearInterval(beating);
    await watchdog?.stop();
    await net?.stop();
  });

  it(`completes ${HANDSHAKES} real handshakes, ${IN_FLIGHT} at a time, and keeps answering an honest peer throughout`, async () => {
    watchdog = await startMainThreadWatchdog('handshake churn against a node over TCP');
    beating = setInterval(() => watchdog!.beat(), 50);
    const endpoint = target.router.endpoints()[0]!;
    const honest = net.node(1);
    const echo = honest.reactor(EchoReactor);
    let next = 0;
    let completed = 0;
    let pongsChecked = 0;
    const worker = async (): Promise<void> => {
      while (next < HANDSHAKES) {
        const i = next++;
        await churnOnce(endpoint, i, target.nodeKey.publicKey);
        completed++;
      }
    };
    const checkPongs = async (): Promise<void> => {
      while (completed < HANDSHAKES) {
        const before = echo.stats.pongsReceived;
        echo.ping();
        await net.waitFor(() => echo.stats.pongsReceived > before, { what: `an echo round trip with the honest peer after ${completed} churned handshakes`, timeoutMs: 10_000 });
        pongsChecked++;
        const mark = completed;
        await net.waitFor(() => completed >= Math.min(HANDSHAKES, mark + PING_EVERY), { what: 'the next batch of churned handshakes', timeoutMs: 60_000 });
      }
    };
    await Promise.all([...Array.from({ length: IN_FLIGHT }, worker), checkPongs()]);
    assert.equal(completed, HANDSHAKES);
    assert.ok(pongsChecked >= HANDSHAKES / PING_EVERY, `the honest peer was answered ${pongsChecked} times during the churn`);
    assert.deepEqual(target.peers().includes(honest.nodeId), true, 'the honest peer stayed connected');
    const before = echo.stats.pongsReceived;
    echo.ping();
    await net.waitFor(() => echo.stats.pongsReceived > before, { what: 'an echo round trip after the churn', timeoutMs: 10_000 });
  });
});
