import { formatHostPort, parseHostPort } from '../../../framework/address/host-port.js';
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

/**
 * Parses `ip:port`, `[ipv6]:port` or either with a `tcp://` prefix: a
 * host:port peers could dial (see `parseHostPort`) whose host is an IP
 * literal. Throws InvalidVirtualAddressError naming the value and the problem.
 */
export function parseVirtualAddress(text: string, what = 'virtual address'): VirtualAddress {
  const fail = (reason: string): never => {
    throw new InvalidVirtualAddressError(`${what} ${JSON.stringify(text)} is invalid: ${reason}`);
  };
  const parsed = parseHostPort(typeof text === 'string' ? text.trim() : text);
  if (!parsed.ok) return fail(`expected "ip:port", "[ipv6]:port" or "tcp://ip:port": ${parsed.reason}`);
  const { host, port } = parsed.value;
  if (isIP(host) === 0) return fail(`${JSON.stringify(host)} is not an IP literal (no host names)`);
  return { ip: host, port };
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
  return formatHostPort(address.ip, address.port);
}
