import { NodeKey } from '../../framework/identity/node-key.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import type { MemoryNetwork } from '../../plugins/transports/memory/memory-network.js';
import type { Connection } from '../../framework/transport/transport.js';
import { makeNodeInfo } from './node-info.js';

/**
 * A peer on the memory network that completes the handshake honestly and
 * then sends whatever bytes a test wants — the way a buggy or hostile node would.
 */
export async function connectRogue(
  network: MemoryNetwork,
  target: string,
  options: { channels?: number[]; network?: string } = {},
): Promise<{ key: NodeKey; connection: Connection }> {
  const key = NodeKey.generate();
  const connection = network.connect(key.nodeId, target);
  const info: NodeInfo = makeNodeInfo({
    nodeId: key.nodeId,
    listenAddr: '127.0.0.1:0',
    network: options.network ?? 'tmp2p-devnet',
    version: 'rogue',
    channels: Uint8Array.from(options.channels ?? [0x70]),
    moniker: 'rogue',
  });
  await connection.handshake(info, key, { channels: [] });
  return { key, connection };
}
