import type { NodeID } from '../../framework/identity/node-id.js';
import { reasonOf } from '../../framework/util/abort.js';
import type { MConnConnectionStats } from '../../plugins/transports/mconn/mconn-connection.js';
import type { Node } from '../node.js';
import { TxNotDeliveredError } from './errors.js';

/** How often the delivery check looks at the connection's counters. */
const POLL_MS = 10;

/** The MConnection counters of the routed connection to `peer`, when it is an mconn connection. */
function mconnStats(node: Node, peer: NodeID): MConnConnectionStats['mconnection'] {
  // Duck-typed: importing the mconn plugin here would load it with `import 'tmp2p'`.
  const connection = node.router.peer(peer)?.connection as { stats?: () => MConnConnectionStats } | undefined;
  return typeof connection?.stats === 'function' ? connection.stats().mconnection : undefined;
}

/** Messages sent so far on `channelId` to `peer` (0 when not connected): pass it to `confirmDelivery`. */
export function sentMessages(node: Node, peer: NodeID, channelId: number): number {
  return mconnStats(node, peer)?.channels.find((c) => c.channelId === channelId)?.sentMessages ?? 0;
}

/**
 * Resolves once `peer` has read a message queued on `channelId` after
 * `sentBefore` messages: the message is written and every byte written up
 * to it is acknowledged. MConnection has no acknowledgements, but a peer
 * handles packets in order and answers a ping when it reaches it, so a pong
 * acknowledges all that was written before its ping (the connection counts
 * this in its send window's `acknowledged` bytes; keepalive pings clock it
 * when nothing else is sent). CometBFT runs CheckTx on a received tx before it
 * reads the next packet, so by then the tx has been checked. Rejects with
 * TxNotDeliveredError if the peer goes away first, with the signal's reason
 * if it aborts.
 */
export async function confirmDelivery(node: Node, peer: NodeID, channelId: number, sentBefore: number, signal: AbortSignal): Promise<void> {
  // Once the message is written, the connection's byte count then is the mark the peer's acknowledgements must pass:
  // other traffic (blocksync, consensus-state announcements) may keep bytes in flight at every look.
  let mark: number | undefined;
  for (;;) {
    if (signal.aborted) throw reasonOf(signal);
    const stats = mconnStats(node, peer);
    if (stats === undefined) throw new TxNotDeliveredError(`the connection to ${peer} closed before it acknowledged the tx`);
    const channel = stats.channels.find((c) => c.channelId === channelId);
    if (mark === undefined && channel !== undefined && channel.sentMessages > sentBefore && channel.sendQueueLength === 0) mark = stats.sendWindow.written;
    if (mark !== undefined && stats.sendWindow.acknowledged >= mark) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}
