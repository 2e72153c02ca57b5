import { inject, optional } from 'inversify';
import { Subject, type Observable } from 'rxjs';
import type { NodeID } from '../../framework/identity/node-id.js';
import type { PeerManager } from '../../framework/peer/peer-manager.js';
import { systemClock, type Clock, type PeerUpdate } from '../../framework/peer/types.js';
import { Channel, OnMessage, OnPeerUpdate, Reactor, type MessageContext, type ReactorLifecycle } from '../../framework/reactor/decorators.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import { TOKENS } from '../../framework/tokens.js';
import { InvalidTxError, MempoolFloodError, MempoolInvalidTxsError, MempoolStoppedError } from './errors.js';
import { MEMPOOL_CHANNEL_ID, mempoolChannel, Txs } from './mempool-channel.js';
import { resolveMempoolOptions, type MempoolOptions, type ResolvedMempoolOptions } from './options.js';
import { SeenCache, type SeenTx } from './seen-cache.js';
import { TxBudget } from './tx-budget.js';
import { txHash } from './tx-hash.js';

/** A tx a peer gossiped to us, the first time any peer did. */
export interface ReceivedTx {
  readonly tx: Uint8Array;
  /** SHA-256 of the tx, upper-case hex, as CometBFT's RPC shows it. */
  readonly hash: string;
  /** The peer it came from. */
  readonly peer: NodeID;
}

/** What `broadcast(tx)` did. */
export interface BroadcastResult {
  /** SHA-256 of the tx, upper-case hex. */
  readonly hash: string;
  /** Peers the tx was queued for now. */
  readonly sentTo: readonly NodeID[];
  /** Peers with the channel that were skipped because they sent us the tx or were sent it before. */
  readonly skipped: number;
  /** Peers whose send queue was full (or that went away): counted in `stats.sendDrops`. */
  readonly dropped: number;
}

/** Counters, updated as things happen. */
export interface MempoolStats {
  /** `Txs` messages received. */
  messagesReceived: number;
  /** Txs in them, duplicates and invalid ones included. */
  txsReceived: number;
  /** Txs seen for the first time, emitted on `txs$`. */
  newTxs: number;
  /** Txs seen before (from another peer, or sent to this peer by us): dropped, no fault. */
  duplicates: number;
  /**
   * Txs a peer sent again on the same connection: dropped, no fault on their
   * own (CometBFT resends its whole mempool to a peer when the tx its gossip
   * routine waits on is removed from the tail of its list), but each costs
   * the peer's budget like any tx.
   */
  repeats: number;
  /** Empty `Txs` messages, and txs that are empty or over `maxTxBytes`: dropped, a peer error per message. */
  invalid: number;
  /** Peers disconnected for sending more txs than their budget. */
  floods: number;
  /** Peer errors the mempool reported (each of the above that is one). */
  peerErrors: number;
  /** `broadcast` calls. */
  broadcasts: number;
  /** New txs passed on to other peers by `relay`. */
  relayed: number;
  /** Tx copies queued for peers (one message each). */
  txsSent: number;
  /** Copies not queued: the peer's send queue was full or the peer went away. */
  sendDrops: number;
  /** Hashes forgotten by the seen-cache to stay within `seenCacheSize`. */
  seenEvictions: number;
}

/** A connected peer that has the mempool channel. */
interface MempoolPeer {
  /** Tells this connection from an earlier one of the same peer: a repeat is judged per connection. */
  readonly serial: number;
  readonly budget: TxBudget;
}

/**
 * CometBFT v0.38's mempool gossip (channel 0x30, `tendermint.mempool.Message{Txs}`),
 * without a mempool: txs that peers gossip come out of `txs$` with the
 * peer that sent them, once each (a bounded seen-cache of tx hashes
 * de-duplicates); `broadcast(tx)` gossips a tx to every peer that has the
 * channel, one tx per message as CometBFT sends them, except to peers that
 * sent it to us or were sent it before. Each peer has a tx budget (rate and
 * burst) that every tx it sends costs, duplicates and repeats included; one
 * that exceeds it is disconnected. Invalid messages cost score, then the
 * connection.
 * The transport closes a connection whose message exceeds the channel's
 * limit (one tx of `maxTxBytes` in its message, as CometBFT's) before
 * buffering it.
 *
 * CometBFT sends a tx to a peer only once that peer has announced (on the
 * consensus state channel, 0x20) a height at least the tx's height − 1; a
 * node that wants to hear txs from CometBFT also needs a reactor that does so.
 */
@Reactor('mempool')
export class MempoolReactor implements ReactorLifecycle {
  @Channel((self: MempoolReactor) => mempoolChannel(self.options.maxTxBytes)) readonly channel!: ChannelHandle<Txs>;

  readonly stats: MempoolStats = {
    messagesReceived: 0,
    txsReceived: 0,
    newTxs: 0,
    duplicates: 0,
    repeats: 0,
    invalid: 0,
    floods: 0,
    peerErrors: 0,
    broadcasts: 0,
    relayed: 0,
    txsSent: 0,
    sendDrops: 0,
    seenEvictions: 0,
  };
  readonly options: ResolvedMempoolOptions;
  private readonly clock: Clock;
  private readonly seen: SeenCache;
  private readonly peers = new Map<NodeID, MempoolPeer>();
  private readonly received = new Subject<ReceivedTx>();
  private nextSerial = 1;
  private stopped = false;

  constructor(
    @inject(TOKENS.MempoolReactorOptions) @optional() options: Partial<MempoolOptions> = {},
    @inject(TOKENS.PeerManager) @optional() private readonly peerManager?: Pick<PeerManager, 'report'>,
    @inject(TOKENS.Clock) @optional() clock?: Clock,
  ) {
    this.options = resolveMempoolOptions(options);
    this.clock = clock ?? systemClock;
    this.seen = new SeenCache(this.options.seenCacheSize);
  }

  /**
   * Txs gossiped by peers, each the first time any peer sends it (a tx this
   * node broadcast is never emitted). Completes when the node stops.
   */
  get txs$(): Observable<ReceivedTx> {
    return this.received.asObservable();
  }

  /** Connected peers that have the mempool channel. */
  mempoolPeers(): NodeID[] {
    return [...this.peers.keys()];
  }

  /** Whether the seen-cache holds the tx with this hash (upper-case hex, see `txHash`). */
  hasSeen(hash: string): boolean {
    return this.seen.has(hash);
  }

  onStop(): void {
    this.stopped = true;
    this.peers.clear();
    this.seen.clear();
    this.received.complete();
  }

  /**
   * Gossips `tx` to every peer that has the mempool channel, except those
   * that sent it to us or were sent it already (calling again reaches only
   * peers that connected since). The tx is remembered, so a peer that sends
   * it back is not emitted on `txs$`. Throws InvalidTxError for an empty tx
   * or one over `maxTxBytes`, MempoolStoppedError once the node stopped.
   */
  broadcast(tx: Uint8Array): BroadcastResult {
    if (this.stopped) throw new MempoolStoppedError('the mempool reactor has stopped; its node is no longer running');
    if (!(tx instanceof Uint8Array)) throw new InvalidTxError(`a tx must be a Uint8Array, got ${typeof tx}`);
    if (tx.length === 0) throw new InvalidTxError('a tx must not be empty');
    if (tx.length > this.options.maxTxBytes) throw new InvalidTxError(`the tx has ${tx.length} bytes; at most ${this.options.maxTxBytes} (maxTxBytes) are sent`);
    const hash = txHash(tx);
    const entry = this.seen.touch(hash) ?? this.remember(hash);
    this.stats.broadcasts++;
    return this.gossip(entry, tx);
  }

  @OnPeerUpdate()
  onPeerUpdate(update: PeerUpdate): void {
    if (update.status === 'up' && update.channels.has(MEMPOOL_CHANNEL_ID) && !this.stopped) {
      this.peers.set(update.nodeId, {
        serial: this.nextSerial++,
        budget: new TxBudget(this.options.maxTxsPerSecond, this.options.maxTxsBurst, this.clock),
      });
    } else {
      this.peers.delete(update.nodeId);
    }
  }

  @OnMessage(Txs)
  onTxs(message: Txs, { from }: MessageContext): void {
    const peer = this.peers.get(from);
    // A message still queued when its peer went down: nobody is left to answer or punish.
    if (peer === undefined || this.stopped) return;
    this.stats.messagesReceived++;
    const txs = message.txs ?? [];
    if (txs.length === 0) {
      this.stats.invalid++;
      this.peerError(from, new MempoolInvalidTxsError(`peer ${from} sent a Txs message with no tx`), false);
      return;
    }
    this.stats.txsReceived += txs.length;
    if (!peer.budget.take(txs.length)) {
      this.stats.floods++;
      this.flooded(
        from,
        new MempoolFloodError(
          `peer ${from} sent txs beyond its budget of ${this.options.maxTxsPerSecond} per second and ${this.options.maxTxsBurst} at once (this message: ${txs.length})`,
        ),
      );
      return;
    }
    let invalid = 0;
    for (const tx of txs) {
      if (tx.length === 0 || tx.length > this.options.maxTxBytes) {
        invalid++;
        continue;
      }
      const hash = txHash(tx);
      const entry = this.seen.touch(hash);
      if (entry === undefined) {
        this.accept(from, peer, hash, tx);
      } else if (entry.from.get(from) === peer.serial) {
        // Not a fault: CometBFT restarts its gossip from the front of its mempool when the element it
        // waits on is committed while others remain. A peer that repeats without end runs out of budget.
        this.stats.repeats++;
      } else {
        this.stats.duplicates++;
        entry.from.set(from, peer.serial);
      }
    }
    if (invalid > 0) {
      this.stats.invalid += invalid;
      this.peerError(
        from,
        new MempoolInvalidTxsError(`peer ${from} sent ${invalid} of ${txs.length} txs empty or over ${this.options.maxTxBytes} bytes (maxTxBytes)`),
        false,
      );
    }
  }

  /** A tx seen for the first time: remember who sent it, emit it, pass it on when relaying. */
  private accept(from: NodeID, peer: MempoolPeer, hash: string, wireTx: Uint8Array): void {
    const entry = this.remember(hash);
    entry.from.set(from, peer.serial);
    // Decoded bytes are a view into the received message; the copy outlives it without pinning the whole message.
    const tx = new Uint8Array(wireTx);
    this.stats.newTxs++;
    this.received.next({ tx, hash, peer: from });
    if (this.options.relay && !this.stopped) {
      this.stats.relayed++;
      this.gossip(entry, tx);
    }
  }

  private remember(hash: string): SeenTx {
    const entry = this.seen.add(hash);
    this.stats.seenEvictions = this.seen.evictions;
    return entry;
  }

  private gossip(entry: SeenTx, tx: Uint8Array): BroadcastResult {
    const sentTo: NodeID[] = [];
    let skipped = 0;
    let dropped = 0;
    let message: Txs | undefined;
    for (const peer of this.peers.keys()) {
      if (entry.from.has(peer) || entry.sentTo.has(peer)) {
        skipped++;
        continue;
      }
      message ??= Txs.create({ txs: [tx] });
      if (this.channel.send(peer, message) === 'queued') {
        entry.sentTo.add(peer);
        sentTo.push(peer);
        this.stats.txsSent++;
      } else {
        dropped++;
        this.stats.sendDrops++;
      }
    }
    return { hash: entry.hash, sentTo, skipped, dropped };
  }

  private peerError(nodeId: NodeID, error: Error, fatal: boolean): void {
    this.stats.peerErrors++;
    // Not logged here: the router logs a connection's first peer error and counts the rest.
    this.channel.errors.next({ nodeId, error, fatal });
  }

  /** Disconnect (and ban for `banDurationMs` when set): the treatment of any peer that breaks a rule. */
  private flooded(nodeId: NodeID, error: Error): void {
    this.peers.delete(nodeId);
    this.peerError(nodeId, error, true);
    const durationMs = this.options.banDurationMs;
    if (durationMs > 0) this.peerManager?.report(nodeId, { kind: 'ban', durationMs, reason: error.message });
  }
}
