import { isErrorNamed } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';
import { isStored, type EnqueueResult, type Queue } from '../queue/queue.js';
import type { ChannelRoutes, SendOutcome } from './channel.js';
import type { DropCounter } from './drop-counter.js';
import type { PeerError } from './envelope.js';
import type { OutboundItem } from './peer-connection.js';

/** What outbound routing needs of a routed peer. */
export interface RoutablePeer {
  hasChannel(channelId: number): boolean;
  readonly queue: Pick<Queue<OutboundItem>, 'tryEnqueue' | 'enqueueWhenRoom'>;
  readonly drops: Pick<DropCounter, 'count'>;
}

/**
 * The routes every channel sends through: synchronous, so a send never waits
 * on I/O. Each message arrives encoded once and is put on each target peer's
 * bounded queue; a peer that is unknown, lacks the channel or has a full
 * queue is an outcome the channel counts, not an error.
 */
export class OutboundRoutes implements ChannelRoutes {
  constructor(
    private readonly peers: ReadonlyMap<NodeID, RoutablePeer>,
    /** Where errors that channels report against peers go (the router's PeerErrorHandler). */
    readonly peerError: (error: PeerError) => void,
  ) {}

  unicast(channelId: number, to: NodeID, bytes: Uint8Array): SendOutcome {
    const peer = this.peers.get(to);
    if (peer === undefined) return 'unknown-peer';
    // CometBFT closes the connection on a packet for a channel it did not advertise.
    if (!peer.hasChannel(channelId)) return 'peer-lacks-channel';
    return sendOutcome(peer.queue.tryEnqueue({ channelId, bytes, size: bytes.length }));
  }

  async unicastWhenRoom(channelId: number, to: NodeID, bytes: Uint8Array, signal?: AbortSignal): Promise<SendOutcome> {
    const peer = this.peers.get(to);
    if (peer === undefined) return 'unknown-peer';
    if (!peer.hasChannel(channelId)) return 'peer-lacks-channel';
    try {
      return sendOutcome(await peer.queue.enqueueWhenRoom({ channelId, bytes, size: bytes.length }, signal));
    } catch (error) {
      if (isErrorNamed(error, 'AbortError')) throw error;
      return 'unknown-peer'; // the peer went away while we waited
    }
  }

  /** Returns how many peers the message was queued for; a peer whose queue is full counts a drop. */
  broadcast(channelId: number, bytes: Uint8Array): number {
    let queued = 0;
    const item: OutboundItem = { channelId, bytes, size: bytes.length };
    for (const peer of this.peers.values()) {
      if (!peer.hasChannel(channelId)) continue;
      if (isStored(peer.queue.tryEnqueue(item))) queued++;
      else peer.drops.count('peer-queue-full');
    }
    return queued;
  }
}

function sendOutcome(result: EnqueueResult): SendOutcome {
  return isStored(result) ? 'queued' : 'peer-queue-full';
}
