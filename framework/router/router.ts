import { setMaxListeners } from 'node:events';
import { inject, injectable, multiInject, optional } from 'inversify';
import type { Observable, Subscription } from 'rxjs';
import { TOKENS } from '../tokens.js';
import type { Logger } from '../logging/logger.js';
import { PeerFaultLog } from '../logging/peer-faults.js';
import { AbortError, isErrorNamed, toError } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';
import type { NodeInfo } from '../identity/node-info.js';
import type { NodeKey } from '../identity/node-key.js';
import type { HostLookup } from '../address/node-address.js';
import { endpointToString, type Endpoint } from '../address/endpoint.js';
import type { Connection, Transport } from '../transport/transport.js';
import type { QueueFactory } from '../queue/queue.js';
import type { PeerManager } from '../peer/peer-manager.js';
import type { ConnectionDirection } from '../peer/types.js';
import type { ConnectionGate } from '../gating/connection-gate.js';
import { Wakeup } from '../util/wakeup.js';
import { Semaphore } from '../util/semaphore.js';
import { sleepUnlessAborted } from '../util/abort.js';
import { ChannelRuntime } from './channel.js';
import { validateChannelDefinition, type ChannelDefinition } from './channel-definition.js';
import type { PeerError } from './envelope.js';
import { PeerConnection, PeerEvictedError, type OutboundItem } from './peer-connection.js';
import type { RouterOptions } from './options.js';
import { RouterMetrics, type RouterMetricsSnapshot } from './metrics.js';
import type { RouterEvent } from './events.js';
import { ChannelAlreadyOpenError, RouterStateError } from './errors.js';
import { DuplicateConnections } from './duplicate-connections.js';
import { sharesTieBreak } from './tie-break.js';
import { LocalNodeInfo } from './local-node-info.js';
import { OutboundRoutes } from './outbound-routes.js';
import { PeerErrorHandler } from './peer-error-handler.js';
import { Dialer } from './dialer.js';
import { Handshaker } from './handshaker.js';
import { RouterTelemetry, describeRemote } from './telemetry.js';
import { ConnectionSetup } from './connection-setup.js';

/**
 * The Router is the only concurrent part of a node. It owns connections and
 * moves messages between channels and peers; every decision about *which*
 * peers to connect to or drop belongs to the PeerManager, which the router
 * asks and informs but never second-guesses. Its loops and tasks are here;
 * what they do for one connection or one message is in the files named below.
 *
 * Loops (each one catches, logs and counts every error and keeps going;
 * only `stop()` ends them):
 *
 * - dial loop (one): asks `peerManager.tryDialNext()` for an address and hands
 *   it to a dial task; when there is nothing to dial it sleeps until the
 *   PeerManager signals a change (`dialWake$`) or until `nextDialAt()`, the
 *   moment a retry delay expires. Dial tasks run concurrently up to
 *   `maxConcurrentDials`; there is no sleep between dials. A dial task
 *   (connection-setup.ts) asks the gate about the peer's node ID, resolves the
 *   address, has the gate admit each resolved IP (held to the scope of the
 *   peer the address was learned from, `peerManager.learnedFrom`) before
 *   dialing it with `dialTimeoutMs` (dialer.ts), runs the handshake within
 *   `handshakeTimeoutMs` and validates the remote (expected ID, NodeInfo,
 *   compatibility; handshaker.ts), reports `dialed`/`dialFailed`, and routes the peer.
 * - accept loop (one per transport): takes inbound connections; each gets a
 *   handshake task (at most `max_concurrent_inbound_handshakes` at once and
 *   `..._per_ip` per remote IP; the excess is closed at once), which has the
 *   gate admit the remote IP before any crypto work, runs the handshake, asks
 *   the gate about the now proven node ID, reports `accepted` and routes the
 *   peer (connection-setup.ts). A second connection to a routed peer (both
 *   ends dialed at once) replaces the routed one, waits as its standby or is
 *   closed (duplicate-connections.ts).
 * - evict loop (one): takes `peerManager.tryEvictNext()` and closes that
 *   peer's connection; sleeps on `evictWake$` otherwise.
 * - per peer (see PeerConnection): a send loop (peer queue → connection) and
 *   a receive loop (connection → decode/unwrap → channel queue). The first to
 *   end closes the connection and the queue; the router then reports
 *   `disconnected`, which publishes the peer's `down` update, and routes the
 *   peer's standby if one takes its place. Errors the peer causes, reported by
 *   these loops or by reactors, may fault it (peer-error-handler.ts).
 * - per channel (see ChannelRuntime): a deliver loop (channel queue → subscribers).
 *   Outbound routing is synchronous (outbound-routes.ts): `send`/`broadcast`
 *   encode once and put the bytes on each target peer's bounded queue,
 *   counting a drop when a peer is unknown, lacks the channel, or its queue is full.
 *
 * Refusals, failures, errors and peers going up or down are counted, logged
 * and published on `events$` together (telemetry.ts). Handshakes present this node's NodeInfo and open channels
 * as local-node-info.ts keeps them, rebuilt when a channel opens or the
 * transports bind.
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
  private readonly loops: Promise<void>[] = [];
  private readonly tasks = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly dialWake = new Wakeup();
  private readonly evictWake = new Wakeup();
  private readonly dialSlots: Semaphore;
  private readonly subscriptions: Subscription[] = [];
  private readonly counters = new RouterMetrics();
  private readonly log: Logger;
  private readonly faultLog: PeerFaultLog;
  private readonly telemetry: RouterTelemetry;
  private readonly localNodeInfo: LocalNodeInfo;
  private readonly setup: ConnectionSetup;
  private readonly duplicates: DuplicateConnections;
  private readonly peerErrorHandler: PeerErrorHandler;
  private readonly routes: OutboundRoutes;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  /** Lifecycle and routing events, for logging, metrics and tests. */
  readonly events$: Observable<RouterEvent>;

  constructor(
    @multiInject(TOKENS.Transport) private readonly transports: Transport[],
    @inject(TOKENS.PeerManager) private readonly peerManager: PeerManager,
    @inject(TOKENS.QueueFactory) private readonly queues: QueueFactory,
    @inject(TOKENS.NodeKey) private readonly nodeKey: NodeKey,
    @inject(TOKENS.NodeInfoTemplate) nodeInfoTemplate: Omit<NodeInfo, 'channels'>,
    @inject(TOKENS.RouterOptions) private readonly options: RouterOptions,
    @inject(TOKENS.ConnectionGate) private readonly gate: ConnectionGate,
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.HostLookup) @optional() hostLookup?: HostLookup,
  ) {
    this.log = logger.child({ component: 'router' });
    this.faultLog = new PeerFaultLog(this.log);
    this.telemetry = new RouterTelemetry(this.counters, this.log);
    this.events$ = this.telemetry.events$;
    const signal = this.abort.signal;
    // Every dial, handshake and loop listens on this one signal; the default cap of 10 listeners would warn.
    setMaxListeners(0, signal);
    this.dialSlots = new Semaphore(options.maxConcurrentDials);
    this.localNodeInfo = new LocalNodeInfo(nodeInfoTemplate, this.channels, () => this.endpoints());
    this.duplicates = new DuplicateConnections(nodeKey.nodeId, options.duplicateGraceMs, this.peers, this.counters, this.log);
    this.setup = new ConnectionSetup({
      dialer: new Dialer(transports, gate, peerManager, options, signal, hostLookup),
      handshaker: new Handshaker(nodeKey, this.localNodeInfo, options.handshakeTimeoutMs, signal),
      duplicates: this.duplicates,
      gate,
      peerManager,
      counters: this.counters,
      telemetry: this.telemetry,
      signal,
      route: (connection, nodeInfo, direction) => this.routePeer(connection, nodeInfo, direction),
    });
    this.peerErrorHandler = new PeerErrorHandler(this.peers, options.maxPeerErrors, this.faultLog, peerManager, this.telemetry);
    this.routes = new OutboundRoutes(this.peers, (error) => this.peerErrorHandler.handle(error));
  }

  /** The NodeInfo this node presents: the template plus every open channel. */
  nodeInfo(): NodeInfo {
    return this.localNodeInfo.current();
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
      this.telemetry.loopError(`channel:${definition.name}`, error),
    );
    this.channels.set(definition.id, channel as ChannelRuntime<unknown, unknown>);
    this.localNodeInfo.channelsChanged();
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
    this.localNodeInfo.endpointsBound();
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
    this.duplicates.closeAll();
    for (const peer of this.peers.values()) peer.close();
    await Promise.allSettled([...this.loops, ...this.tasks]);
    await Promise.allSettled([...this.peerRuns]);
    for (const sub of this.subscriptions) sub.unsubscribe();
    await Promise.allSettled([...this.channels.values()].map((c) => c.close()));
    this.state = 'stopped';
    this.telemetry.complete();
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
        this.track(this.setup.dial(address).finally(() => this.dialSlots.release()));
      } catch (error) {
        // A slot lost here would be lost for good: with every slot lost, nothing is dialed again.
        if (holdsSlot) this.dialSlots.release();
        if (signal.aborted) return;
        this.telemetry.loopError('dial', toError(error));
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
          this.telemetry.rejected('inbound', describeRemote(connection.remoteEndpoint), denial);
          continue;
        }
        this.track(this.setup.accept(connection).finally(() => this.gate.endInboundHandshake(connection.remoteEndpoint)));
      } catch (error) {
        if (signal.aborted) return;
        this.telemetry.loopError(`accept:${transport.name}`, toError(error));
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
        this.telemetry.loopError('evict', toError(error));
        await sleepUnlessAborted(LOOP_ERROR_PAUSE_MS, signal);
      }
    }
  }

  // ---- routed peers ----

  private routePeer(connection: Connection, nodeInfo: NodeInfo, direction: ConnectionDirection): void {
    const nodeId = nodeInfo.nodeId;
    const queue = this.queues.create<OutboundItem>({
      capacity: this.options.peerQueueCapacity,
      capacityBytes: this.options.peerQueueCapacityBytes,
      channels: this.localNodeInfo.openChannels().priorities,
      label: `peer:${nodeId}`,
    });
    const routing = { channel: (id: number) => this.channels.get(id), peerError: (error: PeerError) => this.peerErrorHandler.handle(error) };
    const peer = new PeerConnection(nodeId, direction, connection, nodeInfo, queue, routing, this.faultLog.connection({ peer: nodeId }));
    this.peers.set(nodeId, peer);
    const sharesRule = sharesTieBreak(nodeInfo);
    const run = (async () => {
      let reason: Error | undefined;
      try {
        this.peerManager.ready(nodeId, peer.channels);
        this.telemetry.peerUp(nodeInfo, direction, this.duplicates.endsSwap(nodeId, direction, sharesRule));
        reason = await peer.run();
        this.telemetry.peerDown(peer, reason);
      } catch (error) {
        this.telemetry.loopError('peer', toError(error));
        peer.close(toError(error));
      } finally {
        for (const [reason, n] of Object.entries(peer.drops.snapshot())) this.counters.count('departedPeerDrops', reason, n);
        this.peers.delete(nodeId);
        const { standby, replaced } = this.duplicates.ended(peer, reason, sharesRule);
        try {
          this.peerManager.disconnected(nodeId, { replaced });
        } catch (error) {
          this.telemetry.loopError('peer', toError(error));
        }
        if (standby !== undefined) {
          if (!replaced) standby.connection.close(reason);
          else if (this.state !== 'running') standby.connection.close(); // stopping: nothing new is routed
          else this.setup.promote(standby);
        }
      }
    })();
    this.peerRuns.add(run);
    void run.finally(() => this.peerRuns.delete(run));
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }
}

/**
 * After an unexpected error the dial and evict loops wait this long before
 * asking the PeerManager again: they never wait on I/O otherwise, so one that
 * throws on every call would spin without letting the event loop turn.
 */
const LOOP_ERROR_PAUSE_MS = 100;
