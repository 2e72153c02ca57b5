import { inject, optional } from 'inversify';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { NodeID } from '../../framework/identity/node-id.js';
import type { Logger } from '../../framework/logging/logger.js';
import { systemClock, type Clock, type PeerUpdate } from '../../framework/peer/types.js';
import { Channel, OnMessage, OnPeerUpdate, Reactor, type MessageContext, type ReactorLifecycle } from '../../framework/reactor/decorators.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import { TOKENS } from '../../framework/tokens.js';
import { BlocksyncReactor } from '../blocksync/blocksync-reactor.js';
import {
  CONSENSUS_STATE_CHANNEL_ID,
  ConsensusStateChannel,
  HasVote,
  NewRoundStep,
  NewValidBlock,
  VoteSetBits,
  VoteSetMaj23,
  type ConsensusStateMessage,
} from './consensus-state-channel.js';
import { InvalidConsensusMessageError } from './errors.js';
import { resolveConsensusStateOptions, type ConsensusStateOptions, type ResolvedConsensusStateOptions } from './options.js';
import { roundStepName, STEP_NEW_HEIGHT, type RoundStepName } from './round-step.js';
import { hasVoteProblem, newRoundStepProblem, newValidBlockProblem, voteSetBitsProblem, voteSetMaj23Problem } from './validate.js';

/** Where a peer says its consensus is, from its latest valid NewRoundStep. */
export interface PeerConsensusState {
  readonly peer: NodeID;
  readonly height: number;
  readonly round: number;
  /** 1..8, see `stepName`. */
  readonly step: number;
  readonly stepName: RoundStepName;
  readonly lastCommitRound: number;
}

/** Counters, updated as things happen. */
export interface ConsensusStateStats {
  /** Valid messages received, by kind (newRoundStep, newValidBlock, hasVote, voteSetMaj23, voteSetBits). */
  readonly received: Record<string, number>;
  /** Messages that belong on the data or vote channels, received on this one and ignored (as upstream ignores them). */
  ignored: number;
  /** Messages refused by CometBFT's validation rules; each is a fatal PeerError. */
  invalid: number;
  /** NewRoundStep announcements queued for peers. */
  announcements: number;
  /** Announcements not queued (peer queue full, peer gone). */
  announcementsNotSent: number;
}

/**
 * Listens on CometBFT's consensus state channel (0x20) as a non-validator:
 * decodes what peers say there into a per-peer consensus state (`states$`,
 * `peerState()`), refuses only what CometBFT's own validation refuses, and
 * says nothing but NewRoundStep announcements of our height (round 0, step
 * NewHeight). CometBFT gossips a mempool tx to a peer only once that peer's
 * announced height is at least the tx's height − 1, so announcing is what
 * makes it send us txs. The data, vote and vote-set-bits channels are never
 * opened, so no peer sends us votes or block parts, and we answer nothing
 * a validator would.
 */
@Reactor('consensus-state')
export class ConsensusStateReactor implements ReactorLifecycle {
  @Channel(ConsensusStateChannel) readonly state!: ChannelHandle<ConsensusStateMessage>;

  readonly options: ResolvedConsensusStateOptions;
  readonly stats: ConsensusStateStats = { received: {}, ignored: 0, invalid: 0, announcements: 0, announcementsNotSent: 0 };
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly statesSubject = new Subject<PeerConsensusState>();
  /** Connected peers that share channel 0x20, with their latest state once they sent one. */
  private readonly peers = new Map<NodeID, PeerConsensusState | undefined>();
  private height: number | undefined;
  private broadcastHeight: number | undefined;
  private lastBroadcastAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private blocksSubscription: Subscription | undefined;

  constructor(
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.ConsensusStateReactorOptions) @optional() options: Partial<ConsensusStateOptions> = {},
    @inject(TOKENS.Clock) @optional() clock?: Clock,
    /** When the node runs blocksync, its verified blocks set the height we announce. */
    @inject(BlocksyncReactor) @optional() private readonly blocksync?: BlocksyncReactor,
  ) {
    this.log = logger.child({ component: 'consensus-state' });
    this.options = resolveConsensusStateOptions(options);
    this.clock = clock ?? systemClock;
  }

  /** Every valid NewRoundStep a peer sends, as that peer's new consensus state. */
  get states$(): Observable<PeerConsensusState> {
    return this.statesSubject.asObservable();
  }

  /** A connected peer's latest consensus state; undefined before its first NewRoundStep or once it is gone. */
  peerState(peer: NodeID): PeerConsensusState | undefined {
    return this.peers.get(peer);
  }

  /** The latest state of every connected peer that sent one. */
  peerStates(): PeerConsensusState[] {
    return [...this.peers.values()].filter((s): s is PeerConsensusState => s !== undefined);
  }

  /** The height we announce (undefined until one is known). */
  announcedHeight(): number | undefined {
    return this.height;
  }

  /**
   * Sets the height we announce: a NewRoundStep (height, round 0, step
   * NewHeight) goes to every peer with channel 0x20, at most once per
   * `minAnnounceIntervalMs` (later heights fold into the next one), and to
   * each peer that connects. Lower heights than the current one are ignored
   * (CometBFT ignores a NewRoundStep that goes back). Throws
   * InvalidConsensusMessageError for a height below the initial height.
   */
  announce(height: number): void {
    if (!Number.isSafeInteger(height) || height < this.options.initialHeight) {
      throw new InvalidConsensusMessageError(`cannot announce height ${height}: heights start at the initial height ${this.options.initialHeight}`);
    }
    if (this.height !== undefined && height <= this.height) return;
    this.height = height;
    if (this.options.announce && !this.stopped) this.scheduleBroadcast();
  }

  onStart(): void {
    // Having verified block h, we wait for h + 1, as a CometBFT node in step NewHeight after committing h.
    this.blocksSubscription = this.blocksync?.blocks$.subscribe((block) => {
      if (block.height + 1 >= this.options.initialHeight) this.announce(block.height + 1);
    });
  }

  onStop(): void {
    this.stopped = true;
    this.blocksSubscription?.unsubscribe();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.peers.clear();
    this.statesSubject.complete();
  }

  @OnPeerUpdate()
  onPeerUpdate(update: PeerUpdate): void {
    if (this.stopped) return;
    if (update.status === 'down') {
      this.peers.delete(update.nodeId);
      return;
    }
    if (!update.channels.has(CONSENSUS_STATE_CHANNEL_ID)) return;
    this.peers.set(update.nodeId, undefined);
    if (this.options.announce && this.height !== undefined) this.sendAnnouncement(update.nodeId, this.height);
  }

  @OnMessage(NewRoundStep)
  onNewRoundStep(message: NewRoundStep, { from }: MessageContext): void {
    if (!this.accept(from, 'newRoundStep', newRoundStepProblem(message, this.options.initialHeight))) return;
    const state: PeerConsensusState = {
      peer: from,
      height: message.height,
      round: message.round,
      step: message.step,
      stepName: roundStepName(message.step)!,
      lastCommitRound: message.lastCommitRound,
    };
    this.peers.set(from, state);
    this.statesSubject.next(state);
  }

  @OnMessage(NewValidBlock)
  onNewValidBlock(message: NewValidBlock, { from }: MessageContext): void {
    this.accept(from, 'newValidBlock', newValidBlockProblem(message));
  }

  @OnMessage(HasVote)
  onHasVote(message: HasVote, { from }: MessageContext): void {
    this.accept(from, 'hasVote', hasVoteProblem(message));
  }

  @OnMessage(VoteSetMaj23)
  onVoteSetMaj23(message: VoteSetMaj23, { from }: MessageContext): void {
    // A validator answers with its VoteSetBits on channel 0x23; a listener has no votes to tell.
    this.accept(from, 'voteSetMaj23', voteSetMaj23Problem(message));
  }

  @OnMessage(VoteSetBits)
  onVoteSetBits(message: VoteSetBits, { from }: MessageContext): void {
    this.accept(from, 'voteSetBits', voteSetBitsProblem(message));
  }

  /** Proposal, ProposalPOL, BlockPart and Vote belong on 0x21/0x22; upstream logs and ignores them on 0x20. */
  @OnMessage()
  onOtherChannelMessage(): void {
    this.stats.ignored++;
  }

  /** Counts a message and reports the peer when it is invalid; returns whether it is valid and its peer still here. */
  private accept(from: NodeID, kind: string, problem: string | undefined): boolean {
    if (this.stopped || !this.peers.has(from)) return false;
    if (problem !== undefined) {
      this.stats.invalid++;
      // Not logged here: the router logs a connection's first peer error and counts the rest.
      this.state.errors.next({ nodeId: from, error: new InvalidConsensusMessageError(`peer ${from} sent an invalid ${kind}: ${problem}`), fatal: true });
      return false;
    }
    this.stats.received[kind] = (this.stats.received[kind] ?? 0) + 1;
    return true;
  }

  private newRoundStep(height: number): NewRoundStep {
    return NewRoundStep.create({
      height,
      round: 0,
      step: STEP_NEW_HEIGHT,
      secondsSinceStartTime: 0,
      // CometBFT's ValidateHeight: -1 exactly at the initial height, a real round (we say 0) above it.
      lastCommitRound: height === this.options.initialHeight ? -1 : 0,
    });
  }

  private sendAnnouncement(peer: NodeID, height: number, message = this.newRoundStep(height)): void {
    const outcome = this.state.send(peer, message);
    if (outcome === 'queued') this.stats.announcements++;
    else {
      this.stats.announcementsNotSent++;
      this.log.debug({ peer, height, outcome }, 'NewRoundStep announcement not sent');
    }
  }

  private scheduleBroadcast(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastBroadcastAt + this.options.minAnnounceIntervalMs - this.clock.now();
    if (wait <= 0) return this.broadcast();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.broadcast();
    }, wait);
    this.timer.unref();
  }

  private broadcast(): void {
    const height = this.height;
    if (height === undefined || height === this.broadcastHeight) return;
    this.broadcastHeight = height;
    this.lastBroadcastAt = this.clock.now();
    const message = this.newRoundStep(height);
    for (const peer of this.peers.keys()) this.sendAnnouncement(peer, height, message);
  }
}
