import 'reflect-metadata';
import { createNode } from '../node/create-node.js';
import { TOKENS } from '../framework/tokens.js';
import { silentLogger } from '../framework/logging/logger.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import type { MConnTransportOptions } from '../plugins/transports/mconn/options.js';
import { BenchBytesReactor } from './tcp-channel.js';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

/*
 * The node under test of the idle-connections scenario, in a process of its
 * own so that its RSS and CPU time are its alone. Every limit that would
 * refuse 5,000 loopback clients is set here explicitly (the defaults are for
 * a public network): connection and handshake caps, per-IP gating.
 */
const connections = Number(process.argv[2] ?? 5000);
const node = await createNode(
  {
    values: {
      network: 'bench',
      p2p: {
        transports: ['mconn'],
        laddr: 'tcp://127.0.0.1:0',
        max_connections: connections + 64,
        // No inbound budget below max_connections (the default keeps 40 slots for inbound peers).
        max_inbound_connections: 0,
        // This node dials nobody: the bench measures what holding inbound connections costs.
        max_outgoing_connections: 1,
        persistent_peers: '',
        max_peers: connections * 2 + 128,
        max_concurrent_inbound_handshakes: 256,
        handshake_timeout: '120s',
      },
      gating: { per_ip: { max_connections: 16, allow_duplicate_ip: true, max_tracked_ips: connections * 2 }, attempt_window: { window: '0s' } },
      reactors: { enabled: [], echo: { ping_interval: '1h' } },
    },
  },
  {
    reactors: [BenchBytesReactor, EchoReactor],
    logger: silentLogger(),
    // A loaded machine may take seconds per handshake; the bench measures that instead of refusing it.
    configure: (container) => {
      const options = container.get<MConnTransportOptions>(TOKENS.MConnTransportOptions);
      container.rebind(TOKENS.MConnTransportOptions).toConstantValue({ ...options, handshakePhaseTimeoutMs: 60_000, backlog: 1024 });
    },
  },
);

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (message: { type: string }) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send!({ type: 'cpu', cpuMs: (user + system) / 1000 });
  } else if (message.type === 'stats') {
    // CPU first: the collection below must not count as idle time.
    const { user, system } = process.cpuUsage();
    if (gc) gc();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    process.send!({ type: 'stats', peers: node.peers().length, rss, heapUsed, external, arrayBuffers, cpuMs: (user + system) / 1000 });
  } else if (message.type === 'profile-start') {
    void startProfile();
  } else if (message.type === 'profile-stop') {
    void stopProfile((message as { type: string; path: string }).path);
  } else if (message.type === 'heap-snapshot') {
    process.send!({ type: 'heap-snapshot', path: writeHeapSnapshot((message as { type: string; path: string }).path) });
  } else if (message.type === 'stop') {
    void node.stop().then(() => process.exit(0));
  }
});
process.send!({ type: 'listening', address: node.addresses()[0]!.toString() });

/*
 * BENCH_IDLE_PROFILE=<file>: the bench asks for a V8 CPU profile of the idle
 * window only (--cpu-prof would also cover the 5,000 accepts), written as a
 * .cpuprofile for Chrome's DevTools or a summary script.
 */
let session: Session | undefined;
async function startProfile(): Promise<void> {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  process.send!({ type: 'profile-started' });
}
async function stopProfile(path: string): Promise<void> {
  const { profile } = await session!.post('Profiler.stop');
  writeFileSync(path, JSON.stringify(profile));
  session!.disconnect();
  process.send!({ type: 'profile-stopped' });
}
