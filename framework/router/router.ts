import { setMaxListeners } from 'node:events';
import { inject, injectable, multiInject, optional } from 'inversify';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { TOKENS } from '../tokens.js';
import type { Logger } from '../logging/logger.js';
import { PeerFaultLog, peerErrorFields, peerText } from '../logging/peer-faults.js';
import { AbortError, isErrorNamed, toError } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';
import type { NodeInfo } from '../identity/node-info.js';
import type { NodeKey } from '../identity/node-key.js';
import { validatePeerHandshake } from '../identity/handshake-checks.js';
import { IncompatiblePeerError } from '../identity/errors.js';
import type { HostLookup, NodeAddress } from '../address/node-address.js';
import { AddressResolutionError } from '../address/errors.js';
import { endpointToString, type Endpoint } from '../address/endpoint.js';
import { formatHostPort } from '../address/host-port.js';
import type { Connection, Transport } from '../transport/transport.js';
import { DialError, HandshakeTimeoutError } from '../transport/errors.js';
import type { QueueChannelInfo, QueueFactory } from '../queue/queue.js';
import type { PeerManager } from '../peer/peer-manager.js';
import { PeerRejectedError } from '../peer/errors.js';
import type { ConnectionGate } from '../gating/connection-gate.js';
import type { ConnectionDeniedError } from '../gating/errors.js';
import { Wakeup } from '../util/wakeup.js';
import { Semaphore } from '../util/semaphore.js';
import { deadlineSignal, reasonOf } from '../util/abort.js';
import { ChannelRuntime, type ChannelRoutes, type SendOutcome } from './channel.js';
import type { ChannelDefinition } from './channel-definition.js';
import { validateChannelDefinition } from './channel-definition.js';
import type { PeerError } from './envelope.js';
import { PeerConnection, PeerEvictedError, type OutboundItem } from './peer-connection.js';
import type { ConnectionDirection } from '../peer/types.js';
import type { RouterOptions } from './options.js';
import { RouterMetrics, type RouterMetricsSnapshot } from './metrics.js';
import type { RouterEvent } from './events.js';
import { ChannelAlreadyOpenError, DuplicateConnectionError, NoTransportForEndpointError, RouterStateError } from './errors.js';
import { ClosedLosers, decideDuplicate, lowerIdDialed, sharesTieBreak, StandbyConnections, type Standby } from './duplicate-connections.js';

/**
 * The Router is the only concurrent part of a node. It owns connections and
 * moves messages between channels and peers; every decision about *which*
 * peers to connect to or drop belongs to the PeerManager, which the router
 * asks and informs but never second-guesses.
 *
 * Loops (each one catches, logs and counts every error and keeps going;
 * only `stop()` ends them):
 *
 * - dial loop (one): asks `peerManager.tryDialNext()` for an address and hands
 *   it to a dial task; when there is nothing to dial it sleeps until the
 *   PeerManager signals a change (`dialWake$`) or until `nextDialAt()`, the
 *   moment a retry delay expires. Dial tasks run concurrently up to
 *   `maxConcurrentDials`; there is no sleep between dials. A dial task asks
 *   the gate about the peer's node ID, resolves the address, has the gate
 *   admit each resolved IP (held to the scope of the peer the address was
 *   learned from, `peerManager.learnedFrom`) before dialing it with `dialTimeoutMs`, runs the
 *   handshake within `handshakeTimeoutMs`, validates the remote (expected ID,
 *   NodeInfo, compatibility), reports `dialed`/`dialFailed`, and routes the peer.
 * - accept loop (one per transport): takes inbound connections; each gets a
 *   handshake task (at most `max_concurrent_inbound_handshakes` at once and
 *   `..._per_ip` per remote IP; the excess is closed at once), which has the gate admit the remote IP before
 *   any crypto work, runs the handshake, asks the gate about the now proven
 *   node ID, reports `accepted` and routes the peer.
 * - evict loop (one): takes `peerManager.tryEvictNext()` and closes that
 *   peer's connection; sleeps on `evictWake$` otherwise.
 * - per peer (see PeerConnection): a send loop (peer queue → connection) and
 *   a receive loop (connection → decode/unwrap → channel queue). The first to
 *   end closes the connection and the queue; the router then reports
 *   `disconnected`, which publishes the peer's `down` update.
 * - per channel (see ChannelRuntime): a deliver loop (channel queue → subscribers).
 *   Outbound routing is synchronous: `send`/`broadcast` encode once and put
 *   the bytes on each target peer's bounded queue, counting a drop when a
 *   peer is unknown, lacks the channel, or its queue is full.
 *
 * Gating (see ConnectionGate): a refusal by a gater or by the handshake cap
 * closes the connection, is counted in `rejectedInbound`/`rejectedOutbound`
 * under its reason and published as a `connection-rejected` event; a refused
 * dial is also reported `dialFailed`, so the PeerManager backs off. An
 * admitted connection holds its gaters' per-IP state until it closes.
 *
 * Backpressure: a full channel queue parks the receive loops feeding it, which
 * stop reading from their connections (TCP then slows the sender); a full
 * connection parks the peer's send loop, which lets the peer queue fill, which
 * makes further sends drop (counted) or `sendWhenRoom` wait.
 */
@injectable()
export class Router {
  private readonly channels = new Map<number, ChannelRuntime<unknown, unknown>>();
  private readonly peers = new Map<NodeID, PeerConnection>();
  private readonly peerRuns = new Set<Promise<void>>();
  /** Connections of a simultaneous dial waiting to replace a routed one (see duplicate-connections.ts). */
  private readonly standbys: StandbyConnections;
  private readonly closedLosers: ClosedLosers;
  private readonly loops: Promise<void>[] = [];
  private readonly tasks = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly dialWake = new Wakeup();
  private readonly evictWake = new Wakeup();
  private readonly dialSlots: Semaphore;
  private readonly eventSubject = new Subject<RouterEvent>();
  private readonly subscriptions: Subscription[] = [];
  private readonly counters = new RouterMetrics();
  private readonly log: Logger;
  private readonly faultLog: PeerFaultLog;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  /** What handshakeNodeInfo() returns until a channel opens or the transports bind. */
  private presentedNodeInfo: NodeInfo | undefined;
  /** The open channels as every handshake and peer queue needs them; rebuilt after a channel opens. */
  private channelLists: { readonly definitions: readonly ChannelDefinition<unknown, unknown>[]; readonly priorities: readonly QueueChannelInfo[] } | undefined;

  /** Lifecycle and routing events, for logging, metrics and tests. */
  readonly events$: Observable<RouterEvent> = this.eventSubject.asObservable();

  constructor(
    @multiInject(TOKENS.Transport) private readonly transports: Transport[],
    @inject(TOKENS.PeerManager) private readonly peerManager: PeerManager,
    @inject(TOKENS.QueueFactory) private readonly queues: QueueFactory,
    @inject(TOKENS.NodeKey) private readonly nodeKey: NodeKey,
    @inject(TOKENS.NodeInfoTemplate) private readonly nodeInfoTemplate: Omit<NodeInfo, 'channels'>,
    @inject(TOKENS.RouterOptions) private readonly options: RouterOptions,
    @inject(TOKENS.ConnectionGate) private readonly gate: ConnectionGate,
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.HostLookup) @optional() private readonly hostLookup?: HostLookup,
  ) {
    this.log = logger.child({ component: 'router' });
    this.faultLog = new PeerFaultLog(this.log);
    // Every dial, handshake and loop listens on this one signal; the default cap of 10 listeners would warn.
    setMaxListeners(0, this.abort.signal);
    this.dialSlots = new Semaphore(options.maxConcurrentDials);
    this.standbys = new StandbyConnections(
      options.duplicateGraceMs,
      (standby) => this.standbyGraceEnded(standby),
      () => this.counters.count('duplicateConnections', 'standby-closed-by-peer'),
    );
    this.closedLosers = new ClosedLosers(options.duplicateGraceMs);
  }

  /** The NodeInfo this node presents: the template plus every open channel. */
  nodeInfo(): NodeInfo {
    return { ...this.nodeInfoTemplate, listenAddr: this.listenAddr(), channels: Uint8Array.from(this.channels.keys()) };
  }

  /**
   * nodeInfo() for handshakes: one object until a channel opens or the
   * transports bind, so a transport can keep its encoding (every handshake
   * sends it). Never handed to users, who get a fresh copy from nodeInfo().
   */
  private handshakeNodeInfo(): NodeInfo {
    return (this.presentedNodeInfo ??= this.nodeInfo());
  }

  /** The open channels' definitions and queue priorities, built once per set of open channels (read-only, shared). */
  private openChannels(): { readonly definitions: readonly ChannelDefinition<unknown, unknown>[]; readonly priorities: readonly QueueChannelInfo[] } {
    if (this.channelLists === undefined) {
      const runtimes = [...this.channels.values()];
      this.channelLists = {
        definitions: Object.freeze(runtimes.map((c) => c.definition)),
        priorities: Object.freeze(runtimes.map((c) => Object.freeze({ id: c.id, priority: c.definition.priority }))),
      };
    }
    return this.channelLists;
  }

  /** A configured port 0 means "any free port": advertise the one the transport actually got. */
  private listenAddr(): string {
    const configured = this.nodeInfoTemplate.listenAddr;
    if (!/:0$/.test(configured)) return configured;
    const bound = this.endpoints().find((e) => e.ip !== undefined && e.port);
    if (bound === undefined) return configured;
    return `tcp://${formatHostPort(bound.ip!, bound.port!)}`;
  }

  /**
   * Opens a channel. Open channels before `start()` so the first handshakes
   * already advertise them; channels opened later appear in new handshakes only
   * (connected peers' queues learn the channel's priority at once).
   */
  openChannel<Outer, Inner>(definition: ChannelDefinition<Outer, Inner>): ChannelRuntime<Outer, Inner> {
    validateChannelDefinition(definition as ChannelDefinition<unknown, unknown>);
    if (this.channels.has(definition.id)) throw new ChannelAlreadyOpenError(`channel ${definition.id} is already open`);
    if (this.state === 'stopping' || this.state === 'stopped') throw new RouterStateError(`cannot open a channel: router is ${this.state}`);
    const channel = new ChannelRuntime<Outer, Inner>(definition, this.routes, this.queues, (error) =>
      this.loopError(`channel:${definition.name}`, error),
    );
    this.channels.set(definition.id, channel as ChannelRuntime<unknown, unknown>);
    this.presentedNodeInfo = undefined;
    this.channelLists = undefined;
    // Peers already routed built their outbound queue without this channel; give it its priority there.
    for (const peer of this.peers.values()) peer.queue.declareChannel?.({ id: channel.id, priority: definition.priority });
    if (this.state === 'running') channel.start();
    return channel;
  }

  channel(id: number): ChannelRuntime<unknown, unknown> | undefined {
    return this.channels.get(id);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new RouterStateError(`cannot start: router is ${this.state}`);
    this.state = 'running';
    this.subscriptions.push(
      this.peerManager.dialWake$.subscribe(() => this.dialWake.notify()),
      this.peerManager.evictWake$.subscribe(() => this.evictWake.notify()),
    );
    for (const channel of this.channels.values()) channel.start();
    for (const transport of this.transports) await transport.listen(this.abort.signal);
    // The listen address may name the ports just bound.
    this.presentedNodeInfo = undefined;
    this.loops.push(this.dialLoop(), this.evictLoop(), ...this.transports.map((t) => this.acceptLoop(t)));
    this.log.info({ nodeId: this.nodeKey.nodeId, endpoints: this.endpoints().map(endpointToString) }, 'router started');
  }

  /** Stops every loop, closes transports, connections and channels. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.abort.abort(new AbortError('router stopping'));
    await Promise.allSettled(this.transports.map((t) => t.close()));
    this.standbys.closeAll();
    for (const peer of this.peers.values()) peer.close();
    await Promise.allSettled([...this.loops, ...this.tasks]);
    await Promise.allSettled([...this.peerRuns]);
    for (const sub of this.subscriptions) sub.unsubscribe();
    await Promise.allSettled([...this.channels.values()].map((c) => c.close()));
    this.state = 'stopped';
    this.eventSubject.complete();
    if (wasRunning) this.log.info({ metrics: this.counters.snapshot() }, 'router stopped');
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  endpoints(): Endpoint[] {
    return this.transports.flatMap((t) => [...t.endpoints()]);
  }

  /** Node IDs of peers currently routed. */
  connectedPeers(): NodeID[] {
    return [...this.peers.keys()];
  }

  peer(nodeId: NodeID): PeerConnection | undefined {
    return this.peers.get(nodeId);
  }

  metrics(): RouterMetricsSnapshot {
    return this.counters.snapshot({
      peerErrorsNotLogged: this.faultLog.stats().notLogged,
      peers: this.peers.size,
      channels: [...this.channels.values()].map((c) => c.stats()),
      peerDrops: [...this.peers.values()].map((p) => ({ nodeId: p.nodeId, drops: p.drops.snapshot() })),
      gating: this.gate.snapshot(),
    });
  }

  // ---- outbound routing (called synchronously by channels) ----

  private readonly routes: ChannelRoutes = {
    unicast: (channelId, to, bytes) => this.unicast(channelId, to, bytes),
    unicastWhenRoom: (channelId, to, bytes, signal) => this.unicastWhenRoom(channelId, to, bytes, signal),
    broadcast: (channelId, bytes) => {
      let queued = 0;
      const item: OutboundItem = { channelId, bytes, size: bytes.length };
      for (const peer of this.peers.values()) {
        if (!peer.hasChannel(channelId)) continue;
        const outcome = peer.queue.tryEnqueue(item);
        if (outcome === 'accepted' || outcome === 'accepted-with-drop') queued++;
        else peer.drops.count('peer-queue-full');
      }
      return queued;
    },
    peerError: (error) => this.handlePeerError(error),
  };

  private unicast(channelId: number, to: NodeID, bytes: Uint8Array): SendOutcome {
    const peer = this.peers.get(to);
    if (peer === undefined) return 'unknown-peer';
    // CometBFT closes the connection on a packet for a channel it did not advertise.
    if (!peer.hasChannel(channelId)) return 'peer-lacks-channel';
    const outcome = peer.queue.tryEnqueue({ channelId, bytes, size: bytes.length });
    return outcome === 'accepted' || outcome === 'accepted-with-drop' ? 'queued' : 'peer-queue-full';
  }

  private async unicastWhenRoom(channelId: number, to: NodeID, bytes: Uint8Array, signal?: AbortSignal): Promise<SendOutcome> {
    const peer = this.peers.get(to);
    if (peer === undefined) return 'unknown-peer';
    if (!peer.hasChannel(channelId)) return 'peer-lacks-channel';
    try {
      const outcome = await peer.queue.enqueueWhenRoom({ channelId, bytes, size: bytes.length }, signal);
      return outcome === 'accepted' || outcome === 'accepted-with-drop' ? 'queued' : 'peer-queue-full';
    } catch (error) {
      if (isErrorNamed(error, 'AbortError')) throw error;
      return 'unknown-peer'; // the peer went away while we waited
    }
  }

  /**
   * Every peer error, from the receive loops and from reactors, lands here.
   * Logging is the PeerFaultLog's call (one line per connection, the rest
   * counted). A fatal error — or one too many small ones — faults the peer:
   * it is closed at once and nothing more it sent is handled, and the
   * PeerManager is told once. Errors of an already faulted peer, or of one
   * no longer routed, are only counted.
   */
  private handlePeerError(peerError: PeerError): void {
    this.counters.peerErrors++;
    const { nodeId, error, channelId } = peerError;
    const peer = this.peers.get(nodeId);
    // A peer that keeps misbehaving in small ways is cut off rather than reported forever.
    const fatal = (peerError.fatal ?? false) || (peer !== undefined && ++peer.peerErrors > this.options.maxPeerErrors);
    this.emit({ type: 'peer-error', nodeId, error, fatal });
    if (peer === undefined || peer.faulted) {
      this.faultLog.countNotLogged();
      return;
    }
    peer.faults.report(error, { fatal, channel: channelId });
    if (fatal) peer.fault(error);
    try {
      if (fatal) this.peerManager.errored(nodeId, error);
      else this.peerManager.report(nodeId, { kind: 'bad', reason: error.message });
    } catch (inner) {
      this.loopError('peer-error', toError(inner));
    }
  }

  // ---- loops ----

  private async dialLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let holdsSlot = false;
      try {
        await this.dialSlots.acquire(signal);
        holdsSlot = true;
        // Read the retry deadline before asking: if a cooldown expires between the two calls,
        // the deadline is already past and the wait returns at once instead of sleeping forever.
        const wakeAt = this.peerManager.nextDialAt();
        const address = this.peerManager.tryDialNext();
        if (address === undefined) {
          holdsSlot = false;
          this.dialSlots.release();
          await this.dialWake.wait(signal, wakeAt ?? this.peerManager.nextDialAt());
          continue;
        }
        holdsSlot = false; // the dial task releases it
        this.track(this.dialPeer(address).finally(() => this.dialSlots.release()));
      } catch (error) {
        // A slot lost here would be lost for good: with every slot lost, nothing is dialed again.
        if (holdsSlot) this.dialSlots.release();
        if (signal.aborted) return;
        this.loopError('dial', toError(error));
        await sleepUnlessAborted(LOOP_ERROR_PAUSE_MS, signal);
      }
    }
  }

  private async acceptLoop(transport: Transport): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const connection = await transport.accept(signal);
        const denial = this.gate.beginInboundHandshake(connection.remoteEndpoint);
        if (denial !== undefined) {
          connection.close(denial);
          this.rejected('inbound', describeRemote(connection.remoteEndpoint), denial);
          continue;
        }
        this.track(this.openInbound(connection).finally(() => this.gate.endInboundHandshake(connection.remoteEndpoint)));
      } catch (error) {
        if (signal.aborted) return;
        this.loopError(`accept:${transport.name}`, toError(error));
        // A closed transport fails every accept at once; give it a moment instead of spinning.
        if (isErrorNamed(error, 'TransportClosedError')) await sleepUnlessAborted(1000, signal);
        else await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  private async evictLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const nodeId = this.peerManager.tryEvictNext();
        if (nodeId === undefined) {
          await this.evictWake.wait(signal);
          continue;
        }
        const peer = this.peers.get(nodeId);
        this.counters.evictions++;
        if (peer) peer.close(new PeerEvictedError(`peer ${nodeId} evicted by the peer manager`));
        // Not routed (yet or any more): tell the manager so its state cannot stick at "evicting".
        else this.peerManager.disconnected(nodeId);
      } catch (error) {
        if (signal.aborted) return;
        this.loopError('evict', toError(error));
        await sleepUnlessAborted(LOOP_ERROR_PAUSE_MS, signal);
      }
    }
  }

  // ---- connection setup ----

  private async dialPeer(address: NodeAddress): Promise<void> {
    const started = Date.now();
    let connection: Connection | undefined;
    try {
      await this.gate.checkPeer({ direction: 'outbound', nodeId: address.nodeId }, this.abort.signal);
      connection = await this.connect(address);
      const remote = await this.handshake(connection, address.nodeId);
      const admitted = this.admit(connection, remote.nodeInfo, 'outbound', () => this.peerManager.dialed(address));
      this.counters.dials++;
      this.counters.observeDial(Date.now() - started);
      if (admitted) this.routePeer(connection, remote.nodeInfo, 'outbound');
    } catch (error) {
      const err = toError(error);
      connection?.close(err);
      if (this.abort.signal.aborted) return;
      if (err instanceof PeerRejectedError) {
        // The dial worked; the manager declined the peer (e.g. it connected to us meanwhile).
        this.counters.count('rejectedOutbound', err.reason);
        this.log.debug({ address: address.toString(), reason: err.reason }, 'dialed peer rejected');
        return;
      }
      if (isDenial(err)) {
        this.rejected('outbound', address.toString(), err);
      } else {
        this.counters.count('dialFailures', err.name);
        this.log.debug({ address: address.toString(), error: peerErrorFields(err, { stack: true }) }, 'dial failed');
        this.emit({ type: 'dial-failed', address: address.toString(), error: err });
      }
      try {
        if (err instanceof IncompatiblePeerError) this.peerManager.inactivate(address.nodeId, err.message);
        this.peerManager.dialFailed(address, err);
      } catch (inner) {
        this.loopError('dial', toError(inner));
      }
    }
  }

  private async connect(address: NodeAddress): Promise<Connection> {
    // Resolved on every dial, so a DNS name that moved to a new IP is followed at the next dial.
    const timeoutMs = this.options.resolveTimeoutMs;
    const resolve = deadlineSignal(this.abort.signal, timeoutMs, () => new AddressResolutionError(address.hostname, `resolving ${address} timed out after ${timeoutMs} ms`));
    let endpoints: Endpoint[];
    try {
      endpoints = await address.resolve({ signal: resolve.signal, lookup: this.hostLookup });
    } catch (error) {
      throw resolve.signal.aborted && !this.abort.signal.aborted ? reasonOf(resolve.signal) : error;
    } finally {
      resolve.dispose();
    }
    const learnedFrom = this.peerManager.learnedFrom(address);
    const failures: Error[] = [];
    for (const endpoint of endpoints) {
      const transport = this.transports.find((t) => t.protocols().includes(endpoint.protocol));
      if (transport === undefined) {
        failures.push(new NoTransportForEndpointError(`no transport handles protocol "${endpoint.protocol}"`));
        continue;
      }
      try {
        return await this.gate.admitDial(endpoint, { nodeId: address.nodeId, learnedFrom, signal: this.abort.signal }, async () => {
          const dial = deadlineSignal(this.abort.signal, this.options.dialTimeoutMs, () => new DialError(`dialing ${address} timed out after ${this.options.dialTimeoutMs} ms`));
          try {
            return await transport.dial(endpoint, dial.signal);
          } finally {
            dial.dispose();
          }
        });
      } catch (error) {
        failures.push(toError(error));
      }
    }
    // One failure, or every endpoint refused by gating: report it as such rather than as a dial error.
    if (failures.length === 1 || (failures.length > 0 && failures.every(isDenial))) throw failures[0];
    throw new DialError(`could not dial ${address}: ${failures.map((f) => f.message).join('; ') || 'no endpoints'}`, {
      cause: failures.length ? new AggregateError(failures) : undefined,
    });
  }

  /**
   * Runs the transport handshake and every identity/compatibility check.
   * The deadline is a timer that closes the connection with
   * HandshakeTimeoutError and rejects at once (whether or not the transport's
   * handshake notices the close); the router's own signal ends handshakes when
   * it stops. No AbortController per handshake: aborting one, or merely
   * creating and disposing it, cost more than the rest of the router's share
   * of a connection setup.
   */
  private async handshake(connection: Connection, expectedNodeId?: NodeID) {
    const timeoutMs = this.options.handshakeTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HandshakeTimeoutError(`handshake did not finish within ${timeoutMs} ms`);
        connection.close(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      const local = this.handshakeNodeInfo();
      const remote = await Promise.race([
        connection.handshake(local, this.nodeKey, { signal: this.abort.signal, channels: this.openChannels().definitions }),
        deadline,
      ]);
      validatePeerHandshake({ local, remote: remote.nodeInfo, remotePublicKey: remote.publicKey, expectedNodeId });
      return remote;
    } finally {
      clearTimeout(timer);
    }
  }

  private async openInbound(connection: Connection): Promise<void> {
    const signal = this.abort.signal;
    try {
      await this.gate.admitInbound(connection, signal);
      const remote = await this.handshake(connection);
      await this.gate.checkPeer({ direction: 'inbound', nodeId: remote.nodeInfo.nodeId, ip: connection.remoteEndpoint.ip }, signal);
      const admitted = this.admit(connection, remote.nodeInfo, 'inbound', () => this.peerManager.accepted(remote.nodeInfo.nodeId));
      this.counters.accepted++;
      if (admitted) this.routePeer(connection, remote.nodeInfo, 'inbound');
    } catch (error) {
      const err = toError(error);
      connection.close(err);
      if (signal.aborted) return;
      this.rejected('inbound', describeRemote(connection.remoteEndpoint), err);
    }
  }

  /**
   * Registers a handshaken connection with the PeerManager (`admitPeer`
   * throws PeerRejectedError when it must be closed). Returns false when the
   * connection was kept as the standby of a simultaneous dial instead of being
   * routed now (see duplicate-connections.ts): it is routed when the routed
   * connection to the same peer closes.
   */
  private admit(connection: Connection, nodeInfo: NodeInfo, direction: ConnectionDirection, admitPeer: () => void): boolean {
    try {
      admitPeer();
      return true;
    } catch (error) {
      const nodeId = nodeInfo.nodeId;
      const routed = this.peers.get(nodeId);
      if (!(error instanceof PeerRejectedError && error.reason === 'already-connected') || routed === undefined) throw error;
      const decision = decideDuplicate({
        localId: this.nodeKey.nodeId,
        remoteId: nodeId,
        newDirection: direction,
        routedDirection: routed.direction,
        remoteSharesRule: sharesTieBreak(nodeInfo),
        standbyHeld: this.standbys.has(nodeId),
      });
      if (decision === 'refuse') throw error;
      this.counters.count('duplicateConnections', decision === 'replace' ? 'replaced' : 'held');
      this.standbys.hold({ nodeId, connection, nodeInfo, direction, admit: admitPeer });
      if (decision === 'replace') {
        this.log.debug({ peer: nodeId, kept: direction }, 'both ends dialed; keeping the connection the lower node ID dialed');
        routed.close(new DuplicateConnectionError(`replaced by the ${direction} connection: both ends dialed, and both keep the one the lower node ID dialed`));
      }
      return false;
    }
  }

  /** A standby's grace period ended with both connections open: the shared rule decides. */
  private standbyGraceEnded(standby: Standby): void {
    const routed = this.peers.get(standby.nodeId);
    if (routed !== undefined && lowerIdDialed(this.nodeKey.nodeId, standby.nodeId, standby.direction)) {
      this.counters.count('duplicateConnections', 'replaced');
      routed.close(new DuplicateConnectionError(`replaced by the ${standby.direction} connection: the peer kept both, and the lower node ID dialed this one`));
      return;
    }
    this.standbys.take(standby.nodeId, standby.connection);
    this.counters.count('duplicateConnections', 'standby-refused');
    standby.connection.close(new DuplicateConnectionError(`the peer kept both connections; keeping the ${routed?.direction ?? 'routed'} one the lower node ID dialed`));
  }

  /** The routed connection is gone and its standby is still open: the standby takes its place. */
  private promote(standby: Standby): void {
    if (this.state !== 'running') {
      standby.connection.close();
      return;
    }
    try {
      standby.admit();
    } catch (error) {
      const err = toError(error);
      standby.connection.close(err);
      this.rejected(standby.direction, standby.nodeId, err);
      return;
    }
    this.counters.count('duplicateConnections', 'promoted');
    this.routePeer(standby.connection, standby.nodeInfo, standby.direction);
  }

  /** Counts (a gating denial by its reason, anything else by error name), logs and publishes a refused connection. */
  private rejected(direction: ConnectionDirection, remote: string, error: Error): void {
    this.counters.count(direction === 'inbound' ? 'rejectedInbound' : 'rejectedOutbound', isDenial(error) ? error.reason : error.name);
    this.log.debug({ remote, error: peerErrorFields(error, { stack: true }) }, `${direction} connection rejected`);
    this.emit({ type: 'connection-rejected', direction, error });
  }

  private routePeer(connection: Connection, nodeInfo: NodeInfo, direction: ConnectionDirection): void {
    const nodeId = nodeInfo.nodeId;
    const queue = this.queues.create<OutboundItem>({
      capacity: this.options.peerQueueCapacity,
      capacityBytes: this.options.peerQueueCapacityBytes,
      channels: this.openChannels().priorities,
      label: `peer:${nodeId}`,
    });
    const routing = { channel: (id: number) => this.channels.get(id), peerError: (error: PeerError) => this.handlePeerError(error) };
    const peer = new PeerConnection(nodeId, direction, connection, nodeInfo, queue, routing, this.faultLog.connection({ peer: nodeId }));
    this.peers.set(nodeId, peer);
    const sharesRule = sharesTieBreak(nodeInfo);
    const run = (async () => {
      let reason: Error | undefined;
      try {
        this.peerManager.ready(nodeId, peer.channels);
        this.log.info({ peer: nodeId, direction, moniker: peerText(nodeInfo.moniker) }, 'peer up');
        if (this.closedLosers.routed(nodeId, sharesRule && lowerIdDialed(this.nodeKey.nodeId, nodeId, direction))) {
          this.counters.count('duplicateConnections', 'loser-closed-by-peer');
          this.emit({ type: 'peer-up', nodeId, direction, afterSimultaneousDial: true });
        } else {
          this.emit({ type: 'peer-up', nodeId, direction });
        }
        reason = await peer.run();
        this.log.info({ peer: nodeId, reason: reason && peerText(reason.message), ...this.peerSummary(peer) }, 'peer down');
        this.emit({ type: 'peer-down', nodeId, reason });
      } catch (error) {
        this.loopError('peer', toError(error));
        peer.close(toError(error));
      } finally {
        for (const [reason, n] of Object.entries(peer.drops.snapshot())) this.counters.count('departedPeerDrops', reason, n);
        this.peers.delete(nodeId);
        // A peer we cut off (fault, eviction) does not come back through its standby.
        const standby = this.standbys.take(nodeId);
        const replaced = standby !== undefined && !standby.connection.isClosed && !peer.faulted && !(reason instanceof PeerEvictedError);
        if (!replaced && peer.closedByRemote && sharesRule && !lowerIdDialed(this.nodeKey.nodeId, nodeId, direction)) {
          this.closedLosers.closedByPeer(nodeId);
        }
        try {
          this.peerManager.disconnected(nodeId, { replaced });
        } catch (error) {
          this.loopError('peer', toError(error));
        }
        if (standby !== undefined) {
          if (replaced) this.promote(standby);
          else standby.connection.close(reason);
        }
      }
    })();
    this.peerRuns.add(run);
    void run.finally(() => this.peerRuns.delete(run));
  }

  // ---- helpers ----

  /** What the 'peer down' line adds about a peer that caused errors or whose messages were dropped. */
  private peerSummary(peer: PeerConnection): Record<string, unknown> {
    const summary: Record<string, unknown> = {};
    if (peer.faults.reported > 0) summary['peerErrors'] = { reported: peer.faults.reported, notLogged: peer.faults.notLogged };
    if (peer.drops.total > 0) summary['drops'] = peer.drops.snapshot();
    return summary;
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private loopError(loop: string, error: Error): void {
    this.counters.count('loopErrors', loop);
    this.log.error({ loop, err: error }, 'router loop error (continuing)');
    this.emit({ type: 'loop-error', loop, error });
  }

  private emit(event: RouterEvent): void {
    if (!this.eventSubject.closed) this.eventSubject.next(event);
  }
}

/**
 * After an unexpected error the dial and evict loops wait this long before
 * asking the PeerManager again: they never wait on I/O otherwise, so one that
 * throws on every call would spin without letting the event loop turn.
 */
const LOOP_ERROR_PAUSE_MS = 100;

function isDenial(error: Error): error is ConnectionDeniedError {
  return isErrorNamed(error, 'ConnectionDeniedError');
}

function describeRemote(endpoint: Endpoint | undefined): string {
  return String(endpoint?.ip ?? endpoint?.path);
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
