import './promise-with-resolvers.js';
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';

/** The benchmark's one protocol: length-prefixed messages, counted by the far side. */
export const BENCH_PROTOCOL = '/tmp2p-bench/messages/1.0.0';
/** Largest message the far side accepts (the bulk case sends 1 MiB). */
export const MAX_BENCH_MESSAGE = 2 * 1024 * 1024;

/**
 * A js-libp2p node as a typical application configures one for TCP: noise
 * encryption, yamux multiplexing, no extra services. The connection monitor
 * (periodic pings over a protocol nobody here serves) is off, and the listener's
 * limits are raised so the setup-rate case is not refused: by default it accepts
 * only 5 new connections per second per host and 10 pending upgrades.
 */
export function createBenchLibp2p(listen: boolean): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    connectionManager: {
      inboundConnectionThreshold: 1_000_000,
      maxIncomingPendingConnections: 512,
      maxConnections: 4096,
    },
  });
}
