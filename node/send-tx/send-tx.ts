import type { Subscription } from 'rxjs';
import { NodeAddress } from '../../framework/address/node-address.js';
import { isErrorNamed } from '../../framework/errors/base.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import { silentLogger, type Logger } from '../../framework/logging/logger.js';
import { deadlineSignal, raceSignal, reasonOf } from '../../framework/util/abort.js';
import type { MempoolReactor } from '../../reactors/mempool/mempool-reactor.js';
import { createNode } from '../create-node.js';
import type { Node } from '../node.js';
import { confirmDelivery, sentMessages } from './delivery.js';
import { SendTxOptionsError, SendTxPeerError, SendTxTimeoutError, TxNotDeliveredError, type SendTxPhase } from './errors.js';
import type { BlockFollower, FollowedBlockSummary } from './follower.js';

export type { BlockFollower, FollowedBlockSummary };

/** CometBFT's mempool channel (reactors/mempool declares it; not imported here so `import 'tmp2p'` loads no reactor). */
const MEMPOOL_CHANNEL = 0x30;
/** CometBFT's default `max_tx_bytes`. */
const MAX_TX_BYTES = 1_048_576;

export interface SendTxOptions {
  /** The peer to hand the tx to, `ID@HOST:PORT` (a CometBFT node's `node_id@p2p address`). */
  readonly peer: string;
  /** The peer's network (the chain id); CometBFT refuses a node of any other. */
  readonly network: string;
  /** The tx: bytes, or text sent as UTF-8 (kvstore takes `key=value`). */
  readonly tx: Uint8Array | string;
  /** Also wait until a verified block contains the tx and report it. Default false. */
  readonly wait?: boolean;
  /** Follows blocks for `wait`. Default: the built-in one — blocksync (from the peer's latest block) and the consensus-state listener. */
  readonly follower?: BlockFollower;
  /** Bounds the whole operation (connect, delivery, and with `wait` the commit). Default 60,000 ms; 0 = none. */
  readonly timeoutMs?: number;
  /** Moniker in the NodeInfo the peer sees. Default "tmp2p-send-tx". */
  readonly moniker?: string;
  /** Config overrides for the short-lived node, nested like config.toml (snake_case). Default none. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Default: silent. */
  readonly logger?: Logger;
}

export interface SendTxResult {
  /** SHA-256 of the tx, upper-case hex: CometBFT's tx hash (`/tx?hash=0x…`). */
  readonly hash: string;
  /** The peer that acknowledged reading it. */
  readonly peer: NodeID;
  /** With `wait`: the first verified block that contains the tx. */
  readonly block?: { readonly height: number; readonly hash: string };
}

export const DEFAULT_SEND_TX_TIMEOUT_MS = 60_000;

/**
 * Each MConnection ping's pong acknowledges what was written before it, and
 * delivery is confirmed by one: a short interval keeps that wait short.
 */
const SEND_TX_PING = { ping_interval: '1s', pong_timeout: '900ms' };

/**
 * Connects to `peer` as a short-lived node (mempool channel, plus what the
 * follower needs), gossips the tx over channel 0x30 as CometBFT's mempool
 * reactor would, and resolves once the peer has acknowledged reading it;
 * with `wait`, once a verified block from the peer contains it. Rejects with
 * SendTxTimeoutError (naming the phase) when `timeoutMs` runs out,
 * SendTxPeerError when the peer refuses us for good or has no mempool
 * channel, TxNotDeliveredError when the connection drops before the
 * acknowledgement, AbortError when `signal` aborts. The node is stopped
 * whatever the outcome.
 */
export async function sendTx(options: SendTxOptions, { signal }: { signal?: AbortSignal } = {}): Promise<SendTxResult> {
  const { address, tx, timeoutMs } = checkOptions(options);
  // The built-in follower (blocksync and consensus-state) unless the caller brings one; loaded only for `wait`.
  const follower = options.wait ? (options.follower ?? (await (await import('./follower.js')).defaultBlockFollower())) : undefined;
  let phase: SendTxPhase = 'connect';
  const deadline = deadlineSignal(signal, timeoutMs, () => new SendTxTimeoutError(timeoutMessage(phase, timeoutMs, options.peer), phase, timeoutMs));
  const { MempoolReactor } = await import('../../reactors/mempool/mempool-reactor.js');
  const { txHash } = await import('../../reactors/mempool/tx-hash.js');
  const hash = txHash(tx);
  const peer = address.nodeId;
  let node: Node | undefined;
  try {
    const overrides = options.config ?? {};
    node = await createNode(
      {
        // Below the caller's `config`: what a short-lived sender needs by default.
        defaults: {
          moniker: options.moniker ?? 'tmp2p-send-tx',
          p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', ...SEND_TX_PING },
          reactors: { enabled: [] },
        },
        values: {
          ...overrides,
          network: options.network,
          p2p: { ...(overrides['p2p'] as Record<string, unknown> | undefined), persistent_peers: options.peer },
        },
      },
      { reactors: [MempoolReactor, ...(follower?.reactors ?? [])], logger: options.logger ?? silentLogger(), signal: deadline.signal },
    );
    const mempool = node.reactor(MempoolReactor);
    await mempoolPeerUp(node, mempool, peer, deadline.signal);

    // Follow before sending, so the block that takes the tx cannot pass unseen.
    const committed = options.wait ? inclusion(follower!, node, peer, tx, deadline.signal) : undefined;
    committed?.catch(() => {}); // awaited below; until then a failure must not be unhandled

    phase = 'deliver';
    const before = sentMessages(node, peer, MEMPOOL_CHANNEL);
    const result = mempool.broadcast(tx);
    if (!result.sentTo.includes(peer)) throw new TxNotDeliveredError(`the tx could not be queued for ${peer} (its send queue is full or it went away)`);
    await confirmDelivery(node, peer, MEMPOOL_CHANNEL, before, deadline.signal);

    if (committed === undefined) return { hash, peer };
    phase = 'commit';
    const block = await committed;
    return { hash, peer, block };
  } catch (error) {
    // A timeout or abort surfaces as the deadline's reason, whatever the step that noticed it threw.
    throw deadline.signal.aborted ? reasonOf(deadline.signal) : error;
  } finally {
    deadline.dispose();
    await node?.stop();
  }
}

function checkOptions(options: SendTxOptions): { address: NodeAddress; tx: Uint8Array; timeoutMs: number } {
  if (typeof options !== 'object' || options === null) throw new SendTxOptionsError('sendTx needs an options object');
  if (typeof options.peer !== 'string' || !options.peer.includes('@')) {
    throw new SendTxOptionsError(`peer must be "ID@HOST:PORT", got ${JSON.stringify(options.peer)}`);
  }
  const address = NodeAddress.parse(options.peer);
  if (typeof options.network !== 'string' || options.network.trim() === '') throw new SendTxOptionsError('network (the chain id) must be a non-empty string');
  const tx = typeof options.tx === 'string' ? new TextEncoder().encode(options.tx) : options.tx;
  if (!(tx instanceof Uint8Array)) throw new SendTxOptionsError('tx must be a string or a Uint8Array');
  if (tx.length === 0 || tx.length > MAX_TX_BYTES) throw new SendTxOptionsError(`tx must have 1 to ${MAX_TX_BYTES} bytes, got ${tx.length}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TX_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new SendTxOptionsError(`timeoutMs must be ≥ 0 (0 = none), got ${timeoutMs}`);
  return { address, tx, timeoutMs };
}

function timeoutMessage(phase: SendTxPhase, timeoutMs: number, peer: string): string {
  const what = { connect: `connecting to ${peer} (with the mempool channel)`, deliver: `${peer} to acknowledge the tx`, commit: 'a verified block containing the tx' }[phase];
  return `timed out after ${timeoutMs} ms waiting for ${what}`;
}

/**
 * Resolves once `peer` is routed with the mempool channel. Rejects with
 * SendTxPeerError when it is up without the channel, or when a dial fails
 * in a way a retry cannot fix (another network, another node ID).
 */
function mempoolPeerUp(node: Node, mempool: MempoolReactor, peer: NodeID, signal: AbortSignal): Promise<void> {
  const subscriptions: Subscription[] = [];
  const wait = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (mempool.mempoolPeers().includes(peer)) resolve();
    };
    subscriptions.push(
      node.peerUpdates$.subscribe((update) => {
        if (update.nodeId !== peer || update.status !== 'up') return;
        if (!update.channels.has(MEMPOOL_CHANNEL)) reject(new SendTxPeerError(`peer ${peer} does not advertise the mempool channel 0x30`));
        else check();
      }),
      node.events$.subscribe((event) => {
        if (event.type !== 'dial-failed' || !isPermanent(event.error)) return;
        reject(new SendTxPeerError(`peer ${peer} refused us: ${event.error.message}`, { cause: event.error }));
      }),
    );
    check();
  });
  return raceSignal(wait, signal).finally(() => {
    for (const s of subscriptions) s.unsubscribe();
  });
}

/** Dial failures that a retry cannot fix. */
function isPermanent(error: Error): boolean {
  return isErrorNamed(error, 'IncompatiblePeerError') || isErrorNamed(error, 'DialedIdMismatchError');
}

async function inclusion(
  follower: BlockFollower,
  node: Node,
  peer: NodeID,
  tx: Uint8Array,
  signal: AbortSignal,
): Promise<{ height: number; hash: string }> {
  for await (const block of follower.blocks(node, peer, signal)) {
    if (block.txs.some((t) => sameBytes(t, tx))) return { height: block.height, hash: block.hash };
    if (signal.aborted) break;
  }
  if (signal.aborted) throw reasonOf(signal);
  throw new TxNotDeliveredError(`following blocks from ${peer} ended before a block contained the tx`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
