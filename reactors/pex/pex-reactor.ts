import { inject, optional } from 'inversify';
import { isNetworked, type Endpoint } from '../../framework/address/endpoint.js';
import { ipScope, type IPScope } from '../../framework/address/ip.js';
import type { HostLookup } from '../../framework/address/node-address.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import type { Logger } from '../../framework/logging/logger.js';
import type { PeerManager } from '../../framework/peer/peer-manager.js';
import type { AdvertiseContext } from '../../framework/peer/advertise.js';
import type { LearnedFrom } from '../../framework/peer/peer-entry.js';
import { mathRandom, systemClock, type Clock, type ConnectionDirection, type PeerUpdate, type RandomSource } from '../../framework/peer/types.js';
import { Channel, Every, OnMessage, OnPeerUpdate, Reactor, type MessageContext, type ReactorLifecycle } from '../../framework/reactor/decorators.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import { TOKENS } from '../../framework/tokens.js';
import { AbortError } from '../../framework/errors/base.js';
import { deadlineSignal } from '../../framework/util/abort.js';
import {
  PexInvalidAddressError,
  PexRequestTooFrequentError,
  PexSeedDisconnect,
  PexTooManyAddressesError,
  PexUnsolicitedAddrsError,
} from './errors.js';
import { listenAddress, parseNetAddress, privateAddressAllowed, toNetAddresses } from './net-address.js';
import { resolvePexOptions, type PexOptions, type ResolvedPexOptions } from './options.js';
import { PEX_CHANNEL_ID, PexAddrs, PexChannel, PexRequest, type NetAddress, type PexMessage } from './pex-channel.js';
import { MIN_REQUEST_INTERVAL_MS, PexPeerState } from './peer-state.js';

/** What PEX needs of the PeerManager (the real one satisfies it). */
export type PexPeerManager = Pick<PeerManager, 'add' | 'advertise' | 'report' | 'errored' | 'connectedPeers' | 'metrics'>;

/** What PEX needs of the Router: a routed peer's direction, remote endpoint and NodeInfo. */
export interface PexRouter {
  peer(nodeId: NodeID):
    | {
        readonly direction: ConnectionDirection;
        readonly connection: { readonly remoteEndpoint: Endpoint };
        readonly nodeInfo: { readonly listenAddr: string };
      }
    | undefined;
}

/** Counters, updated as things happen. */
export interface PexStats {
  requestsSent: number;
  requestsReceived: number;
  responsesSent: number;
  responsesReceived: number;
  /** Addresses the PeerManager took as new (from responses and inbound peers' listen addresses). */
  addressesLearned: number;
  /** Well-formed received entries not added: unusable (port 0, 0.0.0.0), ourselves, private from a public peer, already known. */
  addressesSkipped: number;
  /** Peer errors reported by PEX (unsolicited or invalid responses, too many addresses, too-frequent requests). */
  errors: number;
  /** Seed addresses handed to the PeerManager because no peer was connected. */
  seedsAdded: number;
}

/**
 * The IP an in-process (memory transport) requester is taken to have: it
 * shares our host, so it may learn private-range addresses. It can never
 * learn memory addresses: the v0.38 `NetAddress` carries only IP literals.
 */
const IN_PROCESS_REQUESTER_IP = '127.0.0.1';

/** CometBFT's `GetSelection` size: all of a small book, else 23 % of it, at least 32. */
export function selectionSize(bookSize: number): number {
  return Math.max(Math.min(32, bookSize), Math.floor((bookSize * 23) / 100));
}

/**
 * Peer exchange, wire-compatible with CometBFT v0.38 (channel 0x00,
 * `tendermint.p2p.Message{pex_request, pex_addrs}`), with CometBFT's policy:
 * ask each new outbound peer once while addresses are needed, then one
 * random peer per `requestIntervalMs`; one outstanding request per peer and
 * never two to the same peer within 10 s; answer requests with IP-literal
 * addresses only; disconnect and ban peers that ask too often, answer
 * unasked, or send malformed addresses. In seed mode, answer each inbound
 * requester once and hang up.
 */
@Reactor('pex')
export class PexReactor implements ReactorLifecycle {
  @Channel(PexChannel) readonly pex!: ChannelHandle<PexMessage>;

  readonly stats: PexStats = {
    requestsSent: 0,
    requestsReceived: 0,
    responsesSent: 0,
    responsesReceived: 0,
    addressesLearned: 0,
    addressesSkipped: 0,
    errors: 0,
    seedsAdded: 0,
  };
  readonly options: ResolvedPexOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  /** Resolves hostnames we advertise: the `lookup` option, else the node's `TOKENS.HostLookup`, else the OS resolver. */
  private readonly lookup: HostLookup | undefined;
  private readonly selfId: NodeID | undefined;
  private readonly seedIds: ReadonlySet<NodeID>;
  private readonly peers = new Map<NodeID, PexPeerState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();

  constructor(
    @inject(TOKENS.PeerManager) private readonly peerManager: PexPeerManager,
    @inject(TOKENS.Router) private readonly router: PexRouter,
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.PexReactorOptions) @optional() options: Partial<PexOptions> = {},
    @inject(TOKENS.PeerManagerOptions) @optional() peerManagerOptions?: { readonly selfId?: NodeID; readonly maxPeers?: number },
    @inject(TOKENS.Clock) @optional() clock?: Clock,
    @inject(TOKENS.Random) @optional() random?: RandomSource,
    @inject(TOKENS.HostLookup) @optional() hostLookup?: HostLookup,
  ) {
    this.log = logger.child({ component: 'pex' });
    this.options = resolvePexOptions(options, peerManagerOptions?.maxPeers ?? 0);
    this.selfId = peerManagerOptions?.selfId;
    this.seedIds = new Set(this.options.seeds.map((s) => s.nodeId));
    this.clock = clock ?? systemClock;
    this.random = random ?? mathRandom;
    this.lookup = this.options.lookup ?? hostLookup;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Whether the PeerManager knows fewer peers than `needAddressThreshold`. */
  needsAddresses(): boolean {
    return this.peerManager.metrics().peers < this.options.needAddressThreshold;
  }

  /** Peers we have asked and not yet heard back from. */
  outstandingRequests(): NodeID[] {
    return [...this.peers.values()].filter((p) => p.outstanding).map((p) => p.nodeId);
  }

  onStart(): void {
    // Nothing known at all: as CometBFT, go to the seeds at once rather than after the first interval.
    if (this.peerManager.metrics().peers === 0) this.dialSeeds();
  }

  onStop(): void {
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.peers.clear();
  }

  @OnPeerUpdate()
  onPeerUpdate(update: PeerUpdate): void {
    if (this.stopped) return;
    const id = update.nodeId;
    if (update.status === 'down') return this.peerDown(id);
    const routed = this.router.peer(id);
    // Unknown direction counts as inbound: we never ask a peer on `up` unless we know we dialed it.
    const state = new PexPeerState(id, routed?.direction ?? 'inbound', update.channels.has(PEX_CHANNEL_ID), routed?.connection.remoteEndpoint, this.seedIds.has(id));
    this.peers.set(id, state);
    if (routed !== undefined && state.direction === 'inbound' && this.options.learnInboundListenAddr) {
      this.learnListenAddr(state, routed.nodeInfo.listenAddr);
    }
    if (state.direction === 'outbound' && this.needsAddresses()) this.requestAddresses(id);
  }

  /**
   * CometBFT's ensurePeers, minus the dialing (the PeerManager dials): with
   * no peer connected, hand the seeds to the PeerManager; while addresses
   * are needed, ask one random peer that may be asked now.
   */
  @Every((self: PexReactor) => self.options.requestIntervalMs)
  ensurePeers(): void {
    if (this.stopped) return;
    if (this.peerManager.connectedPeers().length === 0) this.dialSeeds();
    if (!this.needsAddresses()) return;
    const now = this.clock.now();
    const eligible = [...this.peers.values()].filter((p) => p.canRequest(now) && !p.seedAnswered);
    if (eligible.length === 0) return;
    const pick = eligible[Math.min(eligible.length - 1, Math.floor(this.random.next() * eligible.length))]!;
    this.requestAddresses(pick.nodeId);
  }

  /**
   * Sends a PexRequest to a connected peer if the pacing rules allow it (the
   * peer has the PEX channel, nothing is outstanding, its last answer is at
   * least 10 s old). Returns whether a request was queued.
   */
  requestAddresses(nodeId: NodeID): boolean {
    const state = this.peers.get(nodeId);
    const now = this.clock.now();
    if (this.stopped || state === undefined || !state.canRequest(now)) return false;
    const outcome = this.pex.send(nodeId, PexRequest.create());
    if (outcome !== 'queued') {
      this.log.debug({ peer: nodeId, outcome }, 'PEX request not sent');
      return false;
    }
    state.requested(now);
    this.stats.requestsSent++;
    return true;
  }

  @OnMessage(PexRequest)
  async onPexRequest(_request: PexRequest, { from }: MessageContext): Promise<void> {
    this.stats.requestsReceived++;
    const state = this.peers.get(from);
    if (state === undefined || this.stopped) return; // the peer is gone already
    if (this.options.seedMode && state.direction === 'inbound') {
      if (state.seedAnswered) return; // being hung up on; CometBFT ignores these too
      state.seedAnswered = true;
      await this.respond(state);
      this.scheduleSeedHangup(from);
      return;
    }
    const check = state.checkRequest(this.clock.now());
    if (!check.ok) {
      this.punish(
        from,
        new PexRequestTooFrequentError(
          `peer ${from} sent a PEX request ${check.sinceLastMs} ms after its previous one; after the first two, requests must be at least ${MIN_REQUEST_INTERVAL_MS} ms apart`,
        ),
      );
      return;
    }
    await this.respond(state);
  }

  @OnMessage(PexAddrs)
  onPexAddrs(message: PexAddrs, { from }: MessageContext): void {
    const state = this.peers.get(from);
    // A response still queued when its peer went down is no offence; nobody is left to punish.
    if (state === undefined || this.stopped) return;
    const entries = message.addrs ?? [];
    if (!state.answered(this.clock.now())) {
      this.punish(from, new PexUnsolicitedAddrsError(`peer ${from} sent a PexAddrs with ${entries.length} addresses that we did not ask for`));
      return;
    }
    this.stats.responsesReceived++;
    const max = this.options.maxAddressesAccepted;
    if (entries.length > max) {
      this.peerError(from, new PexTooManyAddressesError(`peer ${from} sent ${entries.length} addresses; at most ${max} are accepted`), false);
      return;
    }
    // Check every entry before adding any, as CometBFT converts the whole list first.
    const accepted = [];
    let skipped = 0;
    for (const [index, entry] of entries.entries()) {
      const verdict = parseNetAddress(entry);
      if (verdict.kind === 'invalid') {
        this.punish(from, new PexInvalidAddressError(`peer ${from} sent an invalid address at index ${index} of ${entries.length}: ${verdict.reason}`));
        return;
      }
      if (verdict.kind === 'unusable' || verdict.address.nodeId === this.selfId || !this.privateAllowed(state, verdict.ip)) skipped++;
      else accepted.push(verdict.address);
    }
    let learned = 0;
    const learnedFrom = this.learnedFrom(state);
    for (const address of accepted) {
      if (this.peerManager.add(address, { learnedFrom })) learned++;
      else skipped++;
    }
    this.stats.addressesLearned += learned;
    this.stats.addressesSkipped += skipped;
    this.log.debug({ peer: from, received: entries.length, learned, skipped }, 'PEX addresses received');
  }

  private async respond(state: PexPeerState): Promise<void> {
    const requester = state.nodeId;
    // +1: our own address, which advertise() may put first.
    const limit = Math.min(this.options.maxAddressesSent, selectionSize(this.peerManager.metrics().peers + 1));
    let addrs: NetAddress[] = [];
    if (limit > 0) {
      const candidates = this.peerManager.advertise(requester, limit, this.advertiseContext(state));
      // Not AbortSignal.any([…, AbortSignal.timeout(ms)]): on Node 20 a full GC collects a timeout signal that
      // only .any() refers to, and a lookup that never answers then holds the response for good.
      const deadline = deadlineSignal(this.abort.signal, this.options.resolveTimeoutMs, () => new AbortError(`advertised hostnames not resolved within ${this.options.resolveTimeoutMs} ms`));
      try {
        ({ addrs } = await toNetAddresses(candidates, { max: limit, signal: deadline.signal, lookup: this.lookup }));
      } finally {
        deadline.dispose();
      }
    }
    if (this.stopped || this.peers.get(requester) !== state) return;
    const outcome = this.pex.send(requester, PexAddrs.create({ addrs }));
    if (outcome === 'queued') this.stats.responsesSent++;
    else this.log.debug({ peer: requester, outcome }, 'PEX response not sent');
  }

  private peerDown(id: NodeID): void {
    const state = this.peers.get(id);
    this.peers.delete(id);
    const cooldown = this.options.seedCooldownMs;
    if (state?.isSeed && state.responses > 0 && cooldown > 0) {
      // The PeerManager would redial a hung-up seed after its short disconnect cooldown. A hold, not a ban:
      // the seed may still connect to us (seeds crawl), and refusing it would only cost both sides a handshake.
      this.peerManager.report(id, { kind: 'hold-dial', durationMs: cooldown, reason: `pex: seed answered; not redialing it for ${cooldown} ms` });
    }
  }

  private dialSeeds(): void {
    for (const seed of this.options.seeds) {
      if (seed.nodeId === this.selfId) continue;
      if (this.peerManager.add(seed)) this.stats.seedsAdded++;
    }
  }

  private learnListenAddr(state: PexPeerState, listenAddr: string): void {
    const remoteIp = state.remote !== undefined && isNetworked(state.remote) ? state.remote.ip : undefined;
    const address = listenAddress(state.nodeId, listenAddr, remoteIp);
    if (address === undefined || !this.privateAllowed(state, address.hostname)) return;
    if (this.peerManager.add(address, { learnedFrom: this.learnedFrom(state) })) this.stats.addressesLearned++;
  }

  private scheduleSeedHangup(nodeId: NodeID): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      this.peerManager.errored(nodeId, new PexSeedDisconnect(`seed mode: answered peer ${nodeId} once; disconnecting it as CometBFT seeds do`));
    }, this.options.seedDisconnectDelayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Where the peer is, by the IP it connected from: in-process peers share our host; an unknown origin counts as public. */
  private peerScope(state: PexPeerState): IPScope {
    const remote = state.remote;
    if (remote === undefined) return 'public';
    return isNetworked(remote) ? (ipScope(remote.ip as string) ?? 'public') : 'loopback';
  }

  /** Whether an address on `host` may be taken from this peer (see privateAddressAllowed). */
  private privateAllowed(state: PexPeerState, host: string): boolean {
    return privateAddressAllowed(this.options.privateAddresses, host, this.peerScope(state));
  }

  /**
   * The scope addresses from this peer are held to when dialed (what
   * `privateAllowed` checks now for an IP literal, checked then for the IPs a
   * DNS name resolves to): the peer's own scope, or per the policy any scope
   * (`accept`) or public IPs only (`reject`).
   */
  private learnedFrom(state: PexPeerState): LearnedFrom {
    const policy = this.options.privateAddresses;
    if (policy === 'accept') return 'loopback';
    if (policy === 'reject') return 'public';
    const scope = this.peerScope(state);
    return scope === 'unroutable' ? 'public' : scope;
  }

  private advertiseContext(state: PexPeerState): AdvertiseContext {
    const remote = state.remote;
    if (remote === undefined) return {};
    if (isNetworked(remote)) return { requesterIp: remote.ip, protocol: remote.protocol };
    // No protocol: memory addresses cannot be encoded, so don't let them take slots.
    return { requesterIp: IN_PROCESS_REQUESTER_IP };
  }

  private peerError(nodeId: NodeID, error: Error, fatal: boolean): void {
    this.stats.errors++;
    // Not logged here: the router logs a connection's first peer error and counts the rest.
    this.pex.errors.next({ nodeId, error, fatal });
  }

  /** CometBFT's answer to a broken rule: disconnect and mark bad for `banDurationMs`. */
  private punish(nodeId: NodeID, error: Error): void {
    this.peerError(nodeId, error, true);
    const durationMs = this.options.banDurationMs;
    if (durationMs > 0) this.peerManager.report(nodeId, { kind: 'ban', durationMs, reason: error.message });
  }
}
