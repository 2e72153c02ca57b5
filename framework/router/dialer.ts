import { toError } from '../errors/base.js';
import type { HostLookup, NodeAddress } from '../address/node-address.js';
import { AddressResolutionError } from '../address/errors.js';
import type { Endpoint } from '../address/endpoint.js';
import type { Connection, Transport } from '../transport/transport.js';
import { DialError } from '../transport/errors.js';
import type { AdmitOptions, ConnectionGate } from '../gating/connection-gate.js';
import { isConnectionDenied } from '../gating/errors.js';
import { deadlineSignal, reasonOf } from '../util/abort.js';
import type { RouterOptions } from './options.js';
import { NoTransportForEndpointError } from './errors.js';

/** Where an address came from, for the gate's scope check (the PeerManager knows). */
export interface AddressOrigins {
  learnedFrom(address: NodeAddress): AdmitOptions['learnedFrom'];
}

/**
 * Turns a peer address into an open connection, not yet handshaken: the gate
 * judges the node ID, the address is resolved, and each IP it resolved to is
 * admitted by the gate (held to the scope of the peer the address was learned
 * from) and dialed with `dialTimeoutMs`, until one connects.
 */
export class Dialer {
  constructor(
    private readonly transports: readonly Transport[],
    private readonly gate: Pick<ConnectionGate, 'checkPeer' | 'admitDial'>,
    private readonly origins: AddressOrigins,
    private readonly options: Pick<RouterOptions, 'resolveTimeoutMs' | 'dialTimeoutMs'>,
    /** The router's lifetime: stopping ends every resolution and dial. */
    private readonly signal: AbortSignal,
    private readonly hostLookup?: HostLookup,
  ) {}

  async dial(address: NodeAddress): Promise<Connection> {
    await this.gate.checkPeer({ direction: 'outbound', nodeId: address.nodeId }, this.signal);
    const endpoints = await this.resolve(address);
    const learnedFrom = this.origins.learnedFrom(address);
    const failures: Error[] = [];
    for (const endpoint of endpoints) {
      const transport = this.transports.find((t) => t.protocols().includes(endpoint.protocol));
      if (transport === undefined) {
        failures.push(new NoTransportForEndpointError(`no transport handles protocol "${endpoint.protocol}"`));
        continue;
      }
      try {
        return await this.gate.admitDial(endpoint, { nodeId: address.nodeId, learnedFrom, signal: this.signal }, async () => {
          const dial = deadlineSignal(this.signal, this.options.dialTimeoutMs, () => new DialError(`dialing ${address} timed out after ${this.options.dialTimeoutMs} ms`));
          try {
            return await transport.dial(endpoint, dial.signal);
          } finally {
            dial.dispose();
          }
        });
      } catch (error) {
        failures.push(toError(error));
      }
    }
    // One failure, or every endpoint refused by gating: report it as such rather than as a dial error.
    if (failures.length === 1 || (failures.length > 0 && failures.every(isConnectionDenied))) throw failures[0];
    throw new DialError(`could not dial ${address}: ${failures.map((f) => f.message).join('; ') || 'no endpoints'}`, {
      cause: failures.length ? new AggregateError(failures) : undefined,
    });
  }

  /** Resolved on every dial, so a DNS name that moved to a new IP is followed at the next dial. */
  private async resolve(address: NodeAddress): Promise<Endpoint[]> {
    const timeoutMs = this.options.resolveTimeoutMs;
    const resolve = deadlineSignal(this.signal, timeoutMs, () => new AddressResolutionError(address.hostname, `resolving ${address} timed out after ${timeoutMs} ms`));
    try {
      return await address.resolve({ signal: resolve.signal, lookup: this.hostLookup });
    } catch (error) {
      throw resolve.signal.aborted && !this.signal.aborted ? reasonOf(resolve.signal) : error;
    } finally {
      resolve.dispose();
    }
  }
}
