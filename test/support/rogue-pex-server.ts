import { NodeKey } from '../../framework/identity/node-key.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import { silentLogger } from '../../framework/logging/logger.js';
import type { Connection } from '../../framework/transport/transport.js';
import { MConnTransport } from '../../plugins/transports/mconn/mconn-transport.js';
import { PEX_CHANNEL_ID, PexChannel, type PexMessage } from '../../reactors/pex/pex-channel.js';
import { makeNodeInfo } from './node-info.js';

/** What the rogue does once a visitor's handshake is done. */
export type RogueBehaviour =
  /** Answer every PexRequest with these messages, in order. */
  | { readonly kind: 'answer'; readonly messages: (request: number) => readonly PexMessage[] }
  /** Say nothing after the handshake (a node that never answers). */
  | { readonly kind: 'silent' }
  /** Accept TCP and never start the handshake. */
  | { readonly kind: 'no-handshake' };

export const encodePex = (message: PexMessage): Uint8Array => PexChannel.messageType.encode(PexChannel.wrapper!.wrap(message)).finish();

/**
 * A misbehaving PEX peer on a real TCP port (mconn: SecretConnection,
 * NodeInfo, MConnection) for crawler and reactor tests: it completes the
 * handshake honestly as a node of `network` and then does what `behaviour`
 * says. `stop()` closes the listener and every connection.
 */
export class RoguePexServer {
  /** PexRequests received, over all connections. */
  requests = 0;
  connections = 0;
  private readonly open = new Set<Connection>();
  private stopped = false;

  private constructor(
    readonly key: NodeKey,
    private readonly transport: MConnTransport,
    readonly port: number,
    private readonly network: string,
    private readonly behaviour: RogueBehaviour,
    private readonly moniker: string,
  ) {}

  static async start(options: { network: string; behaviour: RogueBehaviour; moniker?: string }): Promise<RoguePexServer> {
    const key = NodeKey.generate();
    const transport = new MConnTransport(key, silentLogger(), { laddr: 'tcp://127.0.0.1:0' });
    await transport.listen();
    const port = transport.endpoints()[0]!.port!;
    const server = new RoguePexServer(key, transport, port, options.network, options.behaviour, options.moniker ?? 'rogue');
    void server.acceptLoop();
    return server;
  }

  get nodeId(): NodeID {
    return this.key.nodeId;
  }

  /** `id@127.0.0.1:port`, as a seed. */
  get address(): string {
    return `${this.key.nodeId}@127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.transport.close();
    for (const c of this.open) c.close();
  }

  private async acceptLoop(): Promise<void> {
    while (!this.stopped) {
      let connection: Connection;
      try {
        connection = await this.transport.accept();
      } catch {
        return;
      }
      this.connections++;
      this.open.add(connection);
      void connection.closed.then(() => this.open.delete(connection));
      void this.serve(connection).catch(() => connection.close());
    }
  }

  private async serve(connection: Connection): Promise<void> {
    if (this.behaviour.kind === 'no-handshake') return; // hold the socket open, say nothing
    const info = makeNodeInfo({
      nodeId: this.key.nodeId,
      network: this.network,
      moniker: this.moniker,
      listenAddr: `tcp://127.0.0.1:${this.port}`,
      channels: Uint8Array.of(PEX_CHANNEL_ID),
    });
    await connection.handshake(info, this.key, { channels: [PexChannel], signal: AbortSignal.timeout(10_000) });
    for (;;) {
      const message = await connection.receive();
      if (message.channelId !== PEX_CHANNEL_ID) continue;
      this.requests++;
      if (this.behaviour.kind !== 'answer') continue;
      for (const reply of this.behaviour.messages(this.requests)) connection.trySend(PEX_CHANNEL_ID, encodePex(reply));
    }
  }
}
