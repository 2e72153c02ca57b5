import { InvalidListenAddressError } from './errors.js';

/** Where the mconn transport listens, from `p2p.laddr`. */
export interface ListenAddress {
  /** IP literal or host name without brackets; undefined = every interface (Go's ":port"). */
  readonly host: string | undefined;
  /** 0 = let the OS pick a free port. */
  readonly port: number;
}

/**
 * Parses `p2p.laddr` ("tcp://host:port", "host:port", "tcp://[::1]:port").
 * Returns undefined for "memory": a node configured that way may still load
 * this transport to dial TCP peers, it just does not listen.
 * @throws InvalidListenAddressError naming the value and the accepted forms
 */
export function parseListenAddress(laddr: string): ListenAddress | undefined {
  if (laddr === 'memory') return undefined;
  const fail = (why: string): never => {
    throw new InvalidListenAddressError(`p2p.laddr ${JSON.stringify(laddr)} is not a TCP listen address (${why}); expected "tcp://host:port" or "host:port" with a port 0-65535`);
  };
  if (typeof laddr !== 'string') return fail('not a string');
  const rest = laddr.startsWith('tcp://') ? laddr.slice('tcp://'.length) : laddr;
  if (rest.includes('://')) fail('only the tcp:// scheme is supported');
  const colon = rest.lastIndexOf(':');
  if (colon < 0) fail('missing port');
  let host = rest.slice(0, colon);
  const portText = rest.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) fail(`port ${JSON.stringify(portText)} is not 0-65535`);
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) fail("unbalanced '[' around an IPv6 address");
    host = host.slice(1, -1);
  } else if (host.includes(':')) {
    fail('put an IPv6 address in brackets, e.g. tcp://[::1]:26656');
  }
  if (host.includes('/') || host.includes('@')) fail(`host ${JSON.stringify(host)} is not a host name or IP`);
  return { host: host === '' ? undefined : host, port: Number(portText) };
}
