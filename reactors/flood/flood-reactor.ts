import { inject, optional } from 'inversify';
import { Subject } from 'rxjs';
import { TOKENS } from '../../framework/tokens.js';
import { isNodeID, type NodeID } from '../../framework/identity/node-id.js';
import type { NodeKey } from '../../framework/identity/node-key.js';
import type { PeerUpdate } from '../../framework/peer/types.js';
import { Channel, OnMessage, OnPeerUpdate, Reactor, type MessageContext, type ReactorLifecycle } from '../../framework/reactor/decorators.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import { FloodMessageError, FloodOptionsError } from './errors.js';
import { Flood, FloodChannel, FLOOD_CHANNEL_ID } from './flood-channel.js';

/** `[reactors.flood]` options. */
export interface FloodOptions {
  /** Floods remembered for de-duplication (oldest forgotten first). Default 4096. */
  readonly seenCapacity: number;
  /** A flood that has travelled this many hops is not passed on. Default 64. */
  readonly maxHops: number;
}

export const DEFAULT_FLOOD_OPTIONS: FloodOptions = Object.freeze({ seenCapacity: 4096, maxHops: 64 });

/** When and how a flood first reached this node. */
export interface FloodArrival {
  readonly origin: NodeID;
  readonly id: number;
  /** Hops from the origin (0 at the origin itself). */
  readonly hops: number;
  /** The peer it came from; undefined at the origin. */
  readonly from: NodeID | undefined;
  /** `performance.now()` at arrival: comparable across the nodes of one process. */
  readonly at: number;
}

export interface FloodStats {
  /** Floods this node started. */
  originated: number;
  /** Flood messages received, duplicates included. */
  received: number;
  /** Received again after the first time (the cost of flooding). */
  duplicates: number;
  /** Copies queued for peers. */
  forwarded: number;
  /** Copies not queued (peer queue full, peer gone). */
  dropped: number;
  /** Floods not passed on because they reached `maxHops`. */
  hopLimited: number;
}

function resolveFloodOptions(raw: unknown): FloodOptions {
  if (raw === undefined) return DEFAULT_FLOOD_OPTIONS;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FloodOptionsError(`flood options must be a table, got ${JSON.stringify(raw)}`);
  const known = Object.keys(DEFAULT_FLOOD_OPTIONS);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new FloodOptionsError(`flood option "${key}" is unknown; known options: ${known.join(', ')}`);
  }
  const options = { ...DEFAULT_FLOOD_OPTIONS, ...(raw as Partial<FloodOptions>) };
  for (const [key, min, max] of [['seenCapacity', 1, 1_000_000], ['maxHops', 1, 1_000]] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new FloodOptionsError(`flood option "${key}" is ${JSON.stringify(value)}; expected an integer from ${min} to ${max}`);
    }
  }
  return options;
}

/**
 * Floods messages through the network hop by hop: a node that sees a flood
 * for the first time records when (`arrivals$`, `arrival()`) and passes it
 * on to every peer except the one it came from; copies it has seen before
 * are counted and dropped. How long a flood takes to reach every node, and
 * in how many hops, measures the overlay that peer discovery built.
 */
@Reactor('flood')
export class FloodReactor implements ReactorLifecycle {
  @Channel(FloodChannel) readonly flood!: ChannelHandle<Flood>;

  readonly stats: FloodStats = { originated: 0, received: 0, duplicates: 0, forwarded: 0, dropped: 0, hopLimited: 0 };
  /** Each flood's first arrival here, as it happens. */
  readonly arrivals$ = new Subject<FloodArrival>();
  readonly options: FloodOptions;
  private readonly seen = new Map<string, FloodArrival>();
  private readonly peers = new Set<NodeID>();
  /** Starts at the clock so a restarted node's floods never reuse an ID its peers still remember. */
  private nextId = Date.now();

  constructor(
    @inject(TOKENS.NodeKey) private readonly key: NodeKey,
    @inject(TOKENS.FloodReactorOptions) @optional() options?: Partial<FloodOptions>,
  ) {
    this.options = resolveFloodOptions(options);
  }

  onStop(): void {
    this.arrivals$.complete();
    this.peers.clear();
  }

  /** Starts a flood from this node; returns its arrival record here (hops 0). */
  start(payload: Uint8Array = new Uint8Array()): FloodArrival {
    const id = this.nextId++;
    const arrival: FloodArrival = { origin: this.key.nodeId, id, hops: 0, from: undefined, at: performance.now() };
    this.remember(arrival);
    this.stats.originated++;
    this.forward(Flood.create({ id, origin: arrival.origin, hops: 0, payload }), undefined);
    return arrival;
  }

  /** The first arrival of a flood, while it is remembered. */
  arrival(origin: NodeID, id: number): FloodArrival | undefined {
    return this.seen.get(`${origin}/${id}`);
  }

  @OnPeerUpdate()
  onPeerUpdate(update: PeerUpdate): void {
    if (update.status === 'up' && update.channels.has(FLOOD_CHANNEL_ID)) this.peers.add(update.nodeId);
    else this.peers.delete(update.nodeId);
  }

  @OnMessage(Flood)
  onFlood(message: Flood, { from }: MessageContext): void {
    this.stats.received++;
    const origin = message.origin;
    if (!isNodeID(origin)) {
      this.flood.errors.next({ nodeId: from, error: new FloodMessageError(`flood origin ${JSON.stringify(String(origin).slice(0, 80))} is not a node ID`) });
      return;
    }
    if (this.seen.has(`${origin}/${message.id}`)) {
      this.stats.duplicates++;
      return;
    }
    const hops = message.hops + 1;
    this.remember({ origin, id: message.id, hops, from, at: performance.now() });
    if (hops >= this.options.maxHops) {
      this.stats.hopLimited++;
      return;
    }
    this.forward(Flood.create({ id: message.id, origin, hops, payload: message.payload }), from);
  }

  private remember(arrival: FloodArrival): void {
    const key = `${arrival.origin}/${arrival.id}`;
    this.seen.set(key, arrival);
    if (this.seen.size > this.options.seenCapacity) this.seen.delete(this.seen.keys().next().value as string);
    this.arrivals$.next(arrival);
  }

  private forward(message: Flood, except: NodeID | undefined): void {
    for (const peer of this.peers) {
      if (peer === except) continue;
      if (this.flood.send(peer, message) === 'queued') this.stats.forwarded++;
      else this.stats.dropped++;
    }
  }
}
