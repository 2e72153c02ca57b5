import { toError } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';
import type { ConnectionFaults, PeerFaultLog } from '../logging/peer-faults.js';
import type { PeerBehaviour } from '../peer/types.js';
import type { PeerError } from './envelope.js';
import type { RouterTelemetry } from './telemetry.js';

/** What the handler needs of a routed peer. */
export interface FaultablePeer {
  /** Non-fatal errors this peer caused so far; the handler counts them. */
  peerErrors: number;
  readonly faulted: boolean;
  readonly faults: Pick<ConnectionFaults, 'report'>;
  fault(error: Error): void;
}

/** Who is told about a misbehaving peer (the PeerManager). */
export interface PeerErrorSink {
  errored(nodeId: NodeID, error: Error): void;
  report(nodeId: NodeID, behaviour: PeerBehaviour): void;
}

/**
 * Every peer error, from the receive loops and from reactors, lands here.
 * Logging is the PeerFaultLog's call (one line per connection, the rest
 * counted). A fatal error — or one too many small ones — faults the peer:
 * it is closed at once and nothing more it sent is handled, and the
 * PeerManager is told once. Errors of an already faulted peer, or of one
 * no longer routed, are only counted.
 */
export class PeerErrorHandler {
  constructor(
    private readonly peers: ReadonlyMap<NodeID, FaultablePeer>,
    private readonly maxPeerErrors: number,
    private readonly faultLog: Pick<PeerFaultLog, 'countNotLogged'>,
    private readonly peerManager: PeerErrorSink,
    private readonly telemetry: Pick<RouterTelemetry, 'peerError' | 'loopError'>,
  ) {}

  handle(peerError: PeerError): void {
    const { nodeId, error, channelId } = peerError;
    const peer = this.peers.get(nodeId);
    // A peer that keeps misbehaving in small ways is cut off rather than reported forever.
    const fatal = (peerError.fatal ?? false) || (peer !== undefined && ++peer.peerErrors > this.maxPeerErrors);
    this.telemetry.peerError(nodeId, error, fatal);
    if (peer === undefined || peer.faulted) {
      this.faultLog.countNotLogged();
      return;
    }
    peer.faults.report(error, { fatal, channel: channelId });
    if (fatal) peer.fault(error);
    try {
      if (fatal) this.peerManager.errored(nodeId, error);
      else this.peerManager.report(nodeId, { kind: 'bad', reason: error.message });
    } catch (inner) {
      this.telemetry.loopError('peer-error', toError(inner));
    }
  }
}
