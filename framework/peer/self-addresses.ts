import { canonicalIP } from '../address/ip.js';
import type { NodeAddress } from '../address/node-address.js';
import { isErrorNamed } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';

/** Bound on host:ports learned at run time; a node has a handful, this only guards a runaway. */
export const MAX_LEARNED_SELF_ADDRESSES = 256;

const MAPPED_V4_RE = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

/**
 * The `host|port` key of a networked address with a port, or undefined.
 * IPv6 is compared in canonical form and IPv4-mapped IPv6 as IPv4, so every
 * spelling of one place gives one key; the protocol is ignored (mconn and
 * tcp reach the same listener).
 */
function placeKey(address: NodeAddress): string | undefined {
  if (address.hostname === '' || address.port === 0) return undefined;
  const ip = canonicalIP(address.hostname);
  const host = ip === undefined ? address.hostname : (MAPPED_V4_RE.exec(ip)?.[1] ?? ip);
  return `${host}|${address.port}`;
}

/**
 * What counts as this node: its own node ID, and every host:port it is
 * reached at — the configured external and listen addresses, plus any
 * address a dial proved to lead back here. An address at one of those
 * places is this node whatever node ID it carries (a stale record of a
 * node that used to live there, or gossip naming us under another ID):
 * dialing it can only reach ourselves. CometBFT tracks only `id@ip:port`
 * (its addrbook notes the gap); tracking the place as well closes it.
 */
export class SelfAddresses {
  private readonly configured = new Set<string>();
  private readonly learned = new Set<string>();

  constructor(
    readonly selfId: NodeID,
    addresses: Iterable<NodeAddress>,
  ) {
    for (const address of addresses) {
      const key = placeKey(address);
      if (key !== undefined) this.configured.add(key);
    }
  }

  /** Whether `address` is this node: our node ID, or one of our places. */
  has(address: NodeAddress): boolean {
    if (address.nodeId === this.selfId) return true;
    const key = placeKey(address);
    return key !== undefined && (this.configured.has(key) || this.learned.has(key));
  }

  /**
   * Records that `address`'s place leads to this node. Returns false when it
   * was known already, has no place (memory, no port) or the bound is reached.
   */
  learn(address: NodeAddress): boolean {
    const key = placeKey(address);
    if (key === undefined || this.configured.has(key) || this.learned.has(key)) return false;
    if (this.learned.size >= MAX_LEARNED_SELF_ADDRESSES) return false;
    this.learned.add(key);
    return true;
  }

  /** Places known: configured plus learned. */
  get size(): number {
    return this.configured.size + this.learned.size;
  }
}

/**
 * Whether a dial error shows that the dialed address reached this very node:
 * the remote authenticated with our key (`DialedIdMismatchError` naming our
 * ID, or `SelfConnectionError`).
 */
export function dialReachedSelf(error: unknown, selfId: NodeID): boolean {
  if (isErrorNamed(error, 'SelfConnectionError')) return true;
  return isErrorNamed(error, 'DialedIdMismatchError') && (error as { authenticatedNodeId?: unknown }).authenticatedNodeId === selfId;
}
