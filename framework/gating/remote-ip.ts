import { canonicalIP, formatIPv6, ipToBytes } from '../address/ip.js';

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

/**
 * The remote party a per-IP limit counts `ipKey` (a `remoteIPKey`) against:
 * an IPv4 address itself; an IPv6 address's network of its first
 * `ipv6PrefixLength` bits, as text like "2001:db8:1:2::/64". One IPv6 end
 * site is routinely given a whole /64 (or /56, /48), so counting single
 * addresses would let one party take every per-IP share. 128 = per address.
 */
export function remoteIPGroup(ipKey: string, ipv6PrefixLength: number): string {
  if (ipv6PrefixLength >= 128 || !ipKey.includes(':')) return ipKey;
  const bytes = ipToBytes(ipKey);
  if (bytes === undefined || bytes.length !== 16) return ipKey;
  for (let bit = ipv6PrefixLength; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${formatIPv6(Array.from(bytes))}/${ipv6PrefixLength}`;
}
