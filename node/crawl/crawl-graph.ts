import { formatHostPort } from '../../framework/address/host-port.js';
import type { IPScope } from '../../framework/address/ip.js';
import type { NodeAddress } from '../../framework/address/node-address.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import { RingBuffer } from '../../framework/util/ring-buffer.js';
import type { PrivateAddressPolicy } from '../../reactors/pex/options.js';
import { parseNetAddress, privateAddressAllowed } from '../../reactors/pex/net-address.js';
import type { CrawlEdge, CrawlErrorKind, CrawledNode, CrawledNodeInfo, CrawlStats, PexOutcome } from './crawl-result.js';

/** The bounds a CrawlGraph enforces (see CrawlOptions for their meaning and defaults). */
export interface CrawlGraphLimits {
  readonly maxNodes: number;
  readonly maxEdges: number;
  readonly maxAddressesPerResponse: number;
  readonly maxAddressesPerNode: number;
  readonly privateAddresses: PrivateAddressPolicy;
}

/** One dial to make: a node and the address to try. */
export interface DialTarget {
  readonly nodeId: NodeID;
  readonly address: NodeAddress;
  /** `host:port` of `address`. */
  readonly hostPort: string;
}

/** A `NetAddress` as decoded from the wire: any field may be missing or hostile. */
export interface WireAddress {
  readonly id?: string | null;
  readonly ip?: string | null;
  readonly port?: number | null;
}

interface AddressRecord {
  readonly address: NodeAddress;
  readonly hostPort: string;
  /** False when the privateAddresses policy forbids dialing it. */
  readonly dialable: boolean;
  tried: boolean;
}

interface NodeRecord {
  readonly nodeId: NodeID;
  seed: boolean;
  readonly addresses: AddressRecord[];
  /** idle: nothing (left) to dial; queued: in the frontier; dialing: a probe runs; done: reached, or failed for good. */
  phase: 'idle' | 'queued' | 'dialing' | 'done';
  reached: boolean;
  /** A dial of it completed (interrupted ones do not count). */
  dialed: boolean;
  interrupted: boolean;
  lastHostPort?: string;
  error?: { kind: CrawlErrorKind; message: string };
  nodeInfo?: CrawledNodeInfo;
  pex?: { outcome: PexOutcome; received: number; accepted: number };
}

type Counters = { -readonly [K in keyof CrawlStats]: number };

function crawledNodeInfo(info: NodeInfo): CrawledNodeInfo {
  return {
    moniker: info.moniker,
    version: info.version,
    network: info.network,
    channels: Array.from(info.channels),
    listenAddr: info.listenAddr,
    protocolVersion: { ...info.protocolVersion },
    txIndex: info.other.txIndex,
    rpcAddress: info.other.rpcAddress,
  };
}

/**
 * The crawl's state, without I/O: which nodes are known under which
 * addresses, who advertised whom (edges), what is left to dial (a FIFO
 * frontier: breadth first from the seeds), and what became of each node.
 *
 * Nodes are keyed by node ID: an address for a known node is added to that
 * node (up to `maxAddressesPerNode`), never dialed as a new node. A node is
 * dialed at one address at a time; when that fails before the node proved
 * its identity, its next untried address is queued, and an address learned
 * later gives an unreachable node another chance. Once reached, or refused
 * for a reason that is the node's own (incompatible, invalid NodeInfo), it
 * is done. Every bound drops what exceeds it and counts it.
 */
export class CrawlGraph {
  private readonly nodes = new Map<NodeID, NodeRecord>();
  private readonly frontier = new RingBuffer<NodeRecord>();
  private readonly edgeKeys = new Set<string>();
  private readonly edgeList: CrawlEdge[] = [];
  private queuedCount = 0;
  private readonly counters: Counters = {
    dials: 0,
    responses: 0,
    addressesReceived: 0,
    addressesAccepted: 0,
    droppedOverResponseLimit: 0,
    droppedOverNodeLimit: 0,
    droppedOverAddressLimit: 0,
    droppedOverEdgeLimit: 0,
    invalidAddresses: 0,
    unusableAddresses: 0,
    duplicateAddresses: 0,
    ignoredMessages: 0,
  };

  constructor(
    private readonly limits: CrawlGraphLimits,
    /** Our own ID: never recorded as a node. */
    private readonly selfId?: NodeID,
  ) {}

  /** Nodes waiting to be dialed. */
  get queued(): number {
    return this.queuedCount;
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Adds a seed: always dialable, whatever its scope. Ignored past `maxNodes` (options keep seeds within it). */
  addSeed(address: NodeAddress): void {
    if (address.nodeId === this.selfId) return;
    const record = this.nodes.get(address.nodeId) ?? this.create(address.nodeId);
    if (record === undefined) return;
    record.seed = true;
    this.addAddress(record, address, formatHostPort(address.hostname, address.port), true);
  }

  /** The next dial, breadth first; undefined when nothing is queued. */
  next(): DialTarget | undefined {
    for (let record = this.frontier.shift(); record !== undefined; record = this.frontier.shift()) {
      if (record.phase !== 'queued') continue;
      this.queuedCount--;
      const entry = record.addresses.find((a) => a.dialable && !a.tried);
      if (entry === undefined) {
        record.phase = 'idle';
        continue;
      }
      entry.tried = true;
      record.phase = 'dialing';
      record.lastHostPort = entry.hostPort;
      this.counters.dials++;
      return { nodeId: record.nodeId, address: entry.address, hostPort: entry.hostPort };
    }
    return undefined;
  }

  /** The node answered the handshake at `target` with a valid NodeInfo of our network. */
  reached(target: DialTarget, nodeInfo: NodeInfo): void {
    const record = this.dialing(target);
    record.reached = true;
    record.dialed = true;
    record.phase = 'done';
    record.error = undefined;
    record.nodeInfo = crawledNodeInfo(nodeInfo);
  }

  /**
   * The dial of `target` failed. `final` when the node itself was reached
   * and refused (incompatible, invalid NodeInfo): its other addresses are not
   * tried. Otherwise its next untried address, if any, is queued.
   */
  unreached(target: DialTarget, kind: CrawlErrorKind, message: string, options: { final?: boolean; nodeInfo?: NodeInfo } = {}): void {
    const record = this.dialing(target);
    record.dialed = true;
    record.error = { kind, message };
    if (options.nodeInfo !== undefined) record.nodeInfo = crawledNodeInfo(options.nodeInfo);
    if (options.final) record.phase = 'done';
    else this.requeue(record);
  }

  /** The crawl ended while `target` was being dialed: as if it had not been (unless it was reached already). */
  interrupted(target: DialTarget): void {
    const record = this.nodes.get(target.nodeId);
    if (record === undefined || record.phase !== 'dialing') return;
    const entry = record.addresses.find((a) => a.hostPort === target.hostPort);
    if (entry !== undefined) entry.tried = false;
    record.interrupted = true;
    record.phase = 'idle';
  }

  /** A message that was not the answer we waited for. */
  ignoredMessage(): void {
    this.counters.ignoredMessages++;
  }

  /** A reached node's PEX outcome without addresses (no channel, timeout, closed, invalid, interrupted). */
  pexFailed(from: NodeID, outcome: Exclude<PexOutcome, 'answered'>): void {
    const record = this.nodes.get(from);
    if (record !== undefined) record.pex = { outcome, received: 0, accepted: 0 };
  }

  /**
   * Records a reached node's PexAddrs answer: the first
   * `maxAddressesPerResponse` entries are checked as the PEX reactor checks
   * them (malformed and unusable ones are counted and skipped); each valid
   * one adds an edge, records its node (up to `maxNodes`) and the address
   * (up to `maxAddressesPerNode`), and queues the node if it has a new
   * address to try. `peerScope` is the scope of the IP we reached `from` at,
   * for the privateAddresses policy. Returns how many entries were accepted.
   */
  answered(from: NodeID, entries: readonly WireAddress[], peerScope: IPScope): number {
    const counters = this.counters;
    counters.responses++;
    counters.addressesReceived += entries.length;
    const take = Math.min(entries.length, this.limits.maxAddressesPerResponse);
    counters.droppedOverResponseLimit += entries.length - take;
    const seen = new Set<string>();
    let accepted = 0;
    for (let i = 0; i < take; i++) {
      const verdict = parseNetAddress(entries[i]!);
      if (verdict.kind === 'invalid') {
        counters.invalidAddresses++;
        continue;
      }
      if (verdict.kind === 'unusable' || verdict.address.nodeId === this.selfId) {
        counters.unusableAddresses++;
        continue;
      }
      const { address, ip } = verdict;
      const hostPort = formatHostPort(ip, address.port);
      const to = `${address.nodeId}@${hostPort}`;
      if (seen.has(to)) {
        counters.duplicateAddresses++;
        continue;
      }
      seen.add(to);
      const record = this.nodes.get(address.nodeId) ?? this.create(address.nodeId);
      if (record === undefined) {
        counters.droppedOverNodeLimit++;
        continue;
      }
      accepted++;
      this.addEdge(from, to, address.nodeId);
      this.addAddress(record, address, hostPort, privateAddressAllowed(this.limits.privateAddresses, ip, peerScope));
    }
    counters.addressesAccepted += accepted;
    const fromRecord = this.nodes.get(from);
    if (fromRecord !== undefined) fromRecord.pex = { outcome: 'answered', received: entries.length, accepted };
    return accepted;
  }

  stats(): CrawlStats {
    return { ...this.counters };
  }

  edges(): CrawlEdge[] {
    return [...this.edgeList];
  }

  /** Every node as it stands, seeds first, then in the order first heard of. */
  crawledNodes(): CrawledNode[] {
    return [...this.nodes.values()].map((r) => this.describe(r));
  }

  private describe(r: NodeRecord): CrawledNode {
    let status: CrawledNode['status'];
    let error = r.error;
    if (r.reached) status = 'reachable';
    else if (r.dialed) status = 'unreachable';
    else if (!r.addresses.some((a) => a.dialable)) {
      status = 'skipped';
      error = { kind: 'private-address', message: `its addresses (${r.addresses.map((a) => a.hostPort).join(', ')}) are private to the nodes that advertised them` };
    } else {
      status = 'not-dialed';
      if (r.interrupted) error = { kind: 'interrupted', message: 'the crawl ended while it was being dialed' };
    }
    return {
      nodeId: r.nodeId,
      status,
      seed: r.seed,
      addresses: r.addresses.map((a) => a.hostPort),
      ...(r.lastHostPort !== undefined && r.dialed ? { address: r.lastHostPort } : {}),
      ...(status !== 'reachable' && error !== undefined ? { error: { ...error } } : {}),
      ...(r.nodeInfo !== undefined ? { nodeInfo: r.nodeInfo } : {}),
      ...(r.pex !== undefined ? { pex: { ...r.pex } } : {}),
    };
  }

  private create(nodeId: NodeID): NodeRecord | undefined {
    if (this.nodes.size >= this.limits.maxNodes) return undefined;
    const record: NodeRecord = { nodeId, seed: false, addresses: [], phase: 'idle', reached: false, dialed: false, interrupted: false };
    this.nodes.set(nodeId, record);
    return record;
  }

  private addAddress(record: NodeRecord, address: NodeAddress, hostPort: string, dialable: boolean): void {
    if (!record.addresses.some((a) => a.hostPort === hostPort)) {
      if (record.addresses.length >= this.limits.maxAddressesPerNode) {
        this.counters.droppedOverAddressLimit++;
        return;
      }
      record.addresses.push({ address, hostPort, dialable, tried: false });
    }
    if (record.phase === 'idle' && !record.reached) this.requeue(record);
  }

  private requeue(record: NodeRecord): void {
    if (record.addresses.some((a) => a.dialable && !a.tried)) {
      record.phase = 'queued';
      this.queuedCount++;
      this.frontier.push(record);
    } else {
      record.phase = 'idle';
    }
  }

  private addEdge(from: NodeID, to: string, toNodeId: NodeID): void {
    const key = `${from}>${to}`;
    if (this.edgeKeys.has(key)) return;
    if (this.edgeList.length >= this.limits.maxEdges) {
      this.counters.droppedOverEdgeLimit++;
      return;
    }
    this.edgeKeys.add(key);
    this.edgeList.push({ from, to, toNodeId });
  }

  private dialing(target: DialTarget): NodeRecord {
    const record = this.nodes.get(target.nodeId);
    if (record === undefined || record.phase !== 'dialing') throw new Error(`crawl graph: ${target.nodeId} is not being dialed`);
    return record;
  }
}
