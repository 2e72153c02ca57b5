import { inject, injectable, optional } from 'inversify';
import { Subject, type Observable } from 'rxjs';
import { InvalidArgumentError, throwIfAborted, toError } from '../errors/base.js';
import { isNodeID, type NodeID } from '../identity/node-id.js';
import { peerErrorFields } from '../logging/peer-faults.js';
import type { NodeAddress } from '../address/node-address.js';
import { advertiseCandidates, isVisibleTo, weightedSample, type AdvertiseContext } from './advertise.js';
import { ConnectionTable, type ConnectionRecord, type PeerState } from './connections.js';
import { dialableAt, retryAt, shouldGiveUp } from './dial-policy.js';
import { checkReport } from './behaviour.js';
import { PeerManagerStateError, PeerRejectedError, PeerStoreError, type PeerRejectionReason } from './errors.js';
import { resolvePeerManagerOptions, type PeerManagerOptions } from './options.js';
import { PeerBook } from './peer-book.js';
import { MAX_BEHAVIOUR, attachAddress, isBannedAt, recordDialFailure, resetFailures, type AddressEntry, type AddressOrigin, type LearnedFrom, type PeerEntry } from './peer-entry.js';
import { admission } from './admission.js';
import type { PeerStore, PeerStoreHealth } from './peer-store.js';
import { PeerUpdateHub } from './peer-updates.js';
import { Ranking } from './ranking.js';
import type { ScoringStrategy } from './scoring.js';
import { PeerScorer } from './peer-scorer.js';
import { dialReachedSelf, SelfAddresses } from './self-addresses.js';
import { chooseDial, evictionVictim } from './selection.js';
import { buildPeerSnapshot, type PeerManagerMetrics, type PeerSnapshot } from './snapshot.js';
import { TOKENS } from '../tokens.js';
import {
  mathRandom,
  silentPeerLogger,
  systemClock,
  type Clock,
  type ConnectionDirection,
  type PeerBehaviour,
  type PeerManagerLogger,
  type PeerUpdate,
  type RandomSource,
} from './types.js';

const REJECTION_REASONS: readonly PeerRejectionReason[] = ['self', 'already-connected', 'max-connected', 'max-inbound', 'banned', 'closed'];

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
  private readonly updates: PeerUpdateHub;
  private readonly counters = {
    dials: 0,
    dialAttempts: 0,
    dialFailures: 0,
    flaps: 0,
    addressesGivenUp: 0,
    peersGivenUp: 0,
    accepted: 0,
    rejected: Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<PeerRejectionReason, number>,
    evictions: 0,
    bans: 0,
  };
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
    this.updates = new PeerUpdateHub(() => this.readyUpdates());
    this.peers = new PeerBook(this.options, store, this.persistentIds, this.random, this.log);
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
    let records: unknown;
    try {
      records = await this.store.load(signal);
    } catch (error) {
      this.lifecycle = 'new';
      throwIfAborted(signal);
      throw new PeerStoreError(`loading peers from the "${this.store.name}" peer store failed: ${toError(error).message}`, { cause: error });
    }
    if (!Array.isArray(records)) {
      this.lifecycle = 'new';
      throw new PeerStoreError(`the "${this.store.name}" peer store returned ${typeof records} from load(), expected an array of records`);
    }
    if (this.lifecycle !== 'starting') return; // closed while loading
    this.peers.load(records, this.clock.now());
    const stale = this.peers.removeAddresses((a) => this.self.has(a));
    if (stale > 0) this.log.info({ addresses: stale }, 'stored addresses at this node\'s own address forgotten');
    for (const address of this.options.persistentPeers) {
      if (this.self.has(address)) this.log.warn({ peer: address.nodeId, address: address.toString() }, 'persistent peer is at this node\'s own address; not dialing it');
      else this.addAddress(address, { pinned: true });
    }
    this.prune();
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
    const now = this.clock.now();
    for (const [id, connection] of [...this.conns.connected]) {
      this.conns.drop(id);
      const entry = this.peers.get(id);
      if (entry) entry.lastDisconnected = now;
      this.peers.save(id);
      if (connection.channels) this.updates.publish({ nodeId: id, status: 'down', channels: new Set() });
    }
    this.lifecycle = 'closed';
    this.conns.clear();
    this.updates.complete();
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
    if (this.self.has(address)) {
      this.log.debug({ peer: address.nodeId, address: address.toString() }, 'address of this node not added');
      return false;
    }
    return this.addAddress(address, { pinned: false, learnedFrom: options.learnedFrom });
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
    if (this.lifecycle === 'closed' || !this.conns.hasFreeSlot() || this.everyPeerBusy()) return undefined;
    const choice = chooseDial(this.peers, this.conns, this.ranking(), this.options, this.conns.atCapacity(true), this.conns.outgoingFull());
    if (choice === undefined) return undefined;
    const { entry, address, replaces } = choice;
    if (replaces !== undefined) this.conns.upgrading.set(entry.nodeId, replaces);
    this.conns.dialing.set(entry.nodeId, address.key);
    this.counters.dialAttempts++;
    this.log.debug({ peer: entry.nodeId, address: address.key, upgradeFrom: replaces }, 'dialing peer');
    return address.address;
  }

  /**
   * The earliest clock time (> now) at which `tryDialNext` could return a
   * peer it cannot return now because of a retry delay, disconnect cooldown,
   * inactive cooldown or ban; undefined when nothing is waiting on time or
   * every dial slot is taken (a freed slot emits on `dialWake$` instead).
   */
  nextDialAt(): number | undefined {
    if (this.lifecycle === 'closed' || !this.conns.hasFreeSlot() || this.everyPeerBusy()) return undefined;
    const now = this.clock.now();
    const outgoingFull = this.conns.outgoingFull();
    let earliest = Infinity;
    for (const entry of this.peers.values()) {
      if ((outgoingFull && !entry.persistent) || this.conns.busy(entry.nodeId)) continue;
      const at = dialableAt(entry, this.options);
      if (at > now && at < earliest) earliest = at;
    }
    return earliest === Infinity ? undefined : earliest;
  }

  /**
   * Every known peer is connected or being dialed, so no dial choice can find
   * one: the walks over every peer above are skipped. (Connected and dialing
   * peers are never pruned or forgotten, so they are all known.) A node
   * accepting thousands of peers asks after each one; the walks made that
   * quadratic — about 14 % of its time while it accepted 5,000.
   */
  private everyPeerBusy(): boolean {
    return this.conns.busyCount >= this.peers.size;
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
    const id = address.nodeId;
    if (this.conns.endDial(id)) this.wakeDialer();
    this.counters.dialFailures++;
    if (dialReachedSelf(error, this.options.selfId)) {
      this.self.learn(address);
      const removed = this.peers.removeAddresses((a) => this.self.has(a));
      this.log.info({ peer: id, address: address.toString(), removed }, 'address leads to this node; forgetting it');
      return;
    }
    const entry = this.peers.get(id);
    const info = entry?.addresses.get(address.toString());
    if (entry === undefined || info === undefined) {
      this.log.debug({ peer: id, address: address.toString(), err: error }, 'dial failure for an unknown address ignored');
      return;
    }
    const now = this.clock.now();
    recordDialFailure(info, info.dialFailures, now, this.random.next() * this.options.retryJitterMs);
    if (entry.persistent) {
      // The operator named this peer: say why it is unreachable, once per backoff step, without a stack.
      const at = retryAt(entry, info, this.options);
      const nextRetry = Number.isFinite(at) ? new Date(at).toISOString() : 'never';
      const fields = { peer: id, address: info.key, failures: info.dialFailures, reason: describeDialError(error), nextRetry, retryInMs: Math.max(0, Math.round(at - now)) };
      this.log.warn(fields, 'persistent peer unreachable');
    } else {
      this.log.debug({ peer: id, address: info.key, failures: info.dialFailures, err: error?.message }, 'dial failed');
    }
    this.afterDialFailure(entry, info, now);
  }

  /**
   * An outbound connection to `address` completed its handshake. Throws
   * PeerRejectedError when it must be closed (self, banned, already
   * connected, no room even for an upgrade).
   */
  dialed(address: NodeAddress): void {
    this.conns.endDial(address.nodeId);
    try {
      this.admit(address.nodeId, 'outbound', address);
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
    this.admit(nodeId, 'inbound', isAddressLike(given) && given.nodeId === nodeId && !this.self.has(given) ? given : undefined);
  }

  // ---- connected peers ----

  /** The router has routed the peer: publishes its `up`. Ignored unless connected and not yet ready. */
  ready(nodeId: NodeID, channels: ReadonlySet<number>): void {
    const connection = this.conns.connected.get(nodeId);
    if (connection === undefined) {
      this.log.warn({ peer: nodeId }, 'ready() for a peer that is not connected ignored');
      return;
    }
    if (connection.channels !== undefined) return;
    connection.channels = new Set(channels);
    this.updates.publish({ nodeId, status: 'up', channels: new Set(channels) });
  }

  /**
   * The next peer the router should disconnect: first those scheduled
   * (upgrades, bans, errors), then, if more than `maxConnected` are connected,
   * the lowest-ranked (non-persistent first).
   */
  tryEvictNext(): NodeID | undefined {
    if (this.lifecycle === 'closed') return undefined;
    const { evictQueue, evicting, connected } = this.conns;
    for (const id of evictQueue) {
      evictQueue.delete(id);
      if (connected.has(id) && !evicting.has(id)) return this.startEviction(id);
    }
    const victim = evictionVictim(this.peers, this.conns, this.ranking(), this.options.maxConnected);
    return victim === undefined ? undefined : this.startEviction(victim);
  }

  /**
   * The connection to `nodeId` is gone; publishes its `down` if it was ready.
   * Idempotent. `replaced`: the router closed it for a duplicate connection to
   * the same peer, which it admits next — no flap to back off from.
   */
  disconnected(nodeId: NodeID, options: { readonly replaced?: boolean } = {}): void {
    const connection = this.conns.drop(nodeId);
    if (connection === undefined) return;
    const entry = this.peers.get(nodeId);
    if (entry !== undefined) {
      const now = this.clock.now();
      entry.lastDisconnected = now;
      if (!options.replaced) this.backOffFlap(entry, connection, now);
      this.persist(nodeId);
    }
    if (connection.channels !== undefined) this.updates.publish({ nodeId, status: 'down', channels: new Set() });
    this.wakeDialer();
  }

  /** A fatal error on the peer's connection: schedules its eviction. */
  errored(nodeId: NodeID, error: Error): void {
    if (!this.conns.connected.has(nodeId) || this.conns.evicting.has(nodeId)) {
      this.log.debug({ peer: nodeId, error: peerErrorFields(error) }, 'error for a peer that is not connected ignored');
      return;
    }
    // debug: the router logs the peer's error already (once per connection, without a stack).
    this.log.debug({ peer: nodeId, error: peerErrorFields(error) }, 'peer errored; evicting');
    this.scheduleEviction(nodeId);
  }

  /**
   * Marks a peer incompatible (wrong network/version): it is evicted if
   * connected, not dialed and not given new addresses until
   * `inactiveCooldownMs` has passed. A later successful connection clears it.
   * Unknown peers are ignored.
   */
  inactivate(nodeId: NodeID, reason?: string): void {
    const entry = this.peers.get(nodeId);
    if (entry === undefined) {
      this.log.debug({ peer: nodeId, reason }, 'inactivate() for an unknown peer ignored');
      return;
    }
    entry.inactiveSince = this.clock.now();
    this.log.info({ peer: nodeId, reason }, 'peer marked inactive');
    this.persist(nodeId);
    if (this.conns.connected.has(nodeId)) this.scheduleEviction(nodeId);
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
    if (behaviour.kind === 'ban') return this.ban(nodeId, behaviour.durationMs, behaviour.reason);
    if (behaviour.kind === 'hold-dial') return this.holdDial(nodeId, behaviour.durationMs, behaviour.reason);

    const entry = this.peers.get(nodeId);
    if (entry === undefined) return;
    const delta = behaviour.kind === 'good' ? 1 : -1;
    entry.behaviour = Math.max(-MAX_BEHAVIOUR, Math.min(MAX_BEHAVIOUR, entry.behaviour + delta));
    this.persist(nodeId);
    // A lower score can make a connected peer an upgrade candidate, which only matters at capacity.
    if (delta < 0 && this.conns.connected.has(nodeId) && this.conns.atCapacity(false)) this.wakeDialer();
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
    return this.updates.observable();
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
    const ranking = this.ranking();
    return ranking.ranked(this.peers.values()).map((entry) =>
      buildPeerSnapshot(entry, {
        state: this.conns.stateOf(entry, ranking.now),
        connection: this.conns.connected.get(entry.nodeId),
        score: ranking.score(entry),
        isPrivate: this.privateIds.has(entry.nodeId),
        retryAt: (info) => retryAt(entry, info, this.options),
      }),
    );
  }

  /** The peer store's health for operators (stores without `health()` report `up`). */
  storeHealth(): PeerStoreHealth {
    return this.store.health?.() ?? { store: this.store.name, state: 'up', pendingWrites: 0 };
  }

  metrics(): PeerManagerMetrics {
    return {
      ...this.counters,
      rejected: { ...this.counters.rejected },
      pruned: this.peers.pruned,
      corruptRecords: this.peers.corruptRecords,
      storeErrors: this.peers.storeErrors,
      storeWritesDropped: this.peers.storeWritesDropped,
      peers: this.peers.size,
      connected: this.conns.connected.size,
      ready: this.conns.readyIds().length,
      dialing: this.conns.dialing.size,
    };
  }

  // ---- internals ----

  /** Shared admission logic of dialed/accepted: throws PeerRejectedError or records the connection. */
  private admit(id: NodeID, direction: ConnectionDirection, address: NodeAddress | undefined): void {
    const now = this.clock.now();
    const verdict = admission(id, {
      closed: this.lifecycle === 'closed',
      now,
      options: this.options,
      direction,
      peers: this.peers,
      conns: this.conns,
      persistent: this.persistentIds.has(id),
      ranking: () => this.ranking(now),
    });
    if (!verdict.admitted) {
      const message = `${direction === 'outbound' ? 'dialed' : 'accepted'} peer ${id} refused: ${verdict.why}`;
      this.counters.rejected[verdict.reason]++;
      this.log.debug({ peer: id, reason: verdict.reason }, message);
      throw new PeerRejectedError(id, verdict.reason, message);
    }
    const { replaces } = verdict;
    const known = this.peers.get(id);
    const entry = known ?? this.peers.insert(id);
    if (address !== undefined && !entry.addresses.has(address.toString())) attachAddress(entry, address, { pinned: false });
    let dialedAddress: ConnectionRecord['dialedAddress'];
    if (direction === 'outbound') {
      const info = address === undefined ? undefined : entry.addresses.get(address.toString());
      if (info !== undefined) {
        dialedAddress = { key: info.key, failuresBefore: info.dialFailures };
        resetFailures(info, now);
      }
      this.counters.dials++;
    } else {
      // The peer is evidently alive: let us dial it back promptly after a disconnect.
      for (const info of entry.addresses.values()) resetFailures(info);
      this.counters.accepted++;
    }
    entry.inactiveSince = undefined;
    entry.lastConnected = now;
    this.conns.connected.set(id, { direction, since: now, persistent: entry.persistent, dialedAddress });
    this.persist(id);
    if (replaces !== undefined) {
      this.log.info({ peer: id, replaces }, 'upgrading: evicting a lower-ranked peer');
      this.scheduleEviction(replaces);
    }
    if (known === undefined) this.prune();
  }

  /**
   * An outbound connection gone within `flapWindowMs` is a failed dial after
   * all: the address keeps the failures it had before, plus this one.
   */
  private backOffFlap(entry: PeerEntry, connection: ConnectionRecord, now: number): void {
    const dialed = connection.dialedAddress;
    if (dialed === undefined || this.options.flapWindowMs === 0 || now - connection.since >= this.options.flapWindowMs) return;
    const info = entry.addresses.get(dialed.key);
    if (info === undefined) return;
    recordDialFailure(info, dialed.failuresBefore, now, this.random.next() * this.options.retryJitterMs);
    this.counters.flaps++;
    this.log.debug({ peer: entry.nodeId, address: info.key, failures: info.dialFailures, upMs: now - connection.since }, 'connection ended soon after the dial; backing off');
    this.afterDialFailure(entry, info, now);
  }

  /**
   * Persists a failed address, or gives it up once it has failed
   * `maxDialFailures` times in a row (CometBFT marks an address bad after
   * `maxAttemptsToDial`): it is removed, and the peer too when nothing else
   * keeps it (see PeerBook.removeAddress). Counted, never logged above debug:
   * a peer can gossip any number of dead addresses.
   */
  private afterDialFailure(entry: PeerEntry, info: AddressEntry, now: number): void {
    if (!shouldGiveUp(entry, info, this.options)) return this.persist(entry.nodeId);
    const id = entry.nodeId;
    const forgotten = this.peers.removeAddress(entry, info.key, this.conns.busy(id) || isBannedAt(entry, now));
    this.counters.addressesGivenUp++;
    if (forgotten) this.counters.peersGivenUp++;
    this.log.debug({ peer: id, address: info.key, failures: info.dialFailures, forgotten }, 'address given up after repeated dial failures');
  }

  private ban(nodeId: NodeID, durationMs: number, reason: string | undefined): void {
    const now = this.clock.now();
    const entry = this.peers.get(nodeId) ?? this.peers.insert(nodeId);
    entry.bannedUntil = Math.max(entry.bannedUntil ?? 0, now + durationMs);
    this.counters.bans++;
    this.log.info({ peer: nodeId, until: entry.bannedUntil, reason }, 'peer banned');
    this.persist(nodeId);
    this.prune();
    if (this.conns.connected.has(nodeId)) this.scheduleEviction(nodeId);
    this.wakeDialer(); // nextDialAt changed
  }

  private holdDial(nodeId: NodeID, durationMs: number, reason: string | undefined): void {
    const entry = this.peers.get(nodeId);
    if (entry === undefined) return;
    entry.dialHeldUntil = Math.max(entry.dialHeldUntil ?? 0, this.clock.now() + durationMs);
    this.log.debug({ peer: nodeId, until: entry.dialHeldUntil, reason }, 'not dialing peer for a while');
    this.wakeDialer(); // nextDialAt changed
  }

  private scheduleEviction(id: NodeID): void {
    if (this.conns.evicting.has(id)) return;
    this.conns.evictQueue.add(id);
    this.wakeEvicter();
  }

  private startEviction(id: NodeID): NodeID {
    this.conns.evicting.add(id);
    this.counters.evictions++;
    return id;
  }

  /** Adds an address (see PeerBook.addAddress), pruning and waking the dialer as needed. */
  private addAddress(address: NodeAddress, origin: AddressOrigin): boolean {
    const id = address.nodeId;
    const outcome = this.peers.addAddress(address, origin, this.clock.now(), this.conns.dialing.get(id));
    if (outcome === 'new-peer') this.prune();
    if (outcome === 'known' || outcome === 'refused' || !this.peers.has(id)) return false;
    this.wakeDialer();
    return true;
  }

  private prune(): void {
    this.peers.prune(this.ranking(), (id) => this.conns.busy(id));
  }

  private persist(id: NodeID): void {
    if (this.lifecycle !== 'closed') this.peers.save(id);
  }

  private ranking(now = this.clock.now()): Ranking {
    return new Ranking(now, this.scorer.score);
  }

  private *readyUpdates(): Iterable<PeerUpdate> {
    for (const [nodeId, connection] of this.conns.connected) {
      if (connection.channels !== undefined) yield { nodeId, status: 'up', channels: new Set(connection.channels) };
    }
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

/** Longest dial-failure reason logged: a handshake error may quote what the peer sent. */
const MAX_REASON_CHARS = 200;

/** "DialError: …" with the root cause's message when the wrapper does not already say it; no stack. */
function describeDialError(error: Error | undefined): string {
  if (error === undefined) return 'unknown';
  let root = error;
  while (root.cause instanceof Error) root = root.cause;
  const text = `${error.name}: ${error.message}`;
  const reason = root !== error && !error.message.includes(root.message) ? `${text} (${root.message})` : text;
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
}
