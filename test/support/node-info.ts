import type { NodeID } from '../../framework/identity/node-id.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';

/** A NodeInfo that passes validateNodeInfo; override fields per test. */
export function makeNodeInfo(overrides: Partial<NodeInfo> = {}): NodeInfo {
  return {
    protocolVersion: { p2p: 8, block: 11, app: 0 },
    nodeId: '00112233445566778899aabbccddeeff00112233' as NodeID,
    listenAddr: 'tcp://0.0.0.0:26656',
    network: 'test-chain',
    version: '0.38.17',
    channels: Uint8Array.from([0x20, 0x21, 0x22, 0x23, 0x30, 0x38, 0x40, 0x60, 0x61, 0x00]),
    moniker: 'node0',
    other: { txIndex: 'on', rpcAddress: 'tcp://0.0.0.0:26657' },
    ...overrides,
  };
}
