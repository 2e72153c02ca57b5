import { canonicalIP } from '../address/ip.js';

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

/**
 * The form gating compares and keys remote IPs by: RFC 5952 text for IPv6,
 * and IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack listener reports
 * for IPv4 clients) as the plain IPv4 address — so one host is one key, as
 * Go's `net.IP.Equal` makes it for CometBFT. Undefined for non-IP strings.
 */
export function remoteIPKey(ip: string): string | undefined {
  const canonical = canonicalIP(ip);
  if (canonical === undefined) return undefined;
  return MAPPED_V4.exec(canonical)?.[1] ?? canonical;
}
