import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { createNode } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { NodeKey } from '../../../framework/identity/node-key.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { NodeAddress } from '../../../framework/address/node-address.js';
import type { RouterMetricsSnapshot } from '../../../framework/router/metrics.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { EchoLedger } from './echo-ledger.js';
import { PeerJournal } from './peer-journal.js';
import { sampleProcess } from './process-sample.js';
import type { HostPeers, HostReport, HostSample, HostSpec, StartedNode } from './host-protocol.js';

/** Counts what a real pino logger writes, without keeping it: an hour of logs must not be the memory the soak measures. */
class CountingSink extends Writable {
  lines = 0;
  bytes = 0;
  readonly byLevel: Record<string, number> = {};

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    const text = chunk.toString();
    this.bytes += Buffer.byteLength(text);
    for (const match of text.matchAll(/"level":(\d+)/g)) {
      this.lines++;
      const level = pino.levels.labels[Number(match[1])] ?? match[1]!;
      this.byLevel[level] = (this.byLevel[level] ?? 0) + 1;
    }
    done();
  }
}

type Seen = HostReport['seen'];

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/**
 * One soak node in its own process: a tmp2p node on loopback TCP with the
 * echo and PEX reactors at their defaults (echo's own broadcast slowed to
 * once an hour), restarted in place on request — the same process, key and
 * port, so a leak across restarts shows in the process's samples — and the
 * honest traffic: every `echoIntervalMs` one ping to each honest peer, each
 * matched with its pong by the EchoLedger.
 */
export class SoakNodeHost {
  private node?: Node;
  private spec?: HostSpec;
  private key?: NodeKey;
  private honest = new Set<NodeID>();
  private ledger?: EchoLedger;
  private subscriptions: Subscription[] = [];
  private ticker?: NodeJS.Timeout;
  private trafficOn = false;
  private restarts = 0;
  private maxPeers = 0;
  private honestChanges = 0;
  private readonly sink = new CountingSink();
  private readonly journal = new PeerJournal();
  private readonly logger = pino({ level: 'info', base: null }, this.sink);
  private readonly seenBefore = { accepted: 0, duplicatesReplaced: 0, rejectedInbound: {}, peerErrors: 0, peerErrorsNotLogged: 0, departedPeerDrops: {}, loopErrors: {} } as {
    accepted: number;
    duplicatesReplaced: number;
    rejectedInbound: Record<string, number>;
    peerErrors: number;
    peerErrorsNotLogged: number;
    departedPeerDrops: Record<string, number>;
    loopErrors: Record<string, number>;
  };

  async start(spec: HostSpec): Promise<StartedNode> {
    this.spec = spec;
    this.key = NodeKey.fromSecret(spec.keySecret);
    this.honest = new Set(spec.peers.map((p) => NodeAddress.parse(p).nodeId!));
    this.ledger = new EchoLedger(String(spec.index));
    const node = await this.boot();
    this.ticker = setInterval(() => this.tick(), spec.echoIntervalMs);
    return { nodeId: node.nodeId, statusUrl: node.statusUrl! };
  }

  /** Stops the node and starts it again in this process with the same key, port and config. */
  async restart(): Promise<StartedNode> {
    const old = this.node!;
    this.node = undefined;
    this.unsubscribe();
    this.ledger!.selfRestarting();
    for (const peer of this.honest) this.journal.add(peer, 'this node restarts');
    this.accumulate(old.router.metrics());
    this.restarts++;
    await old.stop();
    const node = await this.boot();
    return { nodeId: node.nodeId, statusUrl: node.statusUrl! };
  }

  peerRestarting(nodeId: NodeID): void {
    this.journal.add(nodeId, 'told: the peer restarts');
    this.ledger!.peerRestarting(nodeId);
  }

  peerBack(nodeId: NodeID): void {
    this.journal.add(nodeId, 'told: the peer is back');
    this.ledger!.peerBack(nodeId);
  }

  traffic(on: boolean): void {
    this.trafficOn = on;
  }

  sample(): HostSample {
    const process = sampleProcess();
    const node = this.node;
    const peers = node?.peers() ?? [];
    return {
      ...process,
      running: node !== undefined,
      honestPeers: peers.filter((p) => this.honest.has(p)).length,
      peers: peers.length,
      knownPeers: node?.peerManager.snapshot().length ?? 0,
      pending: this.ledger?.pending ?? 0,
    };
  }

  peers(): HostPeers {
    const node = this.node;
    return { running: node !== undefined, honestPeers: node?.peers().filter((p) => this.honest.has(p)).length ?? 0, honestChanges: this.honestChanges };
  }

  report(): HostReport {
    const seen = { ...this.seenBefore, rejectedInbound: { ...this.seenBefore.rejectedInbound }, departedPeerDrops: { ...this.seenBefore.departedPeerDrops }, loopErrors: { ...this.seenBefore.loopErrors } };
    if (this.node) this.accumulate(this.node.router.metrics(), seen);
    return {
      nodeId: this.key!.nodeId,
      echo: structuredClone(this.ledger!.counts),
      restarts: this.restarts,
      maxPeers: this.maxPeers,
      seen,
      log: { lines: this.sink.lines, bytes: this.sink.bytes, byLevel: { ...this.sink.byLevel } },
      journal: this.journal.list(),
    };
  }

  /** Writes off what is still in flight (the conductor waited for it) and stops the node. */
  async stop(): Promise<HostReport> {
    if (this.ticker) clearInterval(this.ticker);
    this.ledger?.close();
    const report = this.report();
    this.unsubscribe();
    await this.node?.stop();
    this.node = undefined;
    return report;
  }

  private tick(): void {
    const node = this.node;
    if (!this.trafficOn || node === undefined) return;
    const echo = node.reactor(EchoReactor);
    for (const peer of node.peers()) {
      if (this.honest.has(peer)) this.ledger!.ping(peer, (to, content) => echo.pingPeer(to, content));
    }
  }

  private async boot(): Promise<Node> {
    const spec = this.spec!;
    const values = {
      moniker: `soak-${spec.index}`,
      log_level: 'info',
      p2p: {
        laddr: `tcp://127.0.0.1:${spec.port}`,
        persistent_peers: spec.peers.join(','),
        // The honest nodes all dial from 127.0.0.1 (the attackers from other loopback addresses); a
        // restarted peer's new connections may overlap its old ones for a moment, hence twice as many.
        max_concurrent_inbound_handshakes_per_ip: Math.max(4, 2 * spec.honestFromOneIp),
        max_retry_time_persistent: '2s',
      },
      gating: { per_ip: { max_connections: Math.max(4, 2 * spec.honestFromOneIp) } },
      status: { laddr: '127.0.0.1:0' },
      reactors: { enabled: ['pex', 'echo'], echo: { ping_interval: '1h' } },
    };
    // The port was free a moment ago (its own node just let go of it); retry briefly if the OS is slow to release it.
    for (let attempt = 1; ; attempt++) {
      try {
        const node = await createNode({ values }, { nodeKey: this.key, logger: this.logger });
        this.node = node;
        this.maxPeers = node.config.p2p.maxPeers;
        this.subscribe(node);
        return node;
      } catch (error) {
        if (attempt >= 10 || (error as Error).name !== 'ListenAddressError') throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  private subscribe(node: Node): void {
    const ledger = this.ledger!;
    const reasons = new Map<NodeID, string>();
    this.subscriptions.push(
      node.events$.subscribe((event) => {
        this.journalEvent(event);
        if (event.type === 'peer-down' && this.honest.has(event.nodeId)) reasons.set(event.nodeId, event.reason ? `${event.reason.name}: ${event.reason.message}` : 'no reason given');
        // After peerUpdates$' "up": a down the ledger still holds is settled by how the peer came back.
        if (event.type === 'peer-up' && this.honest.has(event.nodeId)) ledger.peerUp(event.nodeId, event.afterSimultaneousDial === true);
      }),
      node.peerUpdates$.subscribe((update) => {
        if (!this.honest.has(update.nodeId)) return;
        this.honestChanges++;
        if (update.status !== 'down') return;
        ledger.peerDown(update.nodeId, reasons.get(update.nodeId));
        reasons.delete(update.nodeId);
      }),
      node.reactor(EchoReactor).roundTrips$.subscribe((rt) => ledger.answer(rt.peer, rt.content)),
    );
  }

  /** Journals the router's events about honest peers (see PeerJournal). */
  private journalEvent(event: RouterEvent): void {
    const describe = (error: Error | undefined) => (error ? `${error.name}: ${error.message}` : 'no reason given');
    if (event.type === 'peer-up' && this.honest.has(event.nodeId)) {
      this.journal.add(event.nodeId, `up (${event.direction}${event.afterSimultaneousDial ? ', after a simultaneous dial' : ''})`);
    } else if (event.type === 'peer-down' && this.honest.has(event.nodeId)) {
      this.journal.add(event.nodeId, `down: ${describe(event.reason)}`);
    } else if (event.type === 'peer-error' && this.honest.has(event.nodeId)) {
      this.journal.add(event.nodeId, `${event.fatal ? 'fatal ' : ''}peer error: ${describe(event.error)}`);
    } else if (event.type === 'dial-failed') {
      for (const peer of this.honest) if (event.address.includes(peer)) this.journal.add(peer, `dial failed: ${describe(event.error)}`);
    }
  }

  private unsubscribe(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
  }

  private accumulate(metrics: RouterMetricsSnapshot, into: Seen & typeof this.seenBefore = this.seenBefore): void {
    into.accepted += metrics.accepted;
    into.duplicatesReplaced += (metrics.duplicateConnections?.['replaced'] ?? 0) + (metrics.duplicateConnections?.['promoted'] ?? 0);
    into.peerErrors += metrics.peerErrors;
    into.peerErrorsNotLogged += metrics.peerErrorsNotLogged ?? 0;
    addCounts(into.rejectedInbound, metrics.rejectedInbound);
    addCounts(into.departedPeerDrops, metrics.departedPeerDrops);
    addCounts(into.loopErrors, metrics.loopErrors);
  }
}
