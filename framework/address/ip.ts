import { isIP } from 'node:net';

/** Splits an IPv6 zone ("fe80::1%eth0") off; zones never affect classification. */
function splitZone(ip: string): { addr: string; zone: string } {
  const i = ip.indexOf('%');
  return i < 0 ? { addr: ip, zone: '' } : { addr: ip.slice(0, i), zone: ip.slice(i) };
}

function ipv4ToBytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of a textual IPv6 address already accepted by `isIP` (zone removed). */
function ipv6ToBytes(ip: string): number[] {
  let text = ip;
  const tail: number[] = [];
  // An embedded IPv4 tail ("::ffff:1.2.3.4") counts as two 16-bit groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail.push(...ipv4ToBytes(text.slice(lastColon + 1)));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...restGroups].map((g) => parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** RFC 5952 text for 16 bytes: lower case, no leading zeros, longest zero run as "::". */
export function formatIPv6(bytes: number[]): string {
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * The canonical text of an IP literal (RFC 5952 for IPv6), so the same
 * address always yields the same map key. Returns undefined for non-IPs.
 */
export function canonicalIP(ip: string): string | undefined {
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return undefined;
  const { addr, zone } = splitZone(ip);
  return formatIPv6(ipv6ToBytes(addr)) + zone;
}

/**
 * How far an IP address is meaningful, from narrowest to widest:
 * - `loopback`: this host only (127/8, ::1);
 * - `link-local`: the local link only (169.254/16, fe80::/10);
 * - `private`: a private network (RFC 1918, CGNAT 100.64/10, IPv6 ULA fc00::/7);
 * - `public`: the internet (every other unicast address).
 * `unroutable` addresses (unspecified 0.0.0.0/8 and ::, multicast, IPv4
 * broadcast) name no single host anywhere. IPv4-mapped IPv6 addresses take
 * the scope of their IPv4 address.
 */
export type IPScope = 'unroutable' | 'loopback' | 'link-local' | 'private' | 'public';

/** Narrowest first: an address is useful to a peer whose own scope is at most as wide. */
const SCOPE_WIDTH: Readonly<Record<Exclude<IPScope, 'unroutable'>, number>> = { loopback: 0, 'link-local': 1, private: 2, public: 3 };

function ipv4Scope(b: number[]): IPScope {
  if (b[0] === 0 || b[0] >= 224) return 'unroutable'; // "this network", multicast, reserved, broadcast
  if (b[0] === 127) return 'loopback';
  if (b[0] === 169 && b[1] === 254) return 'link-local';
  if (
    b[0] === 10 || // RFC 1918
    (b[0] === 172 && b[1] >= 16 && b[1] <= 31) || // RFC 1918
    (b[0] === 192 && b[1] === 168) || // RFC 1918
    (b[0] === 100 && b[1] >= 64 && b[1] <= 127) // CGNAT 100.64.0.0/10 (RFC 6598)
  ) {
    return 'private';
  }
  return 'public';
}

/** The scope of an IP literal (see IPScope); undefined for strings that are not IP literals. */
export function ipScope(ip: string): IPScope | undefined {
  const version = isIP(ip);
  if (version === 4) return ipv4Scope(ipv4ToBytes(ip));
  if (version !== 6) return undefined;
  const b = ipv6ToBytes(splitZone(ip).addr);
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return ipv4Scope(b.slice(12));
  if (b.slice(0, 15).every((x) => x === 0)) return b[15] === 1 ? 'loopback' : 'unroutable'; // ::1, ::
  if (b[0] === 0xff) return 'unroutable'; // multicast
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if ((b[0] & 0xfe) === 0xfc) return 'private'; // fc00::/7 unique local
  return 'public';
}

/**
 * Whether an address of scope `address` means the same host to a peer whose
 * own IP has scope `peer`: only if the peer is at most as far away as the
 * address reaches. Loopback addresses are thus shared only between loopback
 * peers, link-local ones with link-local or loopback peers, private ones
 * with any non-public peer, public ones with everyone. Unroutable addresses
 * are shared with nobody.
 */
export function isScopeVisibleTo(address: IPScope, peer: IPScope): boolean {
  if (address === 'unroutable') return false;
  // An unroutable peer IP tells us nothing about where the peer is: treat it as public.
  const peerWidth = peer === 'unroutable' ? SCOPE_WIDTH.public : SCOPE_WIDTH[peer];
  return peerWidth <= SCOPE_WIDTH[address];
}

/**
 * True for addresses that are not reachable from the public internet:
 * RFC 1918, loopback, link-local, CGNAT (100.64/10), IPv6 ULA (fc00::/7),
 * ::1 and fe80::/10, including IPv4-mapped IPv6 forms of the IPv4 ranges.
 * Returns false for unroutable addresses (0.0.0.0, ::, multicast) and for
 * strings that are not IP literals.
 */
export function isPrivateIP(ip: string): boolean {
  const scope = ipScope(ip);
  return scope === 'loopback' || scope === 'link-local' || scope === 'private';
}

/**
 * The bytes of an IP literal: 4 for IPv4, 16 for IPv6 (zone ignored).
 * Returns undefined for strings that are not IP literals.
 */
export function ipToBytes(ip: string): Uint8Array | undefined {
  const version = isIP(ip);
  if (version === 4) return Uint8Array.from(ipv4ToBytes(ip));
  if (version === 6) return Uint8Array.from(ipv6ToBytes(splitZone(ip).addr));
  return undefined;
}
