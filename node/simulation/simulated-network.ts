import { Subject } from 'rxjs';
import { loadConfig } from '../config/loader.js';
import type { NodeConfig } from '../config/node-config.js';
import { createNode } from '../create-node.js';
import type { Node } from '../node.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import { NodeKey } from '../../framework/identity/node-key.js';
import { silentLogger, type Logger } from '../../framework/logging/logger.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';
import { MemoryNetwork } from '../../plugins/transports/memory/memory-network.js';
import { PexReactor } from '../../reactors/pex/pex-reactor.js';
import { FloodReactor } from '../../reactors/flood/flood-reactor.js';
import { Graph } from './graph.js';
import type { SimulationOptions } from './options.js';

/** The port every simulated node listens on at its virtual IP. */
export const SIMULATED_PORT = 26656;

/** Node `index`'s virtual IP: 10.0.0.1, 10.0.0.2, … through 10.0.0.0/8 (no sockets; in-process only). */
export function virtualIpOf(index: number): string {
  const n = index + 1;
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** One node of the simulation, across its restarts. */
export interface SimulatedMember {
  readonly index: number;
  readonly key: NodeKey;
  readonly isSeed: boolean;
  /** `ip:port` it listens on inside the MemoryNetwork. */
  readonly virtualAddress: string;
  readonly config: NodeConfig;
  /** The running node; undefined while it is down. */
  node: Node | undefined;
  /** `performance.now()` of its latest start. */
  startedAt: number;
  restarts: number;
}

/** The graph of ready connections among some members at one instant. */
export interface Topology {
  readonly graph: Graph;
  /** Vertex i of the graph is members[i]. */
  readonly members: readonly SimulatedMember[];
}

/**
 * A network of full tmp2p nodes in one process: each a `createNode`
 * container on the memory transport with a virtual IP, running PEX (the
 * first `seeds` nodes in seed mode) and the flood reactor, knowing only the
 * seeds. Nodes are built stopped; `startAll` starts them together.
 */
export class SimulatedNetwork {
  /** A member's node has started (first time or after a restart). */
  readonly started$ = new Subject<SimulatedMember>();
  /** A member's node is about to stop; its reactors still hold their counters. */
  readonly stopping$ = new Subject<{ readonly member: SimulatedMember; readonly node: Node }>();
  private readonly byId = new Map<NodeID, SimulatedMember>();

  private constructor(
    readonly memoryNetwork: MemoryNetwork,
    readonly members: readonly SimulatedMember[],
    private readonly reactors: readonly ReactorClass[],
    private readonly logger: Logger,
  ) {
    for (const member of members) this.byId.set(member.key.nodeId, member);
  }

  static async create(options: SimulationOptions, logger: Logger = silentLogger()): Promise<SimulatedNetwork> {
    const memoryNetwork = new MemoryNetwork({
      link: { latencyMs: options.latencyMs, jitterMs: options.jitterMs, lossRate: options.lossPercent / 100 },
      random: options.random,
    });
    const keys = Array.from({ length: options.nodes }, () => NodeKey.generate());
    const seeds = keys.slice(0, options.seeds).map((key, i) => `${key.nodeId}@${virtualIpOf(i)}:${SIMULATED_PORT}`);
    const members: SimulatedMember[] = [];
    for (const [index, key] of keys.entries()) {
      const isSeed = index < options.seeds;
      const virtualAddress = `${virtualIpOf(index)}:${SIMULATED_PORT}`;
      const config = await loadConfig({
        values: {
          moniker: `sim-${index}`,
          p2p: {
            laddr: 'memory',
            transports: ['memory'],
            memory_virtual_address: virtualAddress,
            max_connections: options.outbound + options.inbound,
            max_outgoing_connections: options.outbound,
            max_inbound_connections: options.inbound,
          },
          reactors: {
            enabled: [],
            // Seeds know nobody: their address books fill from the nodes that come to them.
            pex: { seeds: isSeed ? [] : seeds, seed_mode: isSeed, request_interval_ms: options.pexIntervalMs },
          },
        },
        set: options.set,
      });
      members.push({ index, key, isSeed, virtualAddress, config, node: undefined, startedAt: 0, restarts: 0 });
    }
    const network = new SimulatedNetwork(memoryNetwork, members, [PexReactor, FloodReactor, ...options.reactors], logger);
    try {
      for (const member of members) member.node = await network.build(member);
    } catch (error) {
      await network.stop();
      throw error;
    }
    return network;
  }

  /** Starts every node: the seeds first, then all the others at once. */
  async startAll(): Promise<void> {
    const seeds = this.members.filter((m) => m.isSeed);
    await Promise.all(seeds.map((m) => this.start(m)));
    await Promise.all(this.members.filter((m) => !m.isSeed).map((m) => this.start(m)));
  }

  member(nodeId: NodeID): SimulatedMember | undefined {
    return this.byId.get(nodeId);
  }

  running(): SimulatedMember[] {
    return this.members.filter((m) => m.node?.router.isRunning === true);
  }

  /** Stops a member's node (its peers see it go down). */
  async stopMember(member: SimulatedMember): Promise<void> {
    const node = member.node;
    if (node === undefined) return;
    member.node = undefined;
    if (node.router.isRunning) this.stopping$.next({ member, node });
    await node.stop();
  }

  /** Starts a stopped member again: a new node with the same key, config and virtual IP, knowing only the seeds. */
  async restartMember(member: SimulatedMember): Promise<void> {
    if (member.node !== undefined) return;
    member.node = await this.build(member);
    member.restarts++;
    await this.start(member);
  }

  /** Ready outbound connections of a running member. */
  outboundCount(member: SimulatedMember): number {
    const node = member.node;
    if (node === undefined) return 0;
    let outbound = 0;
    for (const id of node.peers()) if (node.router.peer(id)?.direction === 'outbound') outbound++;
    return outbound;
  }

  /** Ready connections of a running member, either direction. */
  peerCount(member: SimulatedMember): number {
    return member.node?.peers().length ?? 0;
  }

  /** The ready connections among the members `include` accepts (default: every running member). */
  topology(include: (member: SimulatedMember) => boolean = () => true): Topology {
    const members = this.running().filter(include);
    const vertex = new Map<NodeID, number>(members.map((m, i) => [m.key.nodeId, i]));
    const graph = new Graph(members.length);
    for (const [i, member] of members.entries()) {
      for (const peer of member.node!.peers()) {
        const j = vertex.get(peer);
        if (j !== undefined) graph.addEdge(i, j);
      }
    }
    return { graph, members };
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.members.map((m) => this.stopMember(m)));
    this.started$.complete();
    this.stopping$.complete();
  }

  private build(member: SimulatedMember): Promise<Node> {
    return createNode(member.config, {
      nodeKey: member.key,
      memoryNetwork: this.memoryNetwork,
      logger: this.logger,
      reactors: this.reactors,
      start: false,
    });
  }

  private async start(member: SimulatedMember): Promise<void> {
    member.startedAt = performance.now();
    await member.node!.start();
    this.started$.next(member);
  }
}
