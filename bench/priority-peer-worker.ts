import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { createNode } from '../node/create-node.js';
import { silentLogger } from '../framework/logging/logger.js';
import { PriorityBenchReactor, priorityNodeConfig, type PriorityNodeSettings } from './priority-shared.js';
import type { MConnConnection } from '../plugins/transports/mconn/mconn-connection.js';
import { shareBytesRead, startFarTrace } from './priority-trace.js';

/**
 * The far side of priority-under-load, in its own thread: a tmp2p node
 * configured like the near one (workerData) that counts the low-priority
 * flood and echoes every high-priority message; `instrument` adds the
 * diagnosis (PRIORITY_TRACE).
 */
const port = parentPort!;
const node = await createNode(priorityNodeConfig(workerData as PriorityNodeSettings), { reactors: [PriorityBenchReactor], logger: silentLogger() });
const reactor = node.reactor(PriorityBenchReactor);
reactor.echoHigh = true;
let dumpTrace: ReturnType<typeof startFarTrace> | undefined;

interface Instrument {
  readonly type: 'instrument';
  readonly farBytesRead: SharedArrayBuffer;
}

port.on('message', async (message: { type: string } | Instrument) => {
  if (message.type === 'low-count') {
    port.postMessage({ type: 'low-count', messages: reactor.lowReceived, bytes: reactor.lowReceivedBytes });
  } else if (message.type === 'instrument') {
    const { farBytesRead } = message as Instrument;
    const conn = node.router.peer(node.peers()[0]!)!.connection as MConnConnection;
    shareBytesRead(conn, farBytesRead);
    dumpTrace = startFarTrace(conn);
    port.postMessage({ type: 'instrumented' });
  } else if (message.type === 'trace-dump') {
    port.postMessage({ type: 'trace', ...dumpTrace!() });
  } else if (message.type === 'stop') {
    await node.stop();
    port.postMessage({ type: 'stopped' });
  }
});
port.postMessage({ type: 'listening', address: node.addresses()[0]!.toString() });
