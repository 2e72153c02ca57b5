import { inject, injectable } from 'inversify';
import { Plugin } from '../../framework/container/plugin-registry.js';
import type { GatingConfig, NodeIdGatingConfig } from '../../framework/gating/config.js';
import { ConnectionDeniedError } from '../../framework/gating/errors.js';
import type { ConnectionGater, PeerAttempt } from '../../framework/gating/gater.js';
import { GATING_CONFIG } from '../../framework/gating/tokens.js';
import { parseNodeID, type NodeID } from '../../framework/identity/node-id.js';

/** Allow and deny lists of node IDs: deny wins; a non-empty allow list admits only its IDs. */
export class NodeIdRules {
  readonly allow: ReadonlySet<NodeID>;
  readonly deny: ReadonlySet<NodeID>;

  /** Throws InvalidNodeIDError naming the first malformed entry. */
  constructor(config: NodeIdGatingConfig) {
    this.allow = new Set(config.allow.map(parseNodeID));
    this.deny = new Set(config.deny.map(parseNodeID));
  }

  /** The denial for `nodeId`, or undefined when it may connect. */
  check(nodeId: NodeID): ConnectionDeniedError | undefined {
    if (this.deny.has(nodeId)) return new ConnectionDeniedError(`node ${nodeId} is denied (gating.node_id.deny)`, 'node-id-denied');
    if (this.allow.size > 0 && !this.allow.has(nodeId)) {
      return new ConnectionDeniedError(`node ${nodeId} is not among the ${this.allow.size} allowed (gating.node_id.allow)`, 'node-id-not-allowed');
    }
    return undefined;
  }
}

/**
 * `node-id`: refuses peers by node ID (`[gating.node_id]`) — before dialing
 * them, and after an inbound handshake, the earliest their ID is proven.
 */
@Plugin('gater', 'node-id')
@injectable()
export class NodeIdGater implements ConnectionGater {
  readonly name = 'node-id';
  readonly rules: NodeIdRules;

  constructor(@inject(GATING_CONFIG) config: GatingConfig) {
    this.rules = new NodeIdRules(config.nodeId);
  }

  allowPeer(peer: PeerAttempt): boolean {
    const denial = this.rules.check(peer.nodeId);
    if (denial) throw denial;
    return true;
  }
}
