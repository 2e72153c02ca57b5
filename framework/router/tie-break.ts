import type { NodeID } from '../identity/node-id.js';
import type { NodeInfo } from '../identity/node-info.js';
import type { ConnectionDirection } from '../peer/types.js';

/**
 * Simultaneous dials. When two nodes dial each other at once, two
 * connections of opposite directions join them, and each end must keep the
 * same one: if each keeps a different one, each closes the connection the
 * other kept, both drop, and the redials race again.
 *
 * CometBFT's switch keeps whichever connection finished its handshake first
 * and closes the other at once; it has no rule the two ends share. So:
 *
 * - Against a peer that announces the shared rule (NodeInfo.version starting
 *   with `tmp2p/`), both ends keep the connection the lower node ID dialed:
 *   a new connection that is that one replaces the routed one at once; the
 *   other one is held as a standby, not closed — the peer may be routing it
 *   until its own copy of the winner finishes its handshake, and then closes
 *   it itself (if both ends already route the winner, each closes the held
 *   loser when the grace period ends).
 * - Against any other peer, a new connection of the opposite direction is held
 *   as a standby instead of refused. The peer closes one of the two (CometBFT
 *   does so right after its handshake): if it closes the routed one, the
 *   standby takes its place at once, with no redial and no flap backoff; if it
 *   closes the standby, nothing changes. A peer that keeps both until the grace
 *   period ends gets the shared rule.
 *
 * At most one standby is held per peer; a connection in the direction of the
 * routed one is refused as before (that is a redial, not a race).
 */

/** NodeInfo.version prefix of software that keeps the connection the lower node ID dialed. */
export const TIE_BREAK_SOFTWARE_PREFIX = 'tmp2p/';

/** Whether `remote` announces the shared rule (see TIE_BREAK_SOFTWARE_PREFIX). */
export function sharesTieBreak(remote: NodeInfo): boolean {
  return remote.version.startsWith(TIE_BREAK_SOFTWARE_PREFIX);
}

/** What to do with a handshaken connection to a peer that is already routed. */
export type DuplicateDecision = 'refuse' | 'replace' | 'hold';

export interface DuplicateCase {
  readonly localId: NodeID;
  readonly remoteId: NodeID;
  readonly newDirection: ConnectionDirection;
  readonly routedDirection: ConnectionDirection;
  /** The peer announced the shared rule. */
  readonly remoteSharesRule: boolean;
  /** A standby for this peer is held already. */
  readonly standbyHeld: boolean;
}

export function decideDuplicate(c: DuplicateCase): DuplicateDecision {
  if (c.newDirection === c.routedDirection || c.standbyHeld) return 'refuse';
  if (!c.remoteSharesRule) return 'hold';
  // The loser is held, not refused: the peer may route it still, and closing it before the peer has
  // the winner would drop the pair for a moment. The peer closes it when it replaces it (grace: we do).
  return lowerIdDialed(c.localId, c.remoteId, c.newDirection) ? 'replace' : 'hold';
}

/** Whether a connection of `direction` (seen from `localId`) is the one the lower node ID dialed. */
export function lowerIdDialed(localId: NodeID, remoteId: NodeID, direction: ConnectionDirection): boolean {
  const dialer = direction === 'outbound' ? localId : remoteId;
  return dialer === (remoteId < localId ? remoteId : localId);
}
