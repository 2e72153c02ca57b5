import { Subject, type Observable } from 'rxjs';
import type { Logger } from '../logging/logger.js';
import { peerErrorFields, peerText } from '../logging/peer-faults.js';
import type { NodeID } from '../identity/node-id.js';
import type { NodeInfo } from '../identity/node-info.js';
import type { Endpoint } from '../address/endpoint.js';
import { isConnectionDenied } from '../gating/errors.js';
import { PeerRejectedError } from '../peer/errors.js';
import type { ConnectionDirection } from '../peer/types.js';
import type { RouterEvent } from './events.js';
import type { RouterMetrics } from './metrics.js';
import type { PeerConnection } from './peer-connection.js';

/**
 * How the router reports each outcome to operators — what it counts in
 * `metrics()`, logs and publishes on `events$` — side by side, so that an
 * outcome is reported the same way wherever in the router it happens.
 */
export class RouterTelemetry {
  private readonly subject = new Subject<RouterEvent>();
  readonly events$: Observable<RouterEvent> = this.subject.asObservable();

  constructor(
    private readonly counters: RouterMetrics,
    private readonly log: Logger,
  ) {}

  emit(event: RouterEvent): void {
    if (!this.subject.closed) this.subject.next(event);
  }

  /** The router stopped: subscribers of `events$` complete. */
  complete(): void {
    this.subject.complete();
  }

  /** An unexpected error in one of the router's loops, which goes on. */
  loopError(loop: string, error: Error): void {
    this.counters.count('loopErrors', loop);
    this.log.error({ loop, err: error }, 'router loop error (continuing)');
    this.emit({ type: 'loop-error', loop, error });
  }

  /** A refused connection: a gating denial counts under its reason, anything else under its error name. */
  rejected(direction: ConnectionDirection, remote: string, error: Error): void {
    this.counters.count(direction === 'inbound' ? 'rejectedInbound' : 'rejectedOutbound', isConnectionDenied(error) ? error.reason : error.name);
    this.log.debug({ remote, error: peerErrorFields(error, { stack: true }) }, `${direction} connection rejected`);
    this.emit({ type: 'connection-rejected', direction, error });
  }

  /** A dial task failed: refused by gating, declined by the PeerManager after connecting, or failed. */
  dialFailed(address: string, error: Error): void {
    if (error instanceof PeerRejectedError) {
      // The dial worked; the manager declined the peer (e.g. it connected to us meanwhile).
      this.counters.count('rejectedOutbound', error.reason);
      this.log.debug({ address, reason: error.reason }, 'dialed peer rejected');
    } else if (isConnectionDenied(error)) {
      this.rejected('outbound', address, error);
    } else {
      this.counters.count('dialFailures', error.name);
      this.log.debug({ address, error: peerErrorFields(error, { stack: true }) }, 'dial failed');
      this.emit({ type: 'dial-failed', address, error });
    }
  }

  peerError(nodeId: NodeID, error: Error, fatal: boolean): void {
    this.counters.peerErrors++;
    this.emit({ type: 'peer-error', nodeId, error, fatal });
  }

  /** `afterSimultaneousDial`: see the 'peer-up' event. */
  peerUp(nodeInfo: NodeInfo, direction: ConnectionDirection, afterSimultaneousDial: boolean): void {
    const nodeId = nodeInfo.nodeId;
    this.log.info({ peer: nodeId, direction, moniker: peerText(nodeInfo.moniker) }, 'peer up');
    this.emit(afterSimultaneousDial ? { type: 'peer-up', nodeId, direction, afterSimultaneousDial } : { type: 'peer-up', nodeId, direction });
  }

  peerDown(peer: Pick<PeerConnection, 'nodeId' | 'faults' | 'drops'>, reason: Error | undefined): void {
    this.log.info({ peer: peer.nodeId, reason: reason && peerText(reason.message), ...peerSummary(peer) }, 'peer down');
    this.emit({ type: 'peer-down', nodeId: peer.nodeId, reason });
  }
}

/** What the 'peer down' line adds about a peer that caused errors or whose messages were dropped. */
function peerSummary(peer: Pick<PeerConnection, 'faults' | 'drops'>): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  if (peer.faults.reported > 0) summary['peerErrors'] = { reported: peer.faults.reported, notLogged: peer.faults.notLogged };
  if (peer.drops.total > 0) summary['drops'] = peer.drops.snapshot();
  return summary;
}

/** How a rejection names an inbound remote: its IP, or its path on the memory transport. */
export function describeRemote(endpoint: Endpoint | undefined): string {
  return String(endpoint?.ip ?? endpoint?.path);
}
