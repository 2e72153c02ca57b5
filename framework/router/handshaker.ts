import type { NodeID } from '../identity/node-id.js';
import type { NodeKey } from '../identity/node-key.js';
import { validatePeerHandshake } from '../identity/handshake-checks.js';
import type { Connection } from '../transport/transport.js';
import { HandshakeTimeoutError } from '../transport/errors.js';
import type { LocalNodeInfo } from './local-node-info.js';

/**
 * Runs the transport handshake and every identity/compatibility check
 * (expected node ID, NodeInfo, compatibility) on a new connection, inbound or
 * outbound. The deadline is a timer that closes the connection with
 * HandshakeTimeoutError and rejects at once (whether or not the transport's
 * handshake notices the close); the router's own signal ends handshakes when
 * it stops. No AbortController per handshake: aborting one, or merely
 * creating and disposing it, cost more than the rest of the router's share
 * of a connection setup.
 */
export class Handshaker {
  constructor(
    private readonly nodeKey: NodeKey,
    private readonly local: Pick<LocalNodeInfo, 'forHandshake' | 'openChannels'>,
    private readonly timeoutMs: number,
    /** The router's lifetime: stopping ends every handshake. */
    private readonly signal: AbortSignal,
  ) {}

  /** `expectedNodeId`: a dial's, which the remote must prove it has. */
  async handshake(connection: Connection, expectedNodeId?: NodeID) {
    const timeoutMs = this.timeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HandshakeTimeoutError(`handshake did not finish within ${timeoutMs} ms`);
        connection.close(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      const local = this.local.forHandshake();
      const remote = await Promise.race([
        connection.handshake(local, this.nodeKey, { signal: this.signal, channels: this.local.openChannels().definitions }),
        deadline,
      ]);
      validatePeerHandshake({ local, remote: remote.nodeInfo, remotePublicKey: remote.publicKey, expectedNodeId });
      return remote;
    } finally {
      clearTimeout(timer);
    }
  }
}
