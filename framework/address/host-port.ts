import { isIP } from 'node:net';
import { canonicalIP, ipScope } from './ip.js';

/** A host (IP literal without brackets, IPv6 in RFC 5952 form, or a lower-cased DNS name) and a port 1-65535. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The outcome of `parseHostPort`: the parts, or why the text is not a host:port. */
export type HostPortResult = { readonly ok: true; readonly value: HostPort } | { readonly ok: false; readonly reason: string };

const DNS_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 1035: 253 characters in text form. */
const MAX_DNS_NAME_LENGTH = 253;

/**
 * Parses a dialable address as operators write it in `p2p.external_address`
 * (and CometBFT in NodeInfo `listen_addr`): `host:port`, optionally behind
 * `tcp://`, with IPv6 in brackets (`[2001:db8::1]:26656`). The host is an IP
 * literal or a DNS name (letters, digits and hyphens in dot-separated
 * labels); the port is 1-65535. An unspecified IP (0.0.0.0, ::) is refused:
 * it names no host a peer could dial.
 */
export function parseHostPort(text: string): HostPortResult {
  const split = splitHostPort(text, { minPort: 1, expected: 'host:port', example: '[2001:db8::1]:26656' });
  if (!split.ok) return split;
  let { host } = split;
  if (isIP(host) === 0) {
    host = host.toLowerCase().replace(/\.$/, '');
    const labels = host.split('.');
    if (host === '' || host.length > MAX_DNS_NAME_LENGTH || !labels.every((l) => DNS_LABEL_RE.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
      return { ok: false, reason: `host ${JSON.stringify(host)} is neither an IP address nor a DNS name` };
    }
  }
  if (host.includes('%')) return { ok: false, reason: 'an IPv6 zone (%…) cannot be dialed by peers' };
  if (ipScope(host) === 'unroutable') return { ok: false, reason: `${host} is not an address peers can dial (unspecified, multicast or broadcast)` };
  return { ok: true, value: { host: canonicalIP(host) ?? host, port: split.port } };
}

/**
 * The common part of both parsers: strips `tcp://`, splits at the last
 * colon, checks the port range and unwraps a bracketed IPv6 host (which
 * must be one; an unbracketed host may not contain a colon).
 */
function splitHostPort(
  text: string,
  rules: { readonly minPort: number; readonly expected: string; readonly example: string },
): { readonly ok: true; readonly host: string; readonly port: number } | { readonly ok: false; readonly reason: string } {
  const fail = (reason: string) => ({ ok: false, reason }) as const;
  if (typeof text !== 'string' || text === '') return fail('it is empty');
  const rest = text.replace(/^tcp:\/\//i, '');
  if (rest.includes('://')) return fail('the only scheme allowed is tcp://');
  const colon = rest.lastIndexOf(':');
  if (colon < 0) return fail(`it has no port (expected ${rules.expected})`);
  let host = rest.slice(0, colon);
  const portText = rest.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < rules.minPort || Number(portText) > 65535) {
    return fail(`port ${JSON.stringify(portText)} is not an integer ${rules.minPort}-65535`);
  }
  if (host.startsWith('[') || host.endsWith(']')) {
    if (!host.startsWith('[') || !host.endsWith(']')) return fail("unbalanced '[' ']' around the host");
    host = host.slice(1, -1);
    if (isIP(host) !== 6) return fail(`${JSON.stringify(host)} in brackets is not an IPv6 address`);
  } else if (host.includes(':')) {
    return fail(`an IPv6 host must be in brackets, e.g. ${rules.example}`);
  }
  return { ok: true, host, port: Number(portText) };
}

/** A host as it appears before `:port`: an IPv6 literal in brackets, anything else as it is. */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `host:port`, with an IPv6 host in brackets: `10.0.0.1:26656`, `[2001:db8::1]:26656`. */
export function formatHostPort(host: string, port: number): string {
  return `${bracketHost(host)}:${port}`;
}

/** Where a server binds: a host (undefined = every interface) and a port (0 = any free port). */
export interface ListenHostPort {
  /** IP literal or host name, without brackets; undefined for every interface (Go's ":port"). */
  readonly host: string | undefined;
  readonly port: number;
}

/** The outcome of `parseListenHostPort`: the parts, or why the text is not a listen address. */
export type ListenHostPortResult = { readonly ok: true; readonly value: ListenHostPort } | { readonly ok: false; readonly reason: string };

/**
 * Parses a listen address as config files write them (`p2p.laddr`,
 * `status.laddr`, `instrumentation.prometheus_listen_addr`): `host:port` or
 * `:port`, optionally behind `tcp://`, with IPv6 in brackets. Unlike
 * `parseHostPort` (addresses peers dial) the host may be empty or
 * unspecified (every interface) and the port 0 (any free port); the host
 * is not checked further, as binding to it is the check that matters.
 */
export function parseListenHostPort(text: string): ListenHostPortResult {
  const split = splitHostPort(text, { minPort: 0, expected: 'host:port or :port', example: '[::1]:26656' });
  if (!split.ok) return split;
  if (/[/@\s]/.test(split.host)) return { ok: false, reason: `host ${JSON.stringify(split.host)} is not a host name or IP address` };
  return { ok: true, value: { host: split.host === '' ? undefined : split.host, port: split.port } };
}
