import './promise-with-resolvers.js';
import { parentPort } from 'node:worker_threads';
import { BENCH_PROTOCOL, MAX_BENCH_MESSAGE, createBenchLibp2p } from './libp2p-node.js';
import { DelimitedReader } from '../framework/transport/length-prefix.js';
import { FullCollectionCounter } from './full-collections.js';

/**
 * The far side of the js-libp2p comparison, in its own thread like
 * tcp-peer-worker.ts: a listening libp2p node that counts the length-prefixed
 * messages arriving on BENCH_PROTOCOL streams and says when a target is reached.
 */
const port = parentPort!;
const node = await createBenchLibp2p(true);
let received = 0;
let receivedBytes = 0;
let target = Infinity;
const fullCollections = new FullCollectionCounter();
let collectionsBefore = 0;

await node.handle(
  BENCH_PROTOCOL,
  async ({ stream }) => {
    // it-length-prefixed's framing is the same uvarint-delimited format.
    const reader = new DelimitedReader(MAX_BENCH_MESSAGE, { reuseBuffer: true });
    try {
      for await (const chunk of stream.source) {
        for (const part of chunk) {
          reader.push(part);
          for (let message = reader.next(); message !== undefined; message = reader.next()) {
            received++;
            receivedBytes += message.length;
            if (received === target) port.postMessage({ type: 'done', bytes: receivedBytes, fullCollections: fullCollections.count - collectionsBefore });
          }
        }
      }
    } catch (error) {
      port.postMessage({ type: 'stream-error', message: String(error) });
    }
  },
  { maxInboundStreams: 64 },
);

port.on('message', async (message: { type: string; count?: number }) => {
  if (message.type === 'expect') {
    received = 0;
    receivedBytes = 0;
    target = message.count!;
    collectionsBefore = fullCollections.count;
    port.postMessage({ type: 'ready' });
  } else if (message.type === 'stop') {
    fullCollections.stop();
    await node.stop();
    port.postMessage({ type: 'stopped' });
  }
});
port.postMessage({ type: 'listening', address: node.getMultiaddrs()[0]!.toString() });
