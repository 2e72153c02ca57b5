import { connect } from 'node:net';
import type { Endpoint } from '../framework/address/endpoint.js';
import { loadConfig } from '../node/config/loader.js';
import { createNode } from '../node/create-node.js';
import { ConnectionGate } from '../framework/gating/connection-gate.js';
import { resolveGatingOptions } from '../framework/gating/options.js';
import { silentLogger } from '../framework/logging/logger.js';
import { AttemptWindowGater } from '../plugins/gating/attempt-window.js';
import { CidrGater } from '../plugins/gating/cidr.js';
import { NodeIdGater } from '../plugins/gating/node-id.js';
import { PerIpGater } from '../plugins/gating/per-ip.js';
import type { Scenario } from './harness.js';

const DECISIONS = 200_000;
const FLOOD_SECONDS = 2;
const FLOOD_CLIENTS = 16;

/** 1,000 /24 blocks in 198.18.0.0/15 (benchmarking space) that the test IPs never fall in. */
const DENY_LIST = Array.from({ length: 1000 }, (_, i) => `198.${18 + (i >> 8)}.${i & 255}.0/24`);

/**
 * Connection gating cost: decisions of the gate with the built-in gaters
 * (no sockets), then a node refusing a connection flood from a denied IP
 * over loopback TCP, against the same flood allowed to start handshakes.
 */
export const gatingScenario: Scenario = {
  name: 'gating',
  description: 'connection gate decisions in-process, and a node refusing a TCP connection flood from a denied IP',
  async run(report) {
    const { gating } = await loadConfig({
      values: { gating: { cidr: { deny: [...DENY_LIST, '203.0.113.0/24'] }, per_ip: { max_connections: 8 }, attempt_window: { window: '1ms' } } },
    });
    const gate = new ConnectionGate(
      [new CidrGater(gating.cidr), new NodeIdGater(gating.nodeId), new PerIpGater(gating.perIp), new AttemptWindowGater(gating.attemptWindow)],
      resolveGatingOptions({}),
      silentLogger(),
    );
    const allowed: Endpoint[] = Array.from({ length: 10_000 }, (_, i) => ({ protocol: 'mconn', ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 40000 }));
    let started = performance.now();
    for (let i = 0; i < DECISIONS; i++) (await gate.admit(allowed[i % allowed.length]!, { direction: 'inbound' })).release();
    let seconds = (performance.now() - started) / 1000;
    report({ scenario: 'gating', case: 'admit + release, 4 gaters', value: DECISIONS / seconds, unit: 'conn/s', notes: '1,001 CIDR deny blocks, per-IP cap, attempt window; 10,000 IPs' });

    const denied: Endpoint = { protocol: 'mconn', ip: '203.0.113.7', port: 40000 };
    started = performance.now();
    for (let i = 0; i < DECISIONS / 4; i++) await gate.admit(denied, { direction: 'inbound' }).catch(() => undefined);
    seconds = (performance.now() - started) / 1000;
    report({ scenario: 'gating', case: 'denial (cidr-denied)', value: DECISIONS / 4 / seconds, unit: 'conn/s', notes: 'ConnectionDeniedError built each time' });

    const refused = await flood('127.0.0.2');
    const handshaking = await flood('127.0.0.1');
    report({
      scenario: 'gating',
      case: `TCP flood, denied IP (${FLOOD_CLIENTS} clients)`,
      value: refused.connections / FLOOD_SECONDS,
      unit: 'conn/s',
      notes: `closed with ${refused.bytes} bytes sent; same flood allowed (handshake begun, then dropped): ${Math.round(handshaking.connections / FLOOD_SECONDS)} conn/s`,
    });
  },
};

/** Clients from `localAddress` connect to a node denying 127.0.0.2 as fast as it lets them, for FLOOD_SECONDS. */
async function flood(localAddress: string): Promise<{ connections: number; bytes: number }> {
  const node = await createNode(
    {
      values: {
        network: 'bench',
        p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', max_concurrent_inbound_handshakes: 1000, max_concurrent_inbound_handshakes_per_ip: 0 },
        gating: { cidr: { deny: ['127.0.0.2/32'] }, per_ip: { max_connections: 0 } },
        reactors: { enabled: [] },
      },
    },
    { logger: silentLogger() },
  );
  const port = node.router.endpoints()[0]!.port!;
  const until = performance.now() + FLOOD_SECONDS * 1000;
  let connections = 0;
  let bytes = 0;
  const client = async () => {
    while (performance.now() < until) {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, localAddress });
        socket.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          socket.destroy(); // an allowed connection: the handshake has begun; hang up
        });
        socket.on('error', () => {});
        socket.once('close', () => resolve());
      });
      connections++;
    }
  };
  await Promise.all(Array.from({ length: FLOOD_CLIENTS }, client));
  await node.stop();
  return { connections, bytes };
}
