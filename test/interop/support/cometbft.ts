/**
 * Entry point for interop tests that run real CometBFT v0.38 nodes:
 *
 *   const binary = await ensureCometBFT();            // builds once into <repo>/.cache/bin
 *   const node = await CometBFTNode.create({ binary });
 *   await node.start();
 *   ...
 *   await node.cleanup();                              // stop + delete the home dir
 *
 * Node processes still running when the test process exits are SIGKILLed.
 */
export { cometBFTOrSkip, ensureCometBFT, findRepoRoot, goAvailable, type EnsureCometBFTOptions } from './ensure-cometbft.js';
export { CometBFTNode, type CometBFTNodeOptions, type StartOptions, type StopOptions } from './cometbft-node.js';
export {
  CometBFTRpcClient,
  type CallOptions,
  type DialPeersOptions,
  type DialPeersResult,
  type NetInfo,
  type NetInfoPeer,
  type NodeInfo,
  type Status,
} from './rpc.js';
export type { PollOptions } from './poll.js';
export { getFreePort, getFreePorts } from './ports.js';
export * from './errors.js';
