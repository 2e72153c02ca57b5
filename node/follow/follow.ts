import type { Subscription } from 'rxjs';
import { NodeAddress } from '../../framework/address/node-address.js';
import { isErrorNamed, toError } from '../../framework/errors/base.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import { silentLogger, type Logger } from '../../framework/logging/logger.js';
import { deadlineSignal, raceSignal } from '../../framework/util/abort.js';
import { createNode } from '../create-node.js';
import type { Node } from '../node.js';
import { BlockStream, type FollowedBlock } from './block-stream.js';
import { BlockUnavailableError, FollowOptionsError, FollowPeerError, FollowTimeoutError } from './errors.js';

/** CometBFT's blocksync channel (reactors/blocksync declares it; not imported here so `import 'tmp2p'` loads no reactor). */
const BLOCKSYNC_CHANNEL = 0x40;

export interface FollowOptions {
  /** The peer to follow, `ID@HOST:PORT` (a CometBFT node's `node_id@p2p address`). */
  readonly peer: string;
  /** The peer's network (the chain id); CometBFT refuses a node of any other, and blocks of another chain fail verification. */
  readonly network: string;
  /** The first height to download. Default: the peer's base (the lowest block it keeps). */
  readonly from?: number;
  /** How long the peer may take to connect. Default 30,000 ms; 0 = no limit. */
  readonly connectTimeoutMs?: number;
  /** Moniker in the NodeInfo the peer sees. Default "tmp2p-follow". */
  readonly moniker?: string;
  /**
   * Config overrides for the node, nested like config.toml (snake_case), e.g.
   * `{ reactors: { blocksync: { max_block_bytes: 8388608 } } }`. Default none.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Default: silent. */
  readonly logger?: Logger;
}

export const DEFAULT_FOLLOW_CONNECT_TIMEOUT_MS = 30_000;

type Table = Record<string, unknown>;
const table = (value: unknown): Table => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Table) : {});

/**
 * Follows a chain from one peer: connects as a node that advertises PEX,
 * mempool (0x30), blocksync (0x40) and the consensus state channel (0x20),
 * downloads blocks from `from` (default the peer's base) and yields each
 * once it is verified (header hash computed as CometBFT does, txs, last
 * commit and evidence against the header, linked to the block before), in
 * height order, then every new block as the chain grows. Runs until the
 * consumer stops iterating or `signal` aborts (AbortError). Throws
 * BlockVerificationError (with `reason` and `height`) for the first block
 * that fails, FollowPeerError when the peer refuses us for good or serves no
 * blocks, FollowTimeoutError when it does not connect in time,
 * BlockUnavailableError when `from` is below its base, FollowOptionsError
 * for bad options. The node is stopped whatever the outcome.
 */
export async function* follow(options: FollowOptions, { signal }: { signal?: AbortSignal } = {}): AsyncGenerator<FollowedBlock> {
  const { address, from, connectTimeoutMs } = checkOptions(options);
  const { BlocksyncReactor } = await import('../../reactors/blocksync/blocksync-reactor.js');
  const { ConsensusStateReactor } = await import('../../reactors/consensus-state/consensus-state-reactor.js');
  const { MempoolReactor } = await import('../../reactors/mempool/mempool-reactor.js');
  const peer = address.nodeId;
  const overrides = options.config ?? {};
  const reactorOverrides = table(overrides['reactors']);
  const stop = new AbortController();
  const combined = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
  let node: Node | undefined;
  let stream: BlockStream | undefined;
  try {
    node = await createNode(
      {
        // Below the caller's `config`: what a follower needs by default.
        defaults: {
          moniker: options.moniker ?? 'tmp2p-follow',
          p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' },
          // Answer PEX, but never ask: this node talks to its one peer, not to whoever PEX finds.
          reactors: { enabled: ['pex'], pex: { need_address_threshold: 0 } },
        },
        values: {
          ...overrides,
          network: options.network,
          p2p: { ...table(overrides['p2p']), persistent_peers: options.peer },
          reactors: {
            ...reactorOverrides,
            blocksync: { ...table(reactorOverrides['blocksync']), start_height: from ?? 'base' },
          },
        },
      },
      { reactors: [BlocksyncReactor, ConsensusStateReactor, MempoolReactor], logger: options.logger ?? silentLogger(), signal: combined },
    );
    const reactor = node.reactor(BlocksyncReactor);
    // Listening before the peer connects, so no block or rejection can pass unseen.
    stream = new BlockStream(reactor, combined);
    const blocks = stream;
    blocks.add(reactor.rejections$.subscribe(({ error }) => blocks.fail(error)));
    blocks.add(
      reactor.ranges$.subscribe((range) => {
        const next = reactor.nextHeight();
        if (range.peer !== peer || range.height === 0 || next === undefined || next >= range.base || reactor.lastVerified() !== undefined) return;
        blocks.fail(new BlockUnavailableError(next, range.base, `peer ${peer} keeps blocks ${range.base} to ${range.height}; height ${next} is not among them`));
      }),
    );
    await peerUp(node, peer, connectTimeoutMs, combined);
    yield* blocks;
  } finally {
    stream?.close();
    stop.abort();
    await node?.stop();
  }
}

function checkOptions(options: FollowOptions): { address: NodeAddress; from?: number; connectTimeoutMs: number } {
  if (typeof options !== 'object' || options === null) throw new FollowOptionsError('follow needs an options object');
  if (typeof options.peer !== 'string' || !options.peer.includes('@')) throw new FollowOptionsError(`peer must be "ID@HOST:PORT", got ${JSON.stringify(options.peer)}`);
  let address: NodeAddress;
  try {
    address = NodeAddress.parse(options.peer);
  } catch (cause) {
    throw new FollowOptionsError(`peer ${JSON.stringify(options.peer)} is not "ID@HOST:PORT": ${toError(cause).message}`, { cause });
  }
  if (typeof options.network !== 'string' || options.network.trim() === '') throw new FollowOptionsError('network (the chain id) must be a non-empty string');
  const from = options.from;
  if (from !== undefined && (!Number.isSafeInteger(from) || from < 1)) throw new FollowOptionsError(`from must be a height ≥ 1, got ${from}`);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_FOLLOW_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs < 0) throw new FollowOptionsError(`connectTimeoutMs must be ≥ 0 (0 = no limit), got ${connectTimeoutMs}`);
  return { address, from, connectTimeoutMs };
}

/** Dial failures that a retry cannot fix. */
function isPermanent(error: Error): boolean {
  return isErrorNamed(error, 'IncompatiblePeerError') || isErrorNamed(error, 'DialedIdMismatchError');
}

/**
 * Resolves once `peer` is routed with the blocksync channel. Rejects with
 * FollowPeerError when it is up without the channel or a dial fails in a
 * way a retry cannot fix, FollowTimeoutError after `timeoutMs`.
 */
function peerUp(node: Node, peer: NodeID, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = deadlineSignal(signal, timeoutMs, () => new FollowTimeoutError(`peer ${peer} did not connect within ${timeoutMs} ms`));
  const subscriptions: Subscription[] = [];
  const up = new Promise<void>((resolve, reject) => {
    subscriptions.push(
      node.peerUpdates$.subscribe((update) => {
        if (update.nodeId !== peer || update.status !== 'up') return;
        if (update.channels.has(BLOCKSYNC_CHANNEL)) resolve();
        else reject(new FollowPeerError(`peer ${peer} serves no blocks: it does not advertise the blocksync channel 0x40`));
      }),
      node.events$.subscribe((event) => {
        if (event.type !== 'dial-failed' || !isPermanent(event.error)) return;
        reject(new FollowPeerError(`peer ${peer} refused us: ${event.error.message}`, { cause: event.error }));
      }),
    );
  });
  return raceSignal(up, deadline.signal).finally(() => {
    deadline.dispose();
    for (const s of subscriptions) s.unsubscribe();
  });
}
