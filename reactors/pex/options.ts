import { NodeAddress, type HostLookup } from '../../framework/address/node-address.js';
import { optionChecks } from '../../framework/util/option-checks.js';
import { PexOptionsError } from './errors.js';

const { fail, integer, duration, boolean, table } = optionChecks('pex', (message) => new PexOptionsError(message));

/** Which received addresses in private ranges (RFC 1918, loopback, link-local, ULA, CGNAT) are kept. */
export type PrivateAddressPolicy = 'accept' | 'from-private-peers' | 'reject';

/**
 * Options of the PEX reactor, from `[reactors.pex]` in config.toml
 * (snake_case keys, e.g. `request_interval_ms = "30s"`) or
 * `ReactorOptions['pex']`. Durations take milliseconds or a duration string.
 */
export interface PexOptions {
  /**
   * How often to ask one random peer for addresses while more are needed,
   * and to fall back to the seeds when no peer is connected. Default 30 s
   * (CometBFT's `ensurePeersPeriod`). The same peer is never asked twice
   * within 10 s whatever this is.
   */
  readonly requestIntervalMs: number | string;
  /**
   * Ask for addresses while the PeerManager knows fewer peers than this;
   * 0 = never ask. Default 1000 (CometBFT's `needAddressThreshold`). Always
   * lowered to the PeerManager's `maxPeers` when that is smaller (a full
   * table takes no more).
   */
  readonly needAddressThreshold?: number;
  /**
   * Larger responses are a (non-fatal) peer error and are discarded. Default
   * 250, the most a CometBFT node ever sends (`maxGetSelection`).
   */
  readonly maxAddressesAccepted: number;
  /** Most addresses put in one response. Default 250 (CometBFT's `maxGetSelection`); tm35 refuses more than 100. */
  readonly maxAddressesSent: number;
  /** Answer each inbound requester once, then hang up (CometBFT `seed_mode`). Default false. */
  readonly seedMode: boolean;
  /** Seed addresses (`id@host:port`, `memory:id`, …) added to the PeerManager whenever no peer is connected. Default none. */
  readonly seeds: readonly string[];
  /** How long a peer that breaks a PEX rule is banned; 0 disconnects without a ban. Default 24 h (CometBFT `defaultBanTime`). */
  readonly banDurationMs: number | string;
  /** Seed mode: how long to let the reply flush before hanging up. Default 500 ms. */
  readonly seedDisconnectDelayMs: number | string;
  /**
   * After a configured seed answered and hung up, keep the PeerManager from
   * redialing it for this long (a `hold-dial` report: the seed may still
   * connect to us). 0 disables. Default 2 min.
   */
  readonly seedCooldownMs: number | string;
  /** Bound on resolving DNS names of addresses we advertise. Default 2 s. */
  readonly resolveTimeoutMs: number | string;
  /**
   * Default "from-private-peers": loopback, link-local and private-range
   * addresses are kept only from peers to whom they mean the same host as
   * to us: private ones from peers connected from a non-public IP (or
   * in-process), loopback ones only from loopback or in-process peers; from
   * public peers none, as CometBFT's `addr_book_strict` does. This mirrors
   * `PeerManager.advertise`, which shows each address only to requesters
   * that near. "accept" keeps them all, "reject" none. Unroutable IPs
   * (multicast, unspecified) are never kept.
   */
  readonly privateAddresses: PrivateAddressPolicy;
  /**
   * Add an inbound peer's self-reported listen address to the PeerManager,
   * as CometBFT does (an unspecified host such as 0.0.0.0 is replaced by the
   * IP the peer connected from). Default true.
   */
  readonly learnInboundListenAddr: boolean;
  /** DNS lookup used to turn advertised hostnames into IPs. Default: the node's `TOKENS.HostLookup`, else the OS resolver. Programmatic use only. */
  readonly lookup?: HostLookup;
}

/** Options after validation: durations in milliseconds, seeds parsed. */
export interface ResolvedPexOptions {
  readonly requestIntervalMs: number;
  readonly needAddressThreshold: number;
  readonly maxAddressesAccepted: number;
  readonly maxAddressesSent: number;
  readonly seedMode: boolean;
  readonly seeds: readonly NodeAddress[];
  readonly banDurationMs: number;
  readonly seedDisconnectDelayMs: number;
  readonly seedCooldownMs: number;
  readonly resolveTimeoutMs: number;
  readonly privateAddresses: PrivateAddressPolicy;
  readonly learnInboundListenAddr: boolean;
  readonly lookup?: HostLookup;
}

/** CometBFT's `needAddressThreshold`. */
export const DEFAULT_NEED_ADDRESS_THRESHOLD = 1000;

export const DEFAULT_PEX_OPTIONS: Readonly<Omit<PexOptions, 'needAddressThreshold' | 'lookup'>> = Object.freeze({
  requestIntervalMs: 30_000,
  maxAddressesAccepted: 250,
  maxAddressesSent: 250,
  seedMode: false,
  seeds: Object.freeze([]) as readonly string[],
  banDurationMs: 24 * 3_600_000,
  seedDisconnectDelayMs: 500,
  seedCooldownMs: 2 * 60_000,
  resolveTimeoutMs: 2_000,
  privateAddresses: 'from-private-peers',
  learnInboundListenAddr: true,
});

const KNOWN = new Set([...Object.keys(DEFAULT_PEX_OPTIONS), 'needAddressThreshold', 'lookup']);
const POLICIES: readonly PrivateAddressPolicy[] = ['accept', 'from-private-peers', 'reject'];





/**
 * Validates options (unknown keys included, to catch typos) and fills in
 * defaults. `maxPeers` is the PeerManager's limit (0 = unlimited), used to
 * cap the default `needAddressThreshold`. Throws PexOptionsError.
 */
export function resolvePexOptions(input: Partial<PexOptions> | undefined, maxPeers = 0): ResolvedPexOptions {
  const raw = table(input ?? {}, [...KNOWN]) as Partial<PexOptions>;
  const o = { ...DEFAULT_PEX_OPTIONS, ...raw };

  const seedsRaw: unknown = o.seeds;
  if (!Array.isArray(seedsRaw)) return fail('seeds', seedsRaw, 'expected a list of node addresses');
  const seeds = seedsRaw.map((s: unknown) => {
    if (typeof s !== 'string') return fail('seeds', s, 'each seed must be an address string such as "<id>@host:26656"');
    try {
      return NodeAddress.parse(s);
    } catch (cause) {
      return fail('seeds', s, (cause as Error).message);
    }
  });
  if (!POLICIES.includes(o.privateAddresses)) fail('privateAddresses', o.privateAddresses, `expected one of ${POLICIES.join(', ')}`);
  if (o.lookup !== undefined && typeof o.lookup !== 'function') fail('lookup', o.lookup, 'expected a function (hostname) => IP strings');

  const threshold = o.needAddressThreshold === undefined ? DEFAULT_NEED_ADDRESS_THRESHOLD : integer('needAddressThreshold', o.needAddressThreshold, 0);
  return {
    requestIntervalMs: duration('requestIntervalMs', o.requestIntervalMs, 1),
    needAddressThreshold: maxPeers > 0 ? Math.min(threshold, maxPeers) : threshold,
    maxAddressesAccepted: integer('maxAddressesAccepted', o.maxAddressesAccepted, 1),
    maxAddressesSent: integer('maxAddressesSent', o.maxAddressesSent, 0),
    seedMode: boolean('seedMode', o.seedMode),
    seeds,
    banDurationMs: duration('banDurationMs', o.banDurationMs, 0),
    seedDisconnectDelayMs: duration('seedDisconnectDelayMs', o.seedDisconnectDelayMs, 0),
    seedCooldownMs: duration('seedCooldownMs', o.seedCooldownMs, 0),
    resolveTimeoutMs: duration('resolveTimeoutMs', o.resolveTimeoutMs, 1),
    privateAddresses: o.privateAddresses,
    learnInboundListenAddr: boolean('learnInboundListenAddr', o.learnInboundListenAddr),
    ...(o.lookup !== undefined ? { lookup: o.lookup } : {}),
  };
}
