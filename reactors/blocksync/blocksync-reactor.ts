import { inject, optional } from 'inversify';
import { Subject, type Observable } from 'rxjs';
import type { NodeID } from '../../framework/identity/node-id.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import type { Logger } from '../../framework/logging/logger.js';
import { systemClock, type Clock, type PeerUpdate } from '../../framework/peer/types.js';
import { Channel, Every, OnMessage, OnPeerUpdate, Reactor, type MessageContext, type ReactorLifecycle } from '../../framework/reactor/decorators.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import { TOKENS } from '../../framework/tokens.js';
import { BlockPool, type PeerRange } from './block-pool.js';
import { verifyBlock, verifyLink, type VerifiedBlock } from './block-verify.js';
import {
  BLOCKSYNC_CHANNEL_ID,
  BlockRequest,
  BlockResponse,
  blocksyncChannel,
  NoBlockResponse,
  StatusRequest,
  StatusResponse,
  type BlocksyncMessage,
} from './blocksync-channel.js';
import { BlockRequestTimeoutError, BlocksyncProtocolError, BlockVerificationError } from './errors.js';
import { resolveBlocksyncOptions, type BlocksyncOptions, type ResolvedBlocksyncOptions } from './options.js';

/** A verified block and the peer it came from. */
export interface ReceivedBlock extends VerifiedBlock {
  readonly from: NodeID;
}

/** A peer's block range, as it reported it in a StatusResponse. */
export interface PeerRangeReport extends PeerRange {
  readonly peer: NodeID;
}

/** A block that failed verification, and the peer that sent it (reported with a fatal PeerError). */
export interface BlockRejection {
  readonly peer: NodeID;
  readonly error: BlockVerificationError;
}

/** Counters, updated as things happen. */
export interface BlocksyncStats {
  statusRequestsSent: number;
  statusResponsesReceived: number;
  blockRequestsSent: number;
  blockResponsesReceived: number;
  noBlockResponsesReceived: number;
  /** Blocks verified and delivered (`blocks$`). */
  blocksVerified: number;
  /** Blocks that failed verification or did not link; each is a fatal PeerError against its sender. */
  blocksRejected: number;
  /** Responses for heights already delivered or received from another peer (dropped). */
  lateResponses: number;
  /** Requests not answered within `requestTimeoutMs` (asked again, non-fatal PeerError). */
  requestTimeouts: number;
  /** Requests from peers answered: StatusResponse(0, 0) and NoBlockResponse (we serve no blocks). */
  requestsAnswered: number;
  /** Protocol violations reported (negative heights, base above height, unasked blocks, empty responses). */
  protocolErrors: number;
}

/** How often expired requests are looked for: a quarter of the timeout, within 50 ms..1 s. */
function expiryCheckInterval(self: BlocksyncReactor): number {
  return Math.min(1_000, Math.max(50, Math.floor(self.options.requestTimeoutMs / 4)));
}

/**
 * Downloads blocks from peers over CometBFT v0.38's blocksync channel
 * (0x40) and verifies them without validator keys: each block's header
 * hash is computed as CometBFT computes it, its txs, last commit and
 * evidence must match the hashes in its header, and each block must link to
 * the one before (its `last_block_id` and last commit are that block's id,
 * its validators those announced, its time later). Verified blocks come out
 * of `blocks$` in height order; a block that fails is a fatal PeerError
 * against its sender (and on `rejections$`), and its height is asked of
 * another peer.
 *
 * Peers' ranges come from StatusResponse (asked of each new peer and every
 * `statusIntervalMs`); at most `maxRequestsInFlight` heights are requested
 * or held at once, each of the least busy peer that has it, and asked again
 * elsewhere after `requestTimeoutMs`. We store no blocks, so we answer
 * StatusRequest with height 0, base 0 and every BlockRequest with
 * NoBlockResponse: a node never claims blocks it lacks.
 *
 * Trust: without validator signatures, the first block is taken on its
 * sender's word; every later one is checked against it.
 */
@Reactor('blocksync')
export class BlocksyncReactor implements ReactorLifecycle {
  @Channel((self: BlocksyncReactor) => blocksyncChannel(self.options.maxBlockBytes, 2 * self.options.maxRequestsInFlight + 32))
  readonly blocksync!: ChannelHandle<BlocksyncMessage>;

  readonly options: ResolvedBlocksyncOptions;
  readonly stats: BlocksyncStats = {
    statusRequestsSent: 0,
    statusResponsesReceived: 0,
    blockRequestsSent: 0,
    blockResponsesReceived: 0,
    noBlockResponsesReceived: 0,
    blocksVerified: 0,
    blocksRejected: 0,
    lateResponses: 0,
    requestTimeouts: 0,
    requestsAnswered: 0,
    protocolErrors: 0,
  };
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly chainId: string | undefined;
  private readonly pool: BlockPool<VerifiedBlock>;
  private readonly blocksSubject = new Subject<ReceivedBlock>();
  private readonly rejectionsSubject = new Subject<BlockRejection>();
  private readonly rangesSubject = new Subject<PeerRangeReport>();
  private last: VerifiedBlock | undefined;
  private stopped = false;
  private paused = false;
  private warnedUnavailable: number | undefined;

  constructor(
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.BlocksyncReactorOptions) @optional() options: Partial<BlocksyncOptions> = {},
    @inject(TOKENS.NodeInfoTemplate) @optional() nodeInfo?: Pick<NodeInfo, 'network'>,
    @inject(TOKENS.Clock) @optional() clock?: Clock,
  ) {
    this.log = logger.child({ component: 'blocksync' });
    this.options = resolveBlocksyncOptions(options);
    this.clock = clock ?? systemClock;
    // Blocks must belong to the chain the node joined: its NodeInfo network is the chain id.
    this.chainId = nodeInfo?.network;
    this.pool = new BlockPool(this.options.maxRequestsInFlight, this.options.requestTimeoutMs, this.options.startHeight);
  }

  /** Verified blocks, in height order, each linked to the one before. */
  get blocks$(): Observable<ReceivedBlock> {
    return this.blocksSubject.asObservable();
  }

  /** Blocks that failed verification, with the peer that sent them. */
  get rejections$(): Observable<BlockRejection> {
    return this.rejectionsSubject.asObservable();
  }

  /** Every valid StatusResponse: a peer's range of blocks. */
  get ranges$(): Observable<PeerRangeReport> {
    return this.rangesSubject.asObservable();
  }

  /**
   * Stops asking for blocks (requests already sent are still answered,
   * verified and delivered): how a consumer that cannot keep up bounds what
   * it buffers. `resume()` asks again.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pump();
  }

  /** The last block delivered, undefined before the first. */
  lastVerified(): VerifiedBlock | undefined {
    return this.last;
  }

  /** The next height to deliver; undefined until a start is known. */
  nextHeight(): number | undefined {
    return this.pool.nextHeight;
  }

  /** Each connected peer's reported block range. */
  peerRanges(): Map<NodeID, PeerRange> {
    return this.pool.ranges();
  }

  onStop(): void {
    this.stopped = true;
    this.blocksSubject.complete();
    this.rejectionsSubject.complete();
    this.rangesSubject.complete();
  }

  @OnPeerUpdate()
  onPeerUpdate(update: PeerUpdate): void {
    if (this.stopped) return;
    if (update.status === 'down') {
      if (!this.pool.hasPeer(update.nodeId)) return;
      this.pool.removePeer(update.nodeId);
      this.pump();
      return;
    }
    if (!update.channels.has(BLOCKSYNC_CHANNEL_ID)) return;
    this.pool.addPeer(update.nodeId);
    this.requestStatus(update.nodeId);
  }

  /** Asks every peer for its range: how blocks above the known ones are discovered. */
  @Every((self: BlocksyncReactor) => self.options.statusIntervalMs)
  pollStatus(): void {
    if (this.stopped) return;
    for (const peer of this.pool.ranges().keys()) this.requestStatus(peer);
  }

  /** Asks again, elsewhere, what was not answered in time. */
  @Every(expiryCheckInterval)
  expireRequests(): void {
    if (this.stopped) return;
    const expired = this.pool.expire(this.clock.now());
    for (const { height, peer } of expired) {
      this.stats.requestTimeouts++;
      this.peerError(peer, new BlockRequestTimeoutError(`peer ${peer} did not send block ${height} within ${this.options.requestTimeoutMs} ms`), false);
    }
    if (expired.length > 0) this.pump();
  }

  @OnMessage(StatusRequest)
  onStatusRequest(_message: StatusRequest, { from }: MessageContext): void {
    if (this.stopped) return;
    // We keep no blocks: an empty range, never a claim we could not serve.
    this.answer(from, StatusResponse.create({ height: 0, base: 0 }));
  }

  @OnMessage(BlockRequest)
  onBlockRequest(message: BlockRequest, { from }: MessageContext): void {
    if (this.stopped) return;
    if (!this.validHeight(from, 'BlockRequest', message.height)) return;
    this.answer(from, NoBlockResponse.create({ height: message.height }));
  }

  @OnMessage(StatusResponse)
  onStatusResponse(message: StatusResponse, { from }: MessageContext): void {
    if (this.stopped) return;
    if (!this.validHeight(from, 'StatusResponse', message.height) || !this.validHeight(from, 'StatusResponse base', message.base)) return;
    if (message.base > message.height) {
      this.protocolError(from, `sent a StatusResponse with base ${message.base} above its height ${message.height}`);
      return;
    }
    this.stats.statusResponsesReceived++;
    this.pool.setRange(from, { base: message.base, height: message.height });
    this.rangesSubject.next({ peer: from, base: message.base, height: message.height });
    this.pump();
  }

  @OnMessage(NoBlockResponse)
  onNoBlockResponse(message: NoBlockResponse, { from }: MessageContext): void {
    if (this.stopped) return;
    if (!this.validHeight(from, 'NoBlockResponse', message.height)) return;
    this.stats.noBlockResponsesReceived++;
    if (this.pool.noBlock(from, message.height)) this.pump();
  }

  @OnMessage(BlockResponse)
  onBlockResponse(message: BlockResponse, { from }: MessageContext): void {
    if (this.stopped) return;
    this.stats.blockResponsesReceived++;
    const height = message.block?.header?.height;
    if (message.block === null || message.block === undefined || height === null || height === undefined) {
      this.protocolError(from, 'sent a BlockResponse without a block header');
      return;
    }
    if (!this.validHeight(from, 'BlockResponse', height)) return;
    const verdict = this.pool.arrival(from, height);
    if (verdict === 'unsolicited') {
      this.protocolError(from, `sent block ${height}, which we did not ask it for`);
      return;
    }
    if (verdict === 'late') {
      this.stats.lateResponses++;
      return;
    }
    let verified: VerifiedBlock;
    try {
      verified = verifyBlock(message.block, { chainId: this.chainId, height });
    } catch (error) {
      if (!(error instanceof BlockVerificationError)) throw error;
      this.reject(from, height, error);
      this.pump();
      return;
    }
    this.pool.hold(height, from, verified);
    this.deliver();
    this.pump();
  }

  /** Hands out held blocks in height order while each links to the one before. */
  private deliver(): void {
    for (let next = this.pool.takeNext(); next !== undefined; next = this.pool.takeNext()) {
      const { height, block, peer } = next;
      if (this.last !== undefined) {
        try {
          verifyLink(this.last, block);
        } catch (error) {
          if (!(error instanceof BlockVerificationError)) throw error;
          // The block was taken off the pool: put the height back in play, asked of another peer.
          this.pool.unTake(height);
          this.reject(peer, height, error);
          return;
        }
      }
      this.last = block;
      this.stats.blocksVerified++;
      this.blocksSubject.next({ ...block, from: peer });
    }
  }

  /** Sends the BlockRequests the pool schedules. */
  private pump(): void {
    if (this.stopped || this.paused) return;
    for (const { height, peer } of this.pool.schedule(this.clock.now())) {
      const outcome = this.blocksync.send(peer, BlockRequest.create({ height }));
      if (outcome === 'queued') this.stats.blockRequestsSent++;
      else {
        // Queue full or peer gone: let the height go to another peer (or this one, later).
        this.pool.fail(height, peer);
        this.log.debug({ peer, height, outcome }, 'BlockRequest not sent');
      }
    }
    this.warnIfUnavailable();
  }

  /** Says once per height, when no peer has the next block any more (below every peer's base). */
  private warnIfUnavailable(): void {
    const next = this.pool.nextHeight;
    if (next === undefined || this.pool.inFlight > 0 || this.warnedUnavailable === next) return;
    const ranges = [...this.pool.ranges().values()].filter((r) => r.height > 0);
    if (ranges.length === 0 || !ranges.every((r) => next < r.base)) return;
    this.warnedUnavailable = next;
    this.log.warn({ height: next, peers: ranges.map((r) => `${r.base}-${r.height}`) }, 'no peer has the next block: every peer has pruned it');
  }

  private requestStatus(peer: NodeID): void {
    if (this.blocksync.send(peer, StatusRequest.create()) === 'queued') this.stats.statusRequestsSent++;
  }

  private answer(peer: NodeID, message: BlocksyncMessage): void {
    if (this.blocksync.send(peer, message) === 'queued') this.stats.requestsAnswered++;
  }

  private reject(peer: NodeID, height: number, error: BlockVerificationError): void {
    this.stats.blocksRejected++;
    this.pool.fail(height, peer);
    this.peerError(peer, error, true);
    this.rejectionsSubject.next({ peer, error });
  }

  private validHeight(peer: NodeID, what: string, height: number): boolean {
    if (Number.isSafeInteger(height) && height >= 0) return true;
    this.protocolError(peer, `sent a ${what} with height ${height}; heights are integers from 0 to 2^53`);
    return false;
  }

  private protocolError(peer: NodeID, what: string): void {
    this.stats.protocolErrors++;
    this.peerError(peer, new BlocksyncProtocolError(`peer ${peer} ${what}`), true);
  }

  private peerError(nodeId: NodeID, error: Error, fatal: boolean): void {
    // Not logged here: the router logs a connection's first peer error and counts the rest.
    this.blocksync.errors.next({ nodeId, error, fatal });
  }
}
