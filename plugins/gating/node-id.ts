import { TOKENS } from '../../framework/tokens.js';
import { inject, injectable } from 'inversify';
import { Plugin } from '../../framework/plugin/plugin.js';
import { ConnectionDeniedError } from '../../framework/gating/errors.js';
import type { ConnectionGater, PeerAttempt } from '../../framework/gating/gater.js';
import { parseNodeID, type NodeID } from '../../framework/identity/node-id.js';

/** `[gating.node_id]`: which node IDs may connect (checked before dialing and after an inbound handshake). */
export interface NodeIdGaterOptions {
  /** When non-empty, only these node IDs may connect. Default empty (every ID). */
  readonly allow: readonly string[];
  /** These node IDs never connect; wins over `allow`. Default empty. */
  readonly deny: readonly string[];
}

/** Allow and deny lists of node IDs: deny wins; a non-empty allow list admits only its IDs. */
export class NodeIdRules {
  readonly allow: ReadonlySet<NodeID>;
  readonly deny: ReadonlySet<NodeID>;

  /** Throws InvalidNodeIDError naming the first malformed entry. */
  constructor(config: NodeIdGaterOptions) {
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

  constructor(@inject(TOKENS.NodeIdGaterOptions) options: NodeIdGaterOptions) {
    this.rules = new NodeIdRules(options);
  }

  allowPeer(peer: PeerAttempt): boolean {
    const denial = this.rules.check(peer.nodeId);
    if (denial) throw denial;
    return true;
  }
}
