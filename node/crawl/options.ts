import { NodeAddress, type HostLookup } from '../../framework/address/node-address.js';
import { InvalidArgumentError } from '../../framework/errors/base.js';
import type { NodeKey } from '../../framework/identity/node-key.js';
import type { Logger } from '../../framework/logging/logger.js';
import type { PrivateAddressPolicy } from '../../reactors/pex/options.js';
import { optionChecks } from '../../framework/util/option-checks.js';

/** A crawl option is malformed; the message names the option, its value and what is allowed. */
export class CrawlOptionsError extends InvalidArgumentError {
  override name = 'CrawlOptionsError';
}

/** What `crawl()` takes. Only `seeds` and `network` are required; every other field has a default (DEFAULT_CRAWL_OPTIONS). */
export interface CrawlOptions {
  /** Where the walk starts: `id@host:port` strings (host may be a DNS name) or NodeAddresses. At least one. */
  readonly seeds: readonly (string | NodeAddress)[];
  /** The chain ID; nodes of another network reject us (and are reported `incompatible`). */
  readonly network: string;
  /** The crawl stops after this long, with what it found so far. Default 120 s. */
  readonly durationMs?: number;
  /** Nodes being dialed, handshaken and asked at once. Default 8. */
  readonly concurrency?: number;
  /** TCP connect deadline per address. Default 3 s. */
  readonly dialTimeoutMs?: number;
  /** Deadline of the SecretConnection + NodeInfo handshake. Default 6 s (the router's `handshake_timeout`). */
  readonly handshakeTimeoutMs?: number;
  /** How long a reachable node has to answer our PexRequest. Default 5 s (CometBFT answers at once). */
  readonly pexTimeoutMs?: number;
  /** DNS deadline for a seed given by host name (peers advertise IP literals only). Default 5 s. */
  readonly resolveTimeoutMs?: number;
  /**
   * Entries taken from one PexAddrs answer; the rest are dropped and counted.
   * Default 250, the most a CometBFT node ever sends (`maxGetSelection`).
   */
  readonly maxAddressesPerResponse?: number;
  /** Distinct nodes recorded in all, seeds included; addresses of further nodes are dropped and counted. Default 1000. */
  readonly maxNodes?: number;
  /** Edges recorded in all; further ones are dropped and counted. Default 50 000. */
  readonly maxEdges?: number;
  /** Distinct addresses kept per node (tried in turn until one answers); further ones are dropped and counted. Default 4. */
  readonly maxAddressesPerNode?: number;
  /**
   * Which advertised private-range addresses (loopback, RFC 1918, link-local,
   * ULA, CGNAT) are dialed — the PEX reactor's rule. Default
   * "from-private-peers": only when they mean the same host to us as to the
   * node that advertised them (a 10.x address from a node we reached on a
   * 10.x or loopback IP, 127.0.0.1 only from a node on loopback). "accept"
   * dials them all, "reject" none. Addresses not dialed are still recorded,
   * with status `skipped`.
   */
  readonly privateAddresses?: PrivateAddressPolicy;
  /** The moniker our NodeInfo announces. Default "tmp2p-crawler". */
  readonly moniker?: string;
  /** Our identity. Default: a fresh key per crawl. */
  readonly nodeKey?: NodeKey;
  /** DNS lookup for seeds given by name. Default: the OS resolver. */
  readonly lookup?: HostLookup;
  /** One debug line per visited node, warnings for our own faults. Default: silent. */
  readonly logger?: Logger;
}

/** Options after validation: seeds parsed, every default filled in. */
export interface ResolvedCrawlOptions {
  readonly seeds: readonly NodeAddress[];
  readonly network: string;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly dialTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly pexTimeoutMs: number;
  readonly resolveTimeoutMs: number;
  readonly maxAddressesPerResponse: number;
  readonly maxNodes: number;
  readonly maxEdges: number;
  readonly maxAddressesPerNode: number;
  readonly privateAddresses: PrivateAddressPolicy;
  readonly moniker: string;
  readonly nodeKey?: NodeKey;
  readonly lookup?: HostLookup;
  readonly logger?: Logger;
}

export const DEFAULT_CRAWL_OPTIONS = Object.freeze({
  durationMs: 120_000,
  concurrency: 8,
  dialTimeoutMs: 3_000,
  handshakeTimeoutMs: 6_000,
  pexTimeoutMs: 5_000,
  resolveTimeoutMs: 5_000,
  maxAddressesPerResponse: 250,
  maxNodes: 1_000,
  maxEdges: 50_000,
  maxAddressesPerNode: 4,
  privateAddresses: 'from-private-peers' as PrivateAddressPolicy,
  moniker: 'tmp2p-crawler',
});

const KNOWN = new Set([...Object.keys(DEFAULT_CRAWL_OPTIONS), 'seeds', 'network', 'nodeKey', 'lookup', 'logger']);
const POLICIES: readonly PrivateAddressPolicy[] = ['accept', 'from-private-peers', 'reject'];
/** setTimeout's ceiling; a longer "duration" would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** CometBFT's rule for a NodeInfo moniker: printable ASCII, not only spaces. */
const MONIKER_RE = /^(?=.*[^ ])[\x20-\x7e]+$/;

const { fail, integer } = optionChecks('crawl', (message) => new CrawlOptionsError(message));

function seedAddress(value: unknown): NodeAddress {
  if (value instanceof NodeAddress) return value;
  if (typeof value !== 'string') return fail('seeds', value, 'each seed must be an address string such as "<id>@host:26656"');
  let address: NodeAddress;
  try {
    address = NodeAddress.parse(value.trim());
  } catch (cause) {
    return fail('seeds', value, (cause as Error).message);
  }
  if (address.hostname === '' || address.port === 0) fail('seeds', value, 'a seed needs a host and a port, e.g. "<id>@203.0.113.7:26656"');
  if (address.protocol !== 'mconn' && address.protocol !== 'tcp') fail('seeds', value, 'a seed is dialed over TCP (mconn://, tcp:// or no scheme)');
  return address;
}

/**
 * Validates crawl options (unknown keys too, to catch typos) and fills in
 * the defaults. Throws CrawlOptionsError naming the option.
 */
export function resolveCrawlOptions(input: CrawlOptions): ResolvedCrawlOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('(options)', input, 'expected an object');
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) fail(key, (input as unknown as Record<string, unknown>)[key], `unknown option; known options: ${[...KNOWN].join(', ')}`);
  }
  const o = { ...DEFAULT_CRAWL_OPTIONS, ...input };
  if (!Array.isArray(o.seeds) || o.seeds.length === 0) return fail('seeds', o.seeds, 'expected at least one seed address');
  const seeds = o.seeds.map(seedAddress);
  if (typeof o.network !== 'string' || o.network === '') fail('network', o.network, 'expected the chain ID, a non-empty string');
  if (!POLICIES.includes(o.privateAddresses)) fail('privateAddresses', o.privateAddresses, `expected one of ${POLICIES.join(', ')}`);
  if (typeof o.moniker !== 'string' || !MONIKER_RE.test(o.moniker)) fail('moniker', o.moniker, 'expected printable ASCII that is not only spaces');
  if (o.lookup !== undefined && typeof o.lookup !== 'function') fail('lookup', o.lookup, 'expected a function (hostname) => IP strings');
  const maxNodes = integer('maxNodes', o.maxNodes, 1);
  if (seeds.length > maxNodes) fail('seeds', `${seeds.length} seeds`, `at most maxNodes (${maxNodes}) are allowed`);
  return {
    seeds,
    network: o.network,
    durationMs: integer('durationMs', o.durationMs, 1, MAX_TIMER_MS),
    concurrency: integer('concurrency', o.concurrency, 1, 1_000),
    dialTimeoutMs: integer('dialTimeoutMs', o.dialTimeoutMs, 1, MAX_TIMER_MS),
    handshakeTimeoutMs: integer('handshakeTimeoutMs', o.handshakeTimeoutMs, 1, MAX_TIMER_MS),
    pexTimeoutMs: integer('pexTimeoutMs', o.pexTimeoutMs, 1, MAX_TIMER_MS),
    resolveTimeoutMs: integer('resolveTimeoutMs', o.resolveTimeoutMs, 1, MAX_TIMER_MS),
    maxAddressesPerResponse: integer('maxAddressesPerResponse', o.maxAddressesPerResponse, 0),
    maxNodes,
    maxEdges: integer('maxEdges', o.maxEdges, 0),
    maxAddressesPerNode: integer('maxAddressesPerNode', o.maxAddressesPerNode, 1),
    privateAddresses: o.privateAddresses,
    moniker: o.moniker,
    ...(o.nodeKey !== undefined ? { nodeKey: o.nodeKey } : {}),
    ...(o.lookup !== undefined ? { lookup: o.lookup } : {}),
    ...(o.logger !== undefined ? { logger: o.logger } : {}),
  };
}
