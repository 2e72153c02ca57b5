import { inject, injectable, optional } from 'inversify';
import { Subject, type Observable } from 'rxjs';
import { InvalidArgumentError, throwIfAborted } from '../errors/base.js';
import { isNodeID, type NodeID } from '../identity/node-id.js';
import type { NodeAddress } from '../address/node-address.js';
import { AddressIntake } from './address-intake.js';
import { Admitter } from './admission.js';
import { advertiseCandidates, isVisibleTo, weightedSample, type AdvertiseContext } from './advertise.js';
import { checkReport } from './behaviour.js';
import { ConnectionLifecycle } from './connection-lifecycle.js';
import { ConnectionTable, type PeerState } from './connections.js';
import { newPeerCounters, peerManagerMetrics } from './counters.js';
import { DialFailures } from './dial-failures.js';
import { DialScheduler } from './dial-scheduler.js';
import { PeerManagerStateError } from './errors.js';
import { resolvePeerManagerOptions, type PeerManagerOptions } from './options.js';
import { PeerBook } from './peer-book.js';
import { isBannedAt, type LearnedFrom } from './peer-entry.js';
import type { PeerStore, PeerStoreHealth } from './peer-store.js';
import { PeerScorer } from './peer-scorer.js';
import { Ranking } from './ranking.js';
import type { ScoringStrategy } from './scoring.js';
import { SelfAddresses } from './self-addresses.js';
import { snapshotPeers, type PeerManagerMetrics, type PeerSnapshot } from './snapshot.js';
import { PeerVerdicts } from './verdicts.js';
import { TOKENS } from '../tokens.js';
import { mathRandom, silentPeerLogger, systemClock, type Clock, type PeerBehaviour, type PeerManagerLogger, type PeerUpdate, type RandomSource } from './types.js';

/**
 * The PeerManager owns every peer's lifecycle state — addresses, connection
 * state, scores, failures, retries, bans — and decides whom to dial, accept
 * and evict. It is a plain synchronous state machine: no timers, no awaits in
 * transitions; time and randomness are injected. The Router drives it:
 *
 *   tryDialNext → (dial) → dialed | dialFailed ;  (accept) → accepted
 *   → ready → … → tryEvictNext / errored → disconnected
 *
 * `dialWake$`/`evictWake$` tell the Router when asking again may give a new
 * answer, and `nextDialAt()` when a retry delay, cooldown or ban expires.
 * Persistence is fire-and-forget through a coalescing writer; `flush()`/
 * `close()` await it.
 *
 * This class is the API, the lifecycle and the wiring; each family of
 * transitions is a plain class it constructs, given only what it needs:
 * - address-intake.ts: addresses from the store, the configuration and gossip (`start`, `add`);
 * - dial-scheduler.ts: handing out dials (`tryDialNext`, `nextDialAt`), choices in selection.ts;
 * - dial-failures.ts: retry backoff (dial-policy.ts, retry.ts), flaps, giving addresses up (`dialFailed`);
 * - admission.ts: whether a handshaken connection may stay, and recording it (`dialed`, `accepted`);
 * - connection-lifecycle.ts: `ready`, eviction, `disconnected` and the up/down stream (peer-updates.ts);
 * - verdicts.ts: `report` and `inactivate`.
 * The state they share: peer-book.ts (known peers, persisted through
 * store-writer.ts) and connections.ts (dials, connections, evictions);
 * scores come from peer-scorer.ts and ranking.ts; advertise.ts, snapshot.ts
 * and counters.ts shape what PEX and operators are shown.
 */
@injectable()
export class PeerManager {
  /** Emits when `tryDialNext` may return something new (a slot freed, a peer added, a rank changed). */
  readonly dialWake$: Observable<void>;
  /** Emits when `tryEvictNext` may return something new. */
  readonly evictWake$: Observable<void>;

  private readonly options: PeerManagerOptions;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly log: PeerManagerLogger;
  /** Every known peer, insertion-ordered, and its persistence. */
  private readonly peers: PeerBook;
  private readonly conns: ConnectionTable;
  private readonly scorer: PeerScorer;
  private readonly persistentIds: ReadonlySet<NodeID>;
  private readonly privateIds: ReadonlySet<NodeID>;
  /** Our ID and the places we are reached at: never added, dialed or advertised as a peer. */
  private readonly self: SelfAddresses;
  private readonly dialWakeSubject = new Subject<void>();
  private readonly evictWakeSubject = new Subject<void>();
  private readonly counters = newPeerCounters();
  private readonly intake: AddressIntake;
  private readonly dials: DialScheduler;
  private readonly dialFailures: DialFailures;
  private readonly admitter: Admitter;
  private readonly connectionLifecycle: ConnectionLifecycle;
  private readonly verdicts: PeerVerdicts;
  private lifecycle: 'new' | 'starting' | 'running' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(
    @inject(TOKENS.PeerManagerOptions) options: PeerManagerOptions,
    @inject(TOKENS.PeerStore) private readonly store: PeerStore,
    @inject(TOKENS.ScoringStrategy) scoring: ScoringStrategy,
    @inject(TOKENS.Clock) @optional() clock?: Clock,
    @inject(TOKENS.Random) @optional() random?: RandomSource,
    @inject(TOKENS.Logger) @optional() logger?: PeerManagerLogger,
  ) {
    // Re-resolving is idempotent and guards against options bound without validation.
    this.options = resolvePeerManagerOptions(options);
    this.clock = clock ?? systemClock;
    this.random = random ?? mathRandom;
    const child = (logger as { child?: (bindings: object) => PeerManagerLogger } | undefined)?.child;
    this.log = typeof child === 'function' ? child.call(logger, { component: 'peer-manager' }) : (logger ?? silentPeerLogger);
    this.conns = new ConnectionTable(this.options);
    this.scorer = new PeerScorer(scoring, this.conns, this.log);
    this.persistentIds = new Set(this.options.persistentPeers.map((a) => a.nodeId));
    this.privateIds = new Set(this.options.privatePeerIds);
    const { selfAddress, listenAddresses } = this.options;
    this.self = new SelfAddresses(this.options.selfId, selfAddress === undefined ? listenAddresses : [selfAddress, ...listenAddresses]);
    this.dialWake$ = this.dialWakeSubject.asObservable();
    this.evictWake$ = this.evictWakeSubject.asObservable();
    this.peers = new PeerBook(this.options, store, this.persistentIds, this.random, this.log);
    const components = {
      options: this.options,
      peers: this.peers,
      conns: this.conns,
      self: this.self,
      clock: this.clock,
      random: this.random,
      log: this.log,
      counters: this.counters,
      persistentIds: this.persistentIds,
      closed: () => this.lifecycle === 'closed',
      ranking: (now?: number) => this.ranking(now),
      persist: (id: NodeID) => this.persist(id),
      prune: () => this.prune(),
      evict: (id: NodeID) => this.connectionLifecycle.scheduleEviction(id),
      wakeDialer: () => this.wakeDialer(),
      wakeEvicter: () => this.wakeEvicter(),
    };
    this.intake = new AddressIntake(components);
    this.dials = new DialScheduler(components);
    this.dialFailures = new DialFailures(components);
    this.admitter = new Admitter(components);
    this.connectionLifecycle = new ConnectionLifecycle({ ...components, dialFailures: this.dialFailures });
    this.verdicts = new PeerVerdicts(components);
  }

  // ---- lifecycle ----

  /**
   * Loads the stored peers (skipping, with a warning, any corrupted record or
   * address) and adds the persistent peers. Throws PeerStoreError when the
   * store itself cannot be read.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.lifecycle !== 'new') throw new PeerManagerStateError(`cannot start the peer manager: it is ${this.lifecycle}`);
    throwIfAborted(signal);
    this.lifecycle = 'starting';
    let records: readonly unknown[];
    try {
      records = await this.peers.read(signal);
    } catch (error) {
      this.lifecycle = 'new';
      throw error;
    }
    if (this.lifecycle !== 'starting') return; // closed while loading
    this.intake.restore(records);
    this.lifecycle = 'running';
    this.log.info({ peers: this.peers.size, persistent: this.persistentIds.size, store: this.store.name }, 'peer manager started');
    this.wakeDialer();
  }

  /** Resolves once every store write scheduled so far has been attempted. */
  flush(): Promise<void> {
    return this.peers.flush();
  }

  /**
   * Terminal: publishes `down` for every peer still ready (so every `up` a
   * subscriber saw is paired), completes the streams, flushes pending writes
   * and closes the store. Call it after the router has stopped.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.connectionLifecycle.disconnectAll();
    this.lifecycle = 'closed';
    this.connectionLifecycle.close();
    this.dialWakeSubject.complete();
    this.evictWakeSubject.complete();
    await this.peers.close();
  }

  // ---- addresses ----

  /**
   * Learns an address. Returns false when it was not added: it is this node
   * (our node ID, or the host:port of our external or listen address, or one
   * a dial proved to lead back here), it is already known, the peer is inactive and in its cooldown, the peer
   * has too many addresses already, or the peer table is full of peers that
   * rank at least as well. Throws InvalidArgumentError for a non-address.
   *
   * `options.learnedFrom`: a peer told us (PEX), and this is the scope of its
   * IP; the IPs the address resolves to when dialed must be visible to it
   * (see `learnedFrom()`). Omitted: the application or operator added it, and
   * it is dialed wherever it resolves.
   */
  add(address: NodeAddress, options: { readonly learnedFrom?: LearnedFrom } = {}): boolean {
    if (!isAddressLike(address)) throw new InvalidArgumentError(`add() expects a NodeAddress with a valid node ID, got ${String(address)}`);
    if (this.lifecycle === 'closed') return false;
    return this.intake.add(address, options.learnedFrom);
  }

  /**
   * The scope the IPs of `address` must be visible to when it is dialed: that
   * of the peer it was learned from; undefined (any IP) for configured and
   * application-added addresses. An address no longer known is held to public
   * IPs (it was dropped while being dialed).
   */
  learnedFrom(address: NodeAddress): LearnedFrom | undefined {
    const info = this.peers.get(address.nodeId)?.addresses.get(address.toString());
    if (info === undefined) return 'public';
    return info.pinned ? undefined : info.learnedFrom;
  }

  // ---- dialing ----

  /**
   * The next address to dial, or undefined. Respects capacity (upgrade slots
   * included) and `maxOutgoing`, walks peers best-ranked first, skips peers
   * already dialing or connected, banned, inactive (until their cooldown
   * ends), recently disconnected, or whose every address is still in its
   * retry delay. At `maxConnected` a dial is only an upgrade: it needs a
   * lower-ranked connected peer to replace (never a persistent peer for a
   * non-persistent one). The returned peer counts as dialing until
   * `dialed`/`dialFailed`, so it is never returned twice.
   */
  tryDialNext(): NodeAddress | undefined {
    return this.lifecycle === 'closed' ? undefined : this.dials.next();
  }

  /**
   * The earliest clock time (> now) at which `tryDialNext` could return a
   * peer it cannot return now because of a retry delay, disconnect cooldown,
   * inactive cooldown or ban; undefined when nothing is waiting on time or
   * every dial slot is taken (a freed slot emits on `dialWake$` instead).
   */
  nextDialAt(): number | undefined {
    return this.lifecycle === 'closed' ? undefined : this.dials.nextAt();
  }

  /**
   * A dial handed out by `tryDialNext` failed: frees the dial slot and backs
   * the address off (failure count, retry delay), or gives it up after
   * `maxDialFailures` consecutive failures (see there). When `error` shows the
   * address led back to this node (the remote authenticated with our key),
   * its host:port is remembered as ours and removed from every peer instead.
   * Unknown addresses are ignored.
   */
  dialFailed(address: NodeAddress, error?: Error): void {
    if (this.conns.endDial(address.nodeId)) this.wakeDialer();
    this.dialFailures.record(address, error);
  }

  /**
   * An outbound connection to `address` completed its handshake. Throws
   * PeerRejectedError when it must be closed (self, banned, already
   * connected, no room even for an upgrade).
   */
  dialed(address: NodeAddress): void {
    this.conns.endDial(address.nodeId);
    try {
      this.admitter.admit(address.nodeId, 'outbound', address);
    } catch (error) {
      this.wakeDialer(); // the dial slot is free again
      throw error;
    }
  }

  /**
   * An inbound connection from `nodeId` completed its handshake. Throws
   * PeerRejectedError when it must be closed. `context.address`, if given
   * and of that node, is remembered as a dialable address of the peer.
   */
  accepted(nodeId: NodeID, context?: { address?: NodeAddress }): void {
    if (!isNodeID(nodeId)) throw new InvalidArgumentError(`accepted() expects a node ID, got ${JSON.stringify(nodeId)}`);
    const given = context?.address;
    this.admitter.admit(nodeId, 'inbound', isAddressLike(given) && given.nodeId === nodeId && !this.self.has(given) ? given : undefined);
  }

  // ---- connected peers ----

  /** The router has routed the peer: publishes its `up`. Ignored unless connected and not yet ready. */
  ready(nodeId: NodeID, channels: ReadonlySet<number>): void {
    this.connectionLifecycle.ready(nodeId, channels);
  }

  /**
   * The next peer the router should disconnect: first those scheduled
   * (upgrades, bans, errors), then, if more than `maxConnected` are connected,
   * the lowest-ranked (non-persistent first).
   */
  tryEvictNext(): NodeID | undefined {
    return this.lifecycle === 'closed' ? undefined : this.connectionLifecycle.nextEviction();
  }

  /**
   * The connection to `nodeId` is gone; publishes its `down` if it was ready.
   * Idempotent. `replaced`: the router closed it for a duplicate connection to
   * the same peer, which it admits next — no flap to back off from.
   */
  disconnected(nodeId: NodeID, options: { readonly replaced?: boolean } = {}): void {
    this.connectionLifecycle.disconnected(nodeId, options.replaced);
  }

  /** A fatal error on the peer's connection: schedules its eviction. */
  errored(nodeId: NodeID, error: Error): void {
    this.connectionLifecycle.errored(nodeId, error);
  }

  /**
   * Marks a peer incompatible (wrong network/version): it is evicted if
   * connected, not dialed and not given new addresses until
   * `inactiveCooldownMs` has passed. A later successful connection clears it.
   * Unknown peers are ignored.
   */
  inactivate(nodeId: NodeID, reason?: string): void {
    this.verdicts.inactivate(nodeId, reason);
  }

  /**
   * Applies a verdict about a peer. good/bad move its behaviour score by ±1
   * (unknown peers are ignored); ban evicts it now and refuses it until the
   * ban expires (recorded even for unknown peers, and persisted); hold-dial
   * only stops dialing it until then (known peers; in memory). Throws
   * InvalidArgumentError for a malformed behaviour.
   */
  report(nodeId: NodeID, behaviour: PeerBehaviour): void {
    checkReport(nodeId, behaviour);
    if (nodeId === this.options.selfId || this.lifecycle === 'closed') return;
    this.verdicts.report(nodeId, behaviour);
  }

  isBanned(nodeId: NodeID): boolean {
    const entry = this.peers.get(nodeId);
    return entry !== undefined && isBannedAt(entry, this.clock.now());
  }

  // ---- observation ----

  /**
   * Peer updates, ordered and guaranteed: first an `up` for every peer ready
   * now, then live updates; every `up` is followed by exactly one `down`.
   * Delivery is synchronous inside the manager's transitions, so handlers
   * must be quick (hand work off rather than block).
   */
  subscribe(): Observable<PeerUpdate> {
    return this.connectionLifecycle.subscribe();
  }

  /** Ready peers. */
  connectedPeers(): NodeID[] {
    return this.conns.readyIds();
  }

  /** The peer's state, or undefined for an unknown peer. */
  state(nodeId: NodeID): PeerState | undefined {
    const entry = this.peers.get(nodeId);
    return entry === undefined ? undefined : this.conns.stateOf(entry, this.clock.now());
  }

  addresses(nodeId: NodeID): NodeAddress[] {
    return [...(this.peers.get(nodeId)?.addresses.values() ?? [])].map((a) => a.address);
  }

  /** Channels shared with a ready peer; undefined otherwise. */
  peerChannels(nodeId: NodeID): ReadonlySet<number> | undefined {
    const channels = this.conns.connected.get(nodeId)?.channels;
    return channels === undefined ? undefined : new Set(channels);
  }

  /**
   * Up to `limit` addresses to gossip to `requester`: this node's own address
   * first (if set and visible to the requester), then a score-weighted random
   * choice of one address per peer — never the requester, private, banned or
   * inactive peers; loopback, link-local and private-range IPs only to
   * requesters that near (see `isVisibleTo`); non-networked addresses only
   * over their own protocol.
   */
  advertise(requester: NodeID, limit: number, context: AdvertiseContext = {}): NodeAddress[] {
    const max = Number.isFinite(limit) ? Math.floor(limit) : 0;
    if (max <= 0) return [];
    const self = this.options.selfAddress;
    const result = self !== undefined && requester !== this.options.selfId && isVisibleTo(self, context) ? [self] : [];
    const candidates = advertiseCandidates(this.peers.values(), this.ranking(), context, (id) => id === requester || this.privateIds.has(id));
    return [...result, ...weightedSample(candidates, max - result.length, this.random)].slice(0, max);
  }

  /** Every known peer, best-ranked first, with everything an operator needs to see why. */
  snapshot(): PeerSnapshot[] {
    return snapshotPeers(this.peers.values(), this.ranking(), this.conns, (id) => this.privateIds.has(id), this.options);
  }

  /** The peer store's health for operators (stores without `health()` report `up`). */
  storeHealth(): PeerStoreHealth {
    return this.store.health?.() ?? { store: this.store.name, state: 'up', pendingWrites: 0 };
  }

  metrics(): PeerManagerMetrics {
    return peerManagerMetrics(this.counters, this.peers, this.conns);
  }

  // ---- internals ----

  private prune(): void {
    this.peers.prune(this.ranking(), (id) => this.conns.busy(id));
  }

  private persist(id: NodeID): void {
    if (this.lifecycle !== 'closed') this.peers.save(id);
  }

  private ranking(now = this.clock.now()): Ranking {
    return new Ranking(now, this.scorer.score);
  }

  private wakeDialer(): void {
    if (this.lifecycle !== 'closed') this.dialWakeSubject.next();
  }

  private wakeEvicter(): void {
    if (this.lifecycle !== 'closed') this.evictWakeSubject.next();
  }
}

function isAddressLike(value: unknown): value is NodeAddress {
  return typeof value === 'object' && value !== null && isNodeID((value as NodeAddress).nodeId) && typeof (value as NodeAddress).protocol === 'string';
}
