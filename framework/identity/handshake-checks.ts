import { DialedIdMismatchError, InvalidNodeInfoError, InvalidPeerNodeInfoError, NodeIdMismatchError, SelfConnectionError } from './errors.js';
import { nodeIdFromPublicKey, type NodeID } from './node-id.js';
import { checkCompatible, validateNodeInfo, type NodeInfo } from './node-info.js';

export interface PeerHandshakeCheck {
  /** Our own NodeInfo. */
  readonly local: NodeInfo;
  /** The NodeInfo the remote sent. */
  readonly remote: NodeInfo;
  /** The remote's ed25519 key as authenticated by the transport (32 bytes). */
  readonly remotePublicKey: Uint8Array;
  /** The ID we dialed; omit for inbound connections. */
  readonly expectedNodeId?: NodeID;
}

/**
 * Decides whether a freshly handshaken peer may be admitted, applying
 * CometBFT's checks in a fixed order so each failure maps to one error class:
 * 1. dialed ID ≠ authenticated ID → DialedIdMismatchError
 * 2. invalid NodeInfo → InvalidPeerNodeInfoError (cause: InvalidNodeInfoError)
 * 3. NodeInfo ID ≠ authenticated ID → NodeIdMismatchError
 * 4. remote is us → SelfConnectionError
 * 5. incompatible → IncompatiblePeerError
 * A `remotePublicKey` that is not 32 bytes is a transport bug and raises
 * InvalidNodeKeyError.
 */
export function validatePeerHandshake(args: PeerHandshakeCheck): void {
  const { local, remote, remotePublicKey, expectedNodeId } = args;
  const authenticatedId = nodeIdFromPublicKey(remotePublicKey);
  if (expectedNodeId !== undefined && expectedNodeId !== authenticatedId) {
    throw new DialedIdMismatchError(expectedNodeId, authenticatedId);
  }
  try {
    validateNodeInfo(remote);
  } catch (err) {
    if (err instanceof InvalidNodeInfoError) throw new InvalidPeerNodeInfoError(err);
    throw err;
  }
  if (remote.nodeId !== authenticatedId) {
    throw new NodeIdMismatchError(remote.nodeId, authenticatedId);
  }
  if (remote.nodeId === local.nodeId) {
    throw new SelfConnectionError(remote.nodeId);
  }
  checkCompatible(local, remote);
}
