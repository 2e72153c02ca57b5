import { toError } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';
import type { NodeInfo } from '../identity/node-info.js';
import { IncompatiblePeerError } from '../identity/errors.js';
import type { NodeAddress } from '../address/node-address.js';
import type { Connection } from '../transport/transport.js';
import type { ConnectionGate } from '../gating/connection-gate.js';
import { PeerRejectedError } from '../peer/errors.js';
import type { ConnectionDirection } from '../peer/types.js';
import type { Dialer } from './dialer.js';
import type { Handshaker } from './handshaker.js';
import type { DuplicateConnections, Standby } from './duplicate-connections.js';
import type { RouterMetrics } from './metrics.js';
import { describeRemote, type RouterTelemetry } from './telemetry.js';

/** What connection setup tells the PeerManager. */
export interface SetupPeerManager {
  dialed(address: NodeAddress): void;
  dialFailed(address: NodeAddress, error: Error): void;
  /** An incompatible peer is not dialed again for a while. */
  inactivate(nodeId: NodeID, reason?: string): void;
  accepted(nodeId: NodeID): void;
}

export interface ConnectionSetupComponents {
  readonly dialer: Pick<Dialer, 'dial'>;
  readonly handshaker: Pick<Handshaker, 'handshake'>;
  readonly duplicates: Pick<DuplicateConnections, 'admit'>;
  readonly gate: Pick<ConnectionGate, 'admitInbound' | 'checkPeer'>;
  readonly peerManager: SetupPeerManager;
  readonly counters: Pick<RouterMetrics, 'dials' | 'accepted' | 'observeDial' | 'count'>;
  readonly telemetry: Pick<RouterTelemetry, 'dialFailed' | 'rejected' | 'loopError'>;
  /** The router's lifetime: a setup that stopping ends is not reported. */
  readonly signal: AbortSignal;
  /** Hands an admitted connection to the router, which runs the peer's loops. */
  readonly route: (connection: Connection, nodeInfo: NodeInfo, direction: ConnectionDirection) => void;
}

/**
 * How one new connection becomes a routed peer: a dial (the Dialer, then
 * the handshake), an accepted connection (the gate on its IP before any
 * crypto work, the handshake, the gate again on the now proven node ID), or
 * a standby taking the place of a routed connection that closed. Each is one
 * sequence of steps; the router runs many at once. The PeerManager admits
 * the peer (a second connection to a routed peer: DuplicateConnections). A
 * setup that fails closes its connection, and is counted, published and
 * reported to the PeerManager rather than thrown.
 */
export class ConnectionSetup {
  constructor(private readonly components: ConnectionSetupComponents) {}

  async dial(address: NodeAddress): Promise<void> {
    const { dialer, handshaker, duplicates, peerManager, counters, telemetry, signal, route } = this.components;
    const started = Date.now();
    let connection: Connection | undefined;
    try {
      connection = await dialer.dial(address);
      const remote = await handshaker.handshake(connection, address.nodeId);
      const admitted = duplicates.admit(connection, remote.nodeInfo, 'outbound', () => peerManager.dialed(address));
      counters.dials++;
      counters.observeDial(Date.now() - started);
      if (admitted) route(connection, remote.nodeInfo, 'outbound');
    } catch (error) {
      const err = toError(error);
      connection?.close(err);
      if (signal.aborted) return;
      telemetry.dialFailed(address.toString(), err);
      // The dial worked and the manager declined the peer (e.g. it connected to us meanwhile): nothing to back off.
      if (err instanceof PeerRejectedError) return;
      try {
        if (err instanceof IncompatiblePeerError) peerManager.inactivate(address.nodeId, err.message);
        peerManager.dialFailed(address, err);
      } catch (inner) {
        telemetry.loopError('dial', toError(inner));
      }
    }
  }

  /** `connection` holds one of the gate's inbound handshake slots, which the caller frees when this ends. */
  async accept(connection: Connection): Promise<void> {
    const { gate, handshaker, duplicates, peerManager, counters, telemetry, signal, route } = this.components;
    try {
      await gate.admitInbound(connection, signal);
      const remote = await handshaker.handshake(connection);
      await gate.checkPeer({ direction: 'inbound', nodeId: remote.nodeInfo.nodeId, ip: connection.remoteEndpoint.ip }, signal);
      const admitted = duplicates.admit(connection, remote.nodeInfo, 'inbound', () => peerManager.accepted(remote.nodeInfo.nodeId));
      counters.accepted++;
      if (admitted) route(connection, remote.nodeInfo, 'inbound');
    } catch (error) {
      const err = toError(error);
      connection.close(err);
      if (signal.aborted) return;
      telemetry.rejected('inbound', describeRemote(connection.remoteEndpoint), err);
    }
  }

  /** The routed connection is gone and its standby is still open: the standby takes its place. */
  promote(standby: Standby): void {
    const { counters, telemetry, route } = this.components;
    try {
      standby.admit();
    } catch (error) {
      const err = toError(error);
      standby.connection.close(err);
      telemetry.rejected(standby.direction, standby.nodeId, err);
      return;
    }
    counters.count('duplicateConnections', 'promoted');
    route(standby.connection, standby.nodeInfo, standby.direction);
  }
}

