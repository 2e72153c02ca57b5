import { InvalidArgumentError, P2PError } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';

/** Why the peer manager refused a connection (see `PeerRejectedError`). */
export type PeerRejectionReason =
  /** The remote is this node. */
  | 'self'
  /** A connection to this peer already exists. */
  | 'already-connected'
  /** Every slot (including upgrade slots) is taken, or no lower-ranked peer can make room. */
  | 'max-connected'
  /** Inbound: `maxInbound` non-persistent inbound peers are connected already. */
  | 'max-inbound'
  /** The peer is banned until `bannedUntil`. */
  | 'banned'
  /** The peer manager has been closed. */
  | 'closed';

/**
 * Thrown by `dialed`/`accepted` when the connection must be closed. Callers
 * branch on `reason`.
 */
export class PeerRejectedError extends P2PError {
  override name = 'PeerRejectedError';
  constructor(
    readonly nodeId: NodeID,
    readonly reason: PeerRejectionReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A PeerManagerOptions value breaks a rule; names the option, the value and the rule. */
export class InvalidPeerManagerOptionsError extends InvalidArgumentError {
  override name = 'InvalidPeerManagerOptionsError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly rule: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid peer manager option ${option} = ${describeValue(value)}: ${rule}`, options);
  }
}

/** The peer manager was used in a state that does not allow it (e.g. started twice, used after close). */
export class PeerManagerStateError extends P2PError {
  override name = 'PeerManagerStateError';
}

/** The peer store failed to load (individual bad records are skipped, not thrown). */
export class PeerStoreError extends P2PError {
  override name = 'PeerStoreError';
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => describeValue(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object' && typeof (value as { toString?: unknown }).toString === 'function') {
    const text = String(value);
    if (text !== '[object Object]') return text;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
