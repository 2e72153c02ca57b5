import type { NodeID } from '../../../framework/identity/node-id.js';
import type { EchoCounts } from './echo-ledger.js';
import type { JournalEntry } from './peer-journal.js';
import type { ProcessSample } from './process-sample.js';

/*
 * What the soak's conductor and a node host (one child process per node)
 * say to each other over the IPC channel: every request carries an id, and
 * the host answers it once, with a value or an error.
 */

/** Everything a host needs to run its node, and to run it again after a restart. */
export interface HostSpec {
  readonly index: number;
  /** The node key is NodeKey.fromSecret(keySecret): the conductor knows every node ID before any node starts. */
  readonly keySecret: string;
  /** The P2P port on 127.0.0.1; a restart listens on it again. */
  readonly port: number;
  /** Every other node, "id@127.0.0.1:port": persistent peers, and the only peers pinged. */
  readonly peers: readonly string[];
  readonly echoIntervalMs: number;
  /** Per-IP limits allow this many connections and handshakes from one IP: the honest nodes all dial from 127.0.0.1. */
  readonly honestFromOneIp: number;
}

export type HostRequest =
  | { readonly op: 'start'; readonly spec: HostSpec }
  | { readonly op: 'restart' }
  | { readonly op: 'peer-restarting'; readonly nodeId: NodeID }
  | { readonly op: 'peer-back'; readonly nodeId: NodeID }
  | { readonly op: 'traffic'; readonly on: boolean }
  | { readonly op: 'sample' }
  | { readonly op: 'peers' }
  | { readonly op: 'report' }
  | { readonly op: 'stop' };

/** Cheap to ask often (no garbage collection): how many honest peers the node has, while the conductor waits for the mesh. */
export interface HostPeers {
  readonly running: boolean;
  readonly honestPeers: number;
  /** Honest peers that went up or down so far: unchanged across polls means the mesh is settled. */
  readonly honestChanges: number;
}

export interface StartedNode {
  readonly nodeId: NodeID;
  readonly statusUrl: string;
}

/** One sample of a node host: its process, and what its node holds. */
export interface HostSample extends ProcessSample {
  /** Honest peers connected (of nodes - 1), and every peer the router has (attackers included). */
  readonly honestPeers: number;
  readonly peers: number;
  /** Addresses the PeerManager keeps (bounded by p2p.max_peers). */
  readonly knownPeers: number;
  /** Echo pings in flight. */
  readonly pending: number;
  /** False while the node restarts (its figures are then 0). */
  readonly running: boolean;
}

export interface HostReport {
  readonly nodeId: NodeID;
  readonly echo: EchoCounts;
  readonly restarts: number;
  /** The node's p2p.max_peers: the bound on the addresses its PeerManager keeps. */
  readonly maxPeers: number;
  /** What the node noticed of the attacks, summed over its restarts: inbound refusals by reason, peer errors, buffered messages discarded. */
  readonly seen: {
    readonly accepted: number;
    /** Connections replaced because both ends dialed at once (the router keeps the one the lower node ID dialed). */
    readonly duplicatesReplaced: number;
    readonly rejectedInbound: Readonly<Record<string, number>>;
    readonly peerErrors: number;
    readonly peerErrorsNotLogged: number;
    readonly departedPeerDrops: Readonly<Record<string, number>>;
    readonly loopErrors: Readonly<Record<string, number>>;
  };
  /** Log volume at info level: lines and bytes by level. */
  readonly log: { readonly lines: number; readonly bytes: number; readonly byLevel: Readonly<Record<string, number>> };
  /** The last events the node saw of its honest peers (see PeerJournal). */
  readonly journal: readonly JournalEntry[];
}

export type HostReply = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: { name: string; message: string } };
