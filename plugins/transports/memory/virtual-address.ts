import { isIP } from 'node:net';
import { canonicalIP } from '../../../framework/address/ip.js';
import type { Endpoint } from '../../../framework/address/endpoint.js';
import { InvalidVirtualAddressError } from './errors.js';

/**
 * An `ip:port` a memory transport listens on inside its MemoryNetwork, so
 * that PEX, private-range rules and every IP-based decision behave as on a
 * real network while no socket is ever opened.
 */
export interface VirtualAddress {
  /** Canonical IP literal (RFC 5952 for IPv6). */
  readonly ip: string;
  readonly port: number;
}

/** Protocols whose endpoints a virtual address answers: what `id@ip:port` addresses resolve to. */
export const VIRTUAL_PROTOCOLS: readonly string[] = Object.freeze(['mconn', 'tcp']);

const FORM = /^(?:tcp:\/\/)?(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

/**
 * Parses `ip:port`, `[ipv6]:port` or either with a `tcp://` prefix.
 * Throws InvalidVirtualAddressError for anything else, for IPs nobody can
 * dial (unspecified, broadcast, with an IPv6 zone) and ports outside 1-65535.
 */
export function parseVirtualAddress(text: string, what = 'virtual address'): VirtualAddress {
  const match = typeof text === 'string' ? FORM.exec(text.trim()) : null;
  if (match === null) {
    throw new InvalidVirtualAddressError(`${what} ${JSON.stringify(text)} is invalid: expected "ip:port", "[ipv6]:port" or "tcp://ip:port" with an IP literal`);
  }
  const rawIp = (match[1] ?? match[2]) as string;
  const port = Number(match[3]);
  if (rawIp.includes('%') || isIP(rawIp) === 0) {
    throw new InvalidVirtualAddressError(`${what} ${JSON.stringify(text)} is invalid: ${JSON.stringify(rawIp)} is not an IP literal (no hostnames, no IPv6 zones)`);
  }
  const ip = canonicalIP(rawIp) as string;
  if (ip === '0.0.0.0' || ip === '::' || ip === '255.255.255.255') {
    throw new InvalidVirtualAddressError(`${what} ${JSON.stringify(text)} is invalid: ${ip} cannot be dialed; use a unicast IP such as 10.0.0.1`);
  }
  if (port < 1 || port > 65535) throw new InvalidVirtualAddressError(`${what} ${JSON.stringify(text)} is invalid: port ${port} is outside 1-65535`);
  return { ip, port };
}

/** The map key of a virtual address; equal for every spelling of the same ip:port. */
export function virtualKey(address: VirtualAddress): string {
  return `${address.ip}|${address.port}`;
}

/** The virtual address an endpoint names, or undefined when it is not an IP endpoint of a virtual protocol. */
export function virtualAddressOf(endpoint: Endpoint): VirtualAddress | undefined {
  if (!VIRTUAL_PROTOCOLS.includes(endpoint.protocol) || !endpoint.ip || endpoint.port === undefined) return undefined;
  const ip = canonicalIP(endpoint.ip);
  return ip === undefined ? undefined : { ip, port: endpoint.port };
}

/** How the address reads in logs and errors: `10.0.0.1:26656`, `[fd00::1]:26656`. */
export function formatVirtualAddress(address: VirtualAddress): string {
  return address.ip.includes(':') ? `[${address.ip}]:${address.port}` : `${address.ip}:${address.port}`;
}
