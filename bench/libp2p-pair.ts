import './promise-with-resolvers.js';
import { Worker } from 'node:worker_threads';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Libp2p } from 'libp2p';
import { BENCH_PROTOCOL, createBenchLibp2p } from './libp2p-node.js';
import { encodeDelimited } from '../framework/transport/length-prefix.js';
import { mailbox } from './worker-mailbox.js';
import type { MessageRound, SetupResult } from './tmp2p-pair.js';

/** A js-libp2p node here and one in a worker thread (libp2p-peer-worker.ts), connected. */
export interface Libp2pPair {
  readonly node: Libp2p;
  readonly far: Multiaddr;
  close(): Promise<void>;
  /** Tells the far side to count `count` messages; resolves once it is ready, with its report of the last one. */
  expect(count: number): Promise<{ done: Promise<{ bytes: number; fullCollections: number }> }>;
}

export async function startLibp2pPair(): Promise<Libp2pPair> {
  const worker = new Worker(new URL('./libp2p-peer-worker.js', import.meta.url));
  const next = mailbox(worker);
  worker.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'stream-error') console.error(`js-libp2p far side: ${m.message}`);
  });
  const listening = await next<{ type: string; address: string }>('listening');
  const far = multiaddr(listening.address);
  const node = await createBenchLibp2p(false);
  await node.dial(far);
  return {
    node,
    far,
    async expect(count) {
      const ready = next('ready');
      worker.postMessage({ type: 'expect', count });
      await ready;
      return { done: next<{ type: string; bytes: number; fullCollections: number }>('done') };
    },
    async close() {
      await node.stop();
      const stopped = next('stopped');
      worker.postMessage({ type: 'stop' });
      await stopped;
      await worker.terminate();
    },
  };
}

/**
 * `count` messages of `size` bytes down one new stream on the existing
 * connection, each written as its own length-prefixed chunk (as
 * `pipe(messages, lp.encode, stream)` does); timed until the far side has
 * received the last one.
 */
export async function libp2pMessageRate(pair: Libp2pPair, size: number, count: number): Promise<MessageRound> {
  const stream = await pair.node.dialProtocol(pair.far, BENCH_PROTOCOL);
  const { done } = await pair.expect(count);
  const framed = encodeDelimited(new Uint8Array(size).fill(7));
  const started = performance.now();
  await stream.sink(
    (async function* () {
      for (let i = 0; i < count; i++) yield framed;
    })(),
  );
  const { bytes, fullCollections } = await done;
  const seconds = (performance.now() - started) / 1000;
  await stream.close();
  return { seconds, bytes, farFullCollections: fullCollections };
}

/**
 * Fresh connections to `far` (TCP + multistream-select + noise XX +
 * multistream-select + yamux), each closed again: `dialers` libp2p nodes
 * (one identity each) in this thread, each with one dial in flight, for `durationMs`.
 */
export async function libp2pSetups(far: Multiaddr, dialers: number, durationMs: number): Promise<SetupResult> {
  const nodes = await Promise.all(Array.from({ length: dialers }, () => createBenchLibp2p(false)));
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + durationMs;
  try {
    await Promise.all(
      nodes.map(async (node) => {
        while (performance.now() < until) {
          const t = performance.now();
          const connection = await node.dial(far);
          latencies.push(performance.now() - t);
          await connection.close();
        }
      }),
    );
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
  return { setups: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}
