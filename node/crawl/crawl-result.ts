import type { NodeID } from '../../framework/identity/node-id.js';
import type { ProtocolVersion } from '../../framework/identity/node-info.js';

/**
 * What became of a node:
 * - `reachable`: the handshake succeeded and its NodeInfo is valid and of our network (see `pex` for its answer);
 * - `unreachable`: dialed, never reached (`error` says why, from the last address tried);
 * - `skipped`: never dialed because none of its addresses may be (a private address from a public node);
 * - `not-dialed`: the crawl ended (duration, abort) before it was dialed, or while it was.
 */
export type CrawlNodeStatus = 'reachable' | 'unreachable' | 'skipped' | 'not-dialed';

/**
 * Why a node was not reached, by kind:
 * `dns` (a seed's host name did not resolve), `timeout` (TCP connect deadline), `refused`
 * (ECONNREFUSED), `unreachable` (no route: EHOSTUNREACH, ENETUNREACH, …), `dial-failed` (any other
 * TCP error), `handshake-timeout`, `handshake-failed` (SecretConnection or NodeInfo exchange
 * broke, or the node hung up during it), `wrong-node-id` (another node answers at that address),
 * `invalid-node-info` (its NodeInfo breaks CometBFT's rules), `incompatible` (another network or
 * block version: its NodeInfo is recorded), `self` (the address is our own), `private-address`
 * (skipped by the `privateAddresses` policy), `interrupted` (the crawl ended first).
 */
export type CrawlErrorKind =
  | 'dns'
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'dial-failed'
  | 'handshake-timeout'
  | 'handshake-failed'
  | 'wrong-node-id'
  | 'invalid-node-info'
  | 'incompatible'
  | 'self'
  | 'private-address'
  | 'interrupted';

/**
 * How a reachable node answered our one PexRequest: `answered` (a PexAddrs), `no-pex-channel` (its
 * NodeInfo lists no channel 0x00, so it was not asked), `timeout` (no answer within
 * `pexTimeoutMs`), `closed` (it hung up or broke the connection first), `invalid` (its answer did
 * not decode), `interrupted` (the crawl ended first).
 */
export type PexOutcome = 'answered' | 'no-pex-channel' | 'timeout' | 'closed' | 'invalid' | 'interrupted';

/** A node's NodeInfo as it sent it (strings are the peer's own: escape them before printing to a terminal). */
export interface CrawledNodeInfo {
  readonly moniker: string;
  /** Software version, e.g. "0.38.17". */
  readonly version: string;
  /** Chain ID. */
  readonly network: string;
  /** Channel IDs it advertises. */
  readonly channels: readonly number[];
  /** Its self-reported `listen_addr`, e.g. "tcp://0.0.0.0:26656". */
  readonly listenAddr: string;
  readonly protocolVersion: ProtocolVersion;
  readonly txIndex: string;
  readonly rpcAddress: string;
}

export interface CrawledNode {
  readonly nodeId: NodeID;
  readonly status: CrawlNodeStatus;
  /** Given as a seed (rather than learned through PEX). */
  readonly seed: boolean;
  /** The `host:port`s heard for it (seed address, PexAddrs entries), deduplicated, in the order heard (at most `maxAddressesPerNode`). */
  readonly addresses: readonly string[];
  /** The `host:port` it answered on (reachable), else the last one dialed. */
  readonly address?: string;
  /** Why it is not reachable; absent when it is. */
  readonly error?: { readonly kind: CrawlErrorKind; readonly message: string };
  /** Its NodeInfo, when its handshake got that far (reachable or incompatible nodes). */
  readonly nodeInfo?: CrawledNodeInfo;
  /** Its answer to our PexRequest (reachable nodes). `received` counts the entries it sent, `accepted` those recorded. */
  readonly pex?: { readonly outcome: PexOutcome; readonly received: number; readonly accepted: number };
}

/** One entry of a node's PexAddrs answer: `from` advertised `to` (`id@ip:port`, as it was on the wire after validation). */
export interface CrawlEdge {
  readonly from: NodeID;
  readonly to: string;
  readonly toNodeId: NodeID;
}

/** Counters of the whole crawl. Every dropped address or edge is counted under its reason. */
export interface CrawlStats {
  /** Dial attempts (one per address tried). */
  readonly dials: number;
  /** PexAddrs answers received. */
  readonly responses: number;
  /** Entries in those answers, before any bound. */
  readonly addressesReceived: number;
  /** Entries recorded (as an edge to a recorded node). */
  readonly addressesAccepted: number;
  /** Entries beyond `maxAddressesPerResponse` in an answer. */
  readonly droppedOverResponseLimit: number;
  /** Entries naming a new node after `maxNodes` nodes were recorded. */
  readonly droppedOverNodeLimit: number;
  /** New addresses of a node that already had `maxAddressesPerNode`. */
  readonly droppedOverAddressLimit: number;
  /** Edges not recorded because `maxEdges` were. */
  readonly droppedOverEdgeLimit: number;
  /** Malformed entries (node ID not 40 hex digits, ip not an IP literal, port > 65535). */
  readonly invalidAddresses: number;
  /** Well-formed entries no one can dial (port 0, unspecified IP), or our own ID. */
  readonly unusableAddresses: number;
  /** Entries repeated within one answer. */
  readonly duplicateAddresses: number;
  /** Messages received while waiting for an answer that were not the answer (other channels, PexRequests). */
  readonly ignoredMessages: number;
}

/** What `crawl()` resolves with; `JSON.stringify` gives what `tmp2p crawl --json` prints. */
export interface CrawlResult {
  readonly network: string;
  /** The identity we crawled with. */
  readonly crawler: { readonly nodeId: NodeID; readonly moniker: string };
  /** ISO time the crawl started. */
  readonly startedAt: string;
  readonly elapsedMs: number;
  /** `complete`: nothing was left to dial; `duration`: the time was up first; `aborted`: the signal fired. */
  readonly finished: 'complete' | 'duration' | 'aborted';
  readonly stats: CrawlStats;
  /** Seeds first, then in the order they were first heard of. */
  readonly nodes: readonly CrawledNode[];
  readonly edges: readonly CrawlEdge[];
}
