import { isIP } from 'node:net';
import { ipToBytes } from '../address/ip.js';
import { InvalidCidrError } from './errors.js';
import { remoteIPKey } from './remote-ip.js';

/** A parsed CIDR block. IPv4-mapped IPv6 blocks (`::ffff:10.0.0.0/104`) are stored as the IPv4 block they denote. */
export interface Cidr {
  /** The text it was parsed from. */
  readonly text: string;
  readonly version: 4 | 6;
  /** Network address: 4 or 16 bytes, host bits zero. */
  readonly network: Uint8Array;
  readonly prefix: number;
}

const PREFIX_RE = /^(0|[1-9]\d{0,2})$/;
const MAPPED_PREFIX = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff);

function invalid(text: string, problem: string): InvalidCidrError {
  return new InvalidCidrError(text, `invalid CIDR ${JSON.stringify(text)}: ${problem} (expected e.g. "10.0.0.0/8", "2001:db8::/32" or a single IP)`);
}

function isMappedV4(bytes: Uint8Array): boolean {
  return bytes.length === 16 && MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/**
 * Parses "address/prefix" (IPv4 or IPv6), or a bare IP as a single-address
 * block. Rejects, naming the input: a missing or non-numeric prefix, a prefix
 * beyond 32/128, an address that is not an IP literal, IPv6 zones, and host
 * bits set below the prefix ("10.0.0.1/8" is almost always a typo for
 * "10.0.0.0/8" or "10.0.0.1/32").
 */
export function parseCidr(text: string): Cidr {
  if (typeof text !== 'string') throw new InvalidCidrError(String(text), `invalid CIDR: expected a string, got ${typeof text}`);
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  if (address.includes('%')) throw invalid(text, 'IPv6 zones are not allowed in a CIDR');
  const family = isIP(address);
  if (family === 0) throw invalid(text, `${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
  const version = family === 4 ? 4 : 6;
  const bits = version === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!PREFIX_RE.test(prefixText)) throw invalid(text, `prefix ${JSON.stringify(prefixText)} is not a whole number`);
    prefix = Number(prefixText);
    if (prefix > bits) throw invalid(text, `prefix /${prefix} is longer than the ${bits} bits of an IPv${version} address`);
  }
  let network = ipToBytes(address)!;
  for (let bit = prefix; bit < network.length * 8; bit++) {
    if (network[bit >> 3]! & (0x80 >> (bit & 7))) throw invalid(text, `host bits are set below /${prefix}`);
  }
  if (version === 6 && prefix >= 96 && isMappedV4(network)) {
    return { text, version: 4, network: network.slice(12), prefix: prefix - 96 };
  }
  return { text, version, network, prefix };
}

/** `bytes` with every bit from `prefix` on cleared, as a map key. */
function networkKey(bytes: Uint8Array, prefix: number): string {
  let key = '';
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.min(8, Math.max(0, prefix - i * 8));
    key += String.fromCharCode(bytes[i]! & ((0xff << (8 - keep)) & 0xff));
  }
  return key;
}

/** Blocks of one IP family, grouped by prefix length (longest first) and keyed by network. */
class FamilyIndex {
  private readonly byPrefix = new Map<number, Map<string, Cidr>>();
  private prefixes: number[] = [];

  add(block: Cidr): void {
    let networks = this.byPrefix.get(block.prefix);
    if (networks === undefined) {
      networks = new Map();
      this.byPrefix.set(block.prefix, networks);
      this.prefixes = [...this.byPrefix.keys()].sort((a, b) => b - a);
    }
    if (!networks.has(networkKey(block.network, block.prefix))) networks.set(networkKey(block.network, block.prefix), block);
  }

  match(bytes: Uint8Array): Cidr | undefined {
    for (const prefix of this.prefixes) {
      const found = this.byPrefix.get(prefix)!.get(networkKey(bytes, prefix));
      if (found) return found;
    }
    return undefined;
  }
}

/**
 * A list of CIDR blocks an IP is matched against. IPv4 addresses, including
 * IPv4-mapped IPv6 ones, match IPv4 blocks; IPv6 addresses match IPv6 blocks.
 * A lookup costs one map probe per distinct prefix length, not one per block,
 * so long deny lists stay cheap.
 */
export class CidrList {
  readonly blocks: readonly Cidr[];
  private readonly v4 = new FamilyIndex();
  private readonly v6 = new FamilyIndex();

  /** Throws InvalidCidrError naming the first malformed entry. */
  constructor(entries: readonly (string | Cidr)[]) {
    this.blocks = entries.map((entry) => (typeof entry === 'string' ? parseCidr(entry) : entry));
    for (const block of this.blocks) (block.version === 4 ? this.v4 : this.v6).add(block);
  }

  get size(): number {
    return this.blocks.length;
  }

  /** The most specific block containing `ip`, or undefined (also for strings that are not IPs). */
  match(ip: string): Cidr | undefined {
    if (this.blocks.length === 0) return undefined;
    const key = remoteIPKey(ip);
    if (key === undefined) return undefined;
    const bytes = ipToBytes(key)!;
    return (bytes.length === 4 ? this.v4 : this.v6).match(bytes);
  }
}
