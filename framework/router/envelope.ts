import type { NodeID } from '../identity/node-id.js';

/** A message received from a peer, after decoding and unwrapping. */
export interface InboundEnvelope<M> {
  readonly from: NodeID;
  readonly channelId: number;
  readonly message: M;
}

/** A message for one peer, or for every ready peer that has the channel. */
export type OutboundEnvelope<M> =
  | { readonly to: NodeID; readonly message: M; readonly broadcast?: false }
  | { readonly broadcast: true; readonly message: M; readonly to?: undefined };

/**
 * A peer misbehaved on a channel. `fatal` errors disconnect the peer; others
 * lower its score (and disconnect it when the node is at capacity).
 */
export interface PeerError {
  readonly nodeId: NodeID;
  readonly error: Error;
  readonly fatal?: boolean;
  readonly channelId?: number;
}
