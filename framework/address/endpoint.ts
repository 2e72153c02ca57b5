import { isIP } from 'node:net';
import { InvalidEndpointError } from './errors.js';
import { canonicalIP } from './ip.js';
import { bracketHost } from './host-port.js';

export { isPrivateIP, canonicalIP, ipScope, isScopeVisibleTo, type IPScope } from './ip.js';

/** Transport protocol name, e.g. "mconn", "tcp" or "memory". */
export type Protocol = string;

/**
 * Where a transport can reach a node: an IP endpoint for networked
 * transports, or a path for local ones (memory). Unlike a NodeAddress it
 * carries no node ID and never a hostname.
 */
export interface Endpoint {
  readonly protocol: Protocol;
  /** IP literal (v4 or v6, no brackets). */
  readonly ip?: string;
  /** 1-65535; only with `ip`. Absent means the transport's default. */
  readonly port?: number;
  /** Transport-specific path; the node ID for the memory transport. */
  readonly path?: string;
}

function describe(e: Endpoint): string {
  return JSON.stringify({ protocol: e.protocol, ip: e.ip, port: e.port, path: e.path });
}

/** Enforces the ADR-062 endpoint rules; throws InvalidEndpointError naming the broken one. */
export function validateEndpoint(e: Endpoint): void {
  if (typeof e !== 'object' || e === null) throw new InvalidEndpointError(`endpoint must be an object, got ${String(e)}`);
  if (typeof e.protocol !== 'string' || e.protocol === '') {
    throw new InvalidEndpointError(`endpoint ${describe(e)} has no protocol`);
  }
  const hasIP = e.ip !== undefined && e.ip !== '';
  const hasPath = e.path !== undefined && e.path !== '';
  if (!hasIP && !hasPath) {
    throw new InvalidEndpointError(`endpoint ${describe(e)} needs an ip or a path`);
  }
  if (hasIP && (typeof e.ip !== 'string' || isIP(e.ip) === 0)) {
    throw new InvalidEndpointError(`endpoint ${describe(e)} has ip ${JSON.stringify(e.ip)}, which is not an IPv4 or IPv6 literal (hostnames must be resolved first)`);
  }
  if (e.port !== undefined) {
    if (!hasIP) throw new InvalidEndpointError(`endpoint ${describe(e)} has a port but no ip`);
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
      throw new InvalidEndpointError(`endpoint ${describe(e)} has port ${String(e.port)}; expected an integer 1-65535`);
    }
  }
}

/** True when the endpoint is reached over an IP network rather than in-process. */
export function isNetworked(e: Endpoint): boolean {
  return e.ip !== undefined && e.ip !== '';
}

/** Human-readable URL form: `mconn://127.0.0.1:26656`, `mconn://[::1]:26656/path`, `memory:<path>`. */
export function endpointToString(e: Endpoint): string {
  if (!isNetworked(e)) return `${e.protocol}:${e.path ?? ''}`;
  const host = bracketHost(e.ip as string);
  const port = e.port !== undefined ? `:${e.port}` : '';
  const path = e.path ? (e.path.startsWith('/') ? e.path : `/${e.path}`) : '';
  return `${e.protocol}://${host}${port}${path}`;
}

/**
 * A stable map key: equal for endpoints that denote the same place, even
 * when their IPv6 text differs ("0:0::1" vs "::1") or optional fields are
 * absent vs empty.
 */
export function endpointKey(e: Endpoint): string {
  const ip = e.ip ? (canonicalIP(e.ip) ?? e.ip) : '';
  return JSON.stringify([e.protocol, ip, e.port ?? 0, e.path ?? '']);
}
