import { isIP } from 'node:net';
import { canonicalIP, isScopeVisibleTo, type IPScope } from '../../framework/address/ip.js';
import { hostScope } from '../../framework/peer/advertise.js';
import { NodeAddress, type HostLookup } from '../../framework/address/node-address.js';
import { isNetworked } from '../../framework/address/endpoint.js';
import { DEFAULT_PROTOCOL } from '../../framework/address/node-address.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import { NetAddress } from './pex-channel.js';
import type { PrivateAddressPolicy } from './options.js';

/**
 * Protocols a CometBFT v0.38 peer can dial from a `NetAddress` (it has no
 * protocol field: every entry means MConnection over TCP).
 */
export const WIRE_PROTOCOLS: readonly string[] = ['mconn', 'tcp'];

const NODE_ID_ANY_CASE_RE = /^[0-9a-fA-F]{40}$/;
const MAPPED_V4_RE = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

/**
 * The text of an IP literal as Go's `net.ParseIP` accepts and `IP.String()`
 * prints it: no IPv6 zone (Go rejects "fe80::1%eth0"), IPv4-mapped IPv6 as
 * dotted IPv4, IPv6 in RFC 5952 form. Undefined for anything else.
 */
export function wireIP(ip: string): string | undefined {
  if (typeof ip !== 'string' || ip.includes('%') || isIP(ip) === 0) return undefined;
  const canonical = canonicalIP(ip);
  if (canonical === undefined) return undefined;
  return MAPPED_V4_RE.exec(canonical)?.[1] ?? canonical;
}

/**
 * IPs CometBFT's `NetAddress.Valid()` refuses (its address book drops them
 * silently): unspecified, IPv4 broadcast, and the IPv6 documentation range.
 */
export function isUndialableIP(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '255.255.255.255' || ip.startsWith('2001:db8:');
}

/** The verdict on one received `NetAddress`. */
export type NetAddressVerdict =
  /** Well-formed and dialable; `ip` is its IP in wire form. */
  | { readonly kind: 'valid'; readonly address: NodeAddress; readonly ip: string }
  /** Well-formed but of no use (port 0, unspecified IP); CometBFT drops these silently too. */
  | { readonly kind: 'unusable'; readonly reason: string }
  /** Malformed: CometBFT disconnects and bans the sender for these (or can never produce them). */
  | { readonly kind: 'invalid'; readonly reason: string };

const shown = (value: unknown): string => {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
};

/**
 * Checks a received `NetAddress{id, ip, port}` the way CometBFT's
 * `NetAddressFromProto` does (ip must be an IP literal, port < 65536) plus a
 * node ID check (40 hex digits; upper case is lowered, since CometBFT
 * accepts it). Port 0 and unspecified IPs are unusable, not invalid: a
 * CometBFT node may gossip them (e.g. a listen address "127.0.0.1:0") and
 * must not be banned for it.
 */
export function parseNetAddress(pb: { id?: string | null; ip?: string | null; port?: number | null }): NetAddressVerdict {
  const id = pb.id ?? '';
  const rawIp = pb.ip ?? '';
  const port = pb.port ?? 0;
  if (!NODE_ID_ANY_CASE_RE.test(id)) return { kind: 'invalid', reason: `node ID ${shown(id)} is not 40 hex characters` };
  const ip = wireIP(rawIp);
  if (ip === undefined) return { kind: 'invalid', reason: `ip ${shown(rawIp)} is not an IP literal (hostnames and IPv6 zones are not allowed)` };
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { kind: 'invalid', reason: `port ${port} is out of range 0-65535` };
  if (port === 0) return { kind: 'unusable', reason: 'port 0' };
  if (isUndialableIP(ip)) return { kind: 'unusable', reason: `ip ${ip} cannot be dialed` };
  const address = new NodeAddress({ nodeId: id.toLowerCase() as NodeID, protocol: DEFAULT_PROTOCOL, hostname: ip, port });
  return { kind: 'valid', address, ip };
}

export interface ToNetAddressesOptions {
  /** Most entries returned (a hostname may expand to several). */
  readonly max: number;
  /** Aborts pending DNS lookups; their addresses are skipped. */
  readonly signal?: AbortSignal;
  /** Default: the OS resolver (see `NodeAddress.resolve`). */
  readonly lookup?: HostLookup;
  /** Protocols a receiver can dial. Default WIRE_PROTOCOLS. */
  readonly protocols?: readonly string[];
}

export interface NetAddressConversion {
  readonly addrs: NetAddress[];
  /** Addresses that cannot go on the wire: in-process (memory), other protocols, no port, unresolvable, undialable IP. */
  readonly skipped: number;
}

/**
 * Turns addresses into `NetAddress` entries that a CometBFT v0.38 node
 * accepts: IP literals only (hostnames are resolved, one entry per distinct
 * IP), a port, a TCP-based protocol. Non-networked addresses (the memory
 * transport's `memory:<id>`) cannot be expressed in this format at all and
 * are skipped. Never rejects: an address that fails to resolve is skipped.
 */
export async function toNetAddresses(addresses: readonly NodeAddress[], options: ToNetAddressesOptions): Promise<NetAddressConversion> {
  const protocols = options.protocols ?? WIRE_PROTOCOLS;
  let skipped = 0;
  const resolved = await Promise.all(
    addresses.map(async (address) => {
      if (address.hostname === '' || address.port === 0 || !protocols.includes(address.protocol)) return undefined;
      try {
        return { address, endpoints: await address.resolve({ signal: options.signal, lookup: options.lookup }) };
      } catch {
        return undefined; // unresolvable names are simply not advertised
      }
    }),
  );
  const addrs: NetAddress[] = [];
  const seen = new Set<string>();
  for (const entry of resolved) {
    if (entry === undefined) {
      skipped++;
      continue;
    }
    let usable = 0;
    for (const endpoint of entry.endpoints) {
      const ip = isNetworked(endpoint) ? wireIP(endpoint.ip as string) : undefined;
      if (ip === undefined || isUndialableIP(ip)) continue;
      const key = `${entry.address.nodeId}@${ip}:${entry.address.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      usable++;
      if (addrs.length < options.max) addrs.push(NetAddress.create({ id: entry.address.nodeId, ip, port: entry.address.port }));
    }
    if (usable === 0) skipped++;
  }
  return { addrs, skipped };
}

/**
 * A peer's self-reported listen address (NodeInfo `listen_addr`, e.g.
 * "tcp://0.0.0.0:26656") as a dialable address, or undefined when it has
 * none. An unspecified host is replaced by `remoteIp` (the IP the peer
 * connected from) when known; port 0 means "not listening".
 */
export function listenAddress(nodeId: NodeID, listenAddr: string, remoteIp?: string): NodeAddress | undefined {
  if (typeof listenAddr !== 'string' || listenAddr === '') return undefined;
  let parsed: NodeAddress;
  try {
    parsed = NodeAddress.parse(`${nodeId}@${listenAddr.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`);
  } catch {
    return undefined;
  }
  if (parsed.hostname === '' || parsed.port === 0) return undefined;
  let hostname = parsed.hostname;
  const ip = wireIP(hostname);
  if (ip !== undefined && isUndialableIP(ip)) {
    const remote = remoteIp === undefined ? undefined : wireIP(remoteIp);
    if (remote === undefined || isUndialableIP(remote)) return undefined;
    hostname = remote;
  }
  return new NodeAddress({ nodeId, protocol: DEFAULT_PROTOCOL, hostname, port: parsed.port });
}

/**
 * Whether an address on `host` (IP or DNS name) learned from a peer whose
 * own IP has scope `peerScope` may be kept under `policy`. Unroutable IPs
 * never; public ones always; loopback, link-local and private ones per the
 * policy — with "from-private-peers" only when they mean the same host to us
 * as to the peer (a 10.x address from a peer on a 10.x or loopback IP,
 * 127.0.0.1 only from a peer on loopback).
 */
export function privateAddressAllowed(policy: PrivateAddressPolicy, host: string, peerScope: IPScope): boolean {
  const scope = hostScope(host);
  if (scope === 'unroutable') return false;
  if (policy === 'accept' || scope === 'public') return true;
  return policy === 'from-private-peers' && isScopeVisibleTo(scope, peerScope);
}
