import { isNodeID, type NodeID } from '../identity/node-id.js';
import type { NodeAddress } from '../address/node-address.js';
import { InvalidPeerManagerOptionsError } from './errors.js';

/**
 * Options of the PeerManager (ADR 062 / Tendermint v0.35 `PeerManagerOptions`,
 * in camelCase and milliseconds). Build them with `resolvePeerManagerOptions`,
 * which fills the defaults and validates.
 */
export interface PeerManagerOptions {
  /** This node's ID. Required; connections to it are refused and it is never stored. */
  readonly selfId: NodeID;
  /**
   * The address other nodes should dial to reach this node (`p2p.external_address`);
   * advertised first by `advertise()`, to requesters it is visible to. Must
   * carry `selfId`. Default: none (nothing advertised for self).
   */
  readonly selfAddress?: NodeAddress;
  /**
   * Further places this node is reached at, besides `selfAddress`: its listen
   * addresses. An address at the host:port of `selfAddress` or of one of
   * these is this node whatever node ID it carries, so it is never added,
   * dialed or advertised. Every entry must carry `selfId`. Default: none.
   */
  readonly listenAddresses: readonly NodeAddress[];
  /**
   * Peers to stay connected to: always ranked above other peers, never pruned,
   * never evicted for a non-persistent peer, always retried (backoff capped by
   * `maxRetryTimePersistentMs`). Default: none.
   */
  readonly persistentPeers: readonly NodeAddress[];
  /** Peers never advertised to others (e.g. validators behind sentries). Default: none. */
  readonly privatePeerIds: readonly NodeID[];
  /** Maximum connected peers, inbound plus outbound; 0 = unlimited. Default 64. */
  readonly maxConnected: number;
  /**
   * Maximum inbound connections of non-persistent peers; 0 = no separate cap
   * (only `maxConnected`). Inbound peers beyond it are refused after the
   * handshake ("max-inbound"), so strangers dialing us can never take the
   * slots kept for our own dials (`maxOutgoing`) and persistent peers (which
   * are exempt, as CometBFT's unconditional peers are). When both are set,
   * `maxInbound + maxOutgoing <= maxConnected`. Default 40 (CometBFT's
   * `max_num_inbound_peers`).
   */
  readonly maxInbound: number;
  /**
   * Stop dialing non-persistent peers once this many outbound connections
   * exist or are being dialed (persistent peers are always dialed); 0 = no limit. Default 10.
   */
  readonly maxOutgoing: number;
  /**
   * Extra slots above `maxConnected` used to connect a better-ranked peer and
   * then evict a worse one (upgrading). Default 4.
   */
  readonly maxConnectedUpgrade: number;
  /** Maximum peers remembered (and stored); the lowest-ranked idle peers are pruned; 0 = unlimited. Default 1000. */
  readonly maxPeers: number;
  /**
   * Delay before the first retry of a failed address; each further failure
   * doubles it. 0 = never retry non-persistent peers (persistent ones then back
   * off from `PERSISTENT_FALLBACK_MIN_RETRY_MS`). Default 250 ms.
   */
  readonly minRetryTimeMs: number;
  /**
   * Consecutive failed dials (flaps included) after which an address of a
   * non-persistent peer is given up: removed, and the peer forgotten when it
   * has no address left and is not connected or banned (both persisted in the
   * peer store). Addresses of persistent peers are retried forever, with
   * backoff capped by `maxRetryTimePersistentMs`. 0 = never give up.
   * Default 16 (CometBFT's `maxAttemptsToDial`); with the default retry
   * delays the 16th failure comes about 1.5 h after the first.
   */
  readonly maxDialFailures: number;
  /** Cap on the retry delay (jitter included); 0 = uncapped. Default 30 min. */
  readonly maxRetryTimeMs: number;
  /** Cap on the retry delay of persistent peers; 0 = use `maxRetryTimeMs`. Default 5 min. */
  readonly maxRetryTimePersistentMs: number;
  /** Random extra delay in [0, retryJitterMs) added to each retry, so peers do not retry in lockstep. Default 3000 ms. */
  readonly retryJitterMs: number;
  /** Do not redial a peer within this time after it disconnected. Default 2000 ms. */
  readonly disconnectCooldownMs: number;
  /**
   * An outbound connection that ends within this time of its handshake counts
   * as a failed dial of that address (its retry delay grows) instead of a
   * success. A peer that completes the handshake and then hangs up — full,
   * or refusing us — is otherwise redialed every `disconnectCooldownMs`
   * forever. 0 = off. Default 10 000 ms.
   */
  readonly flapWindowMs: number;
  /**
   * After a peer is marked inactive (incompatible), do not dial it nor accept
   * new addresses for it for this long; then try again, as it may have upgraded.
   * Default 10 min.
   */
  readonly inactiveCooldownMs: number;
}

/** Input of `resolvePeerManagerOptions`: `selfId` plus any options to override. */
export type PeerManagerOptionsInput = Partial<PeerManagerOptions> & Pick<PeerManagerOptions, 'selfId'>;

/** Backoff base for persistent peers when `minRetryTimeMs` is 0 (which only disables retries of other peers). */
export const PERSISTENT_FALLBACK_MIN_RETRY_MS = 250;

/** Every default, as documented on `PeerManagerOptions`. */
export const DEFAULT_PEER_MANAGER_OPTIONS: Readonly<Omit<PeerManagerOptions, 'selfId' | 'selfAddress'>> = Object.freeze({
  persistentPeers: Object.freeze([]) as readonly NodeAddress[],
  listenAddresses: Object.freeze([]) as readonly NodeAddress[],
  privatePeerIds: Object.freeze([]) as readonly NodeID[],
  maxConnected: 64,
  maxInbound: 40,
  maxOutgoing: 10,
  maxConnectedUpgrade: 4,
  maxPeers: 1000,
  minRetryTimeMs: 250,
  maxDialFailures: 16,
  maxRetryTimeMs: 30 * 60_000,
  maxRetryTimePersistentMs: 5 * 60_000,
  retryJitterMs: 3000,
  disconnectCooldownMs: 2000,
  flapWindowMs: 10_000,
  inactiveCooldownMs: 10 * 60_000,
});

const INTEGER_OPTIONS = [
  'maxConnected',
  'maxInbound',
  'maxOutgoing',
  'maxConnectedUpgrade',
  'maxPeers',
  'minRetryTimeMs',
  'maxDialFailures',
  'maxRetryTimeMs',
  'maxRetryTimePersistentMs',
  'retryJitterMs',
  'disconnectCooldownMs',
  'flapWindowMs',
  'inactiveCooldownMs',
] as const;

const KNOWN_OPTIONS = new Set<string>([...INTEGER_OPTIONS, 'selfId', 'selfAddress', 'listenAddresses', 'persistentPeers', 'privatePeerIds']);

function fail(option: string, value: unknown, rule: string): never {
  throw new InvalidPeerManagerOptionsError(option, value, rule);
}

function isNodeAddressLike(value: unknown): value is NodeAddress {
  return (
    typeof value === 'object' &&
    value !== null &&
    isNodeID((value as NodeAddress).nodeId) &&
    typeof (value as NodeAddress).protocol === 'string' &&
    typeof (value as NodeAddress).toString === 'function'
  );
}

/**
 * Fills defaults into `input` and validates the result: the v0.35 `Validate()`
 * rules (valid persistent/private IDs; persistent peers fit in `maxConnected`;
 * with `maxPeers` set, `maxConnected` is set and `maxConnected +
 * maxConnectedUpgrade <= maxPeers`; retry caps ≥ `minRetryTimeMs`;
 * `maxOutgoing <= maxConnected`; `maxInbound + maxOutgoing <= maxConnected`) plus sanity checks (non-negative safe
 * integers, known option names, self and listen addresses carry `selfId`, self is not a
 * persistent peer). Throws InvalidPeerManagerOptionsError naming the option.
 *
 * Deviation from v0.35: a retry cap does not require `minRetryTimeMs > 0`,
 * because persistent peers are retried even when other peers are not.
 */
export function resolvePeerManagerOptions(input: PeerManagerOptionsInput): PeerManagerOptions {
  if (typeof input !== 'object' || input === null) fail('options', input, 'must be an object');
  for (const key of Object.keys(input)) {
    if (!KNOWN_OPTIONS.has(key)) fail(key, (input as unknown as Record<string, unknown>)[key], `unknown option (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<PeerManagerOptions>;
  const o = { ...DEFAULT_PEER_MANAGER_OPTIONS, ...defined } as PeerManagerOptions;

  if (!isNodeID(o.selfId)) fail('selfId', o.selfId, 'required; must be a node ID (40 lowercase hex characters)');
  for (const name of INTEGER_OPTIONS) {
    const value = o[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(name, value, 'must be a non-negative integer');
  }
  if (o.selfAddress !== undefined) {
    if (!isNodeAddressLike(o.selfAddress)) fail('selfAddress', o.selfAddress, 'must be a NodeAddress');
    if (o.selfAddress.nodeId !== o.selfId) fail('selfAddress', o.selfAddress, `must carry selfId ${o.selfId}`);
  }
  if (!Array.isArray(o.listenAddresses)) fail('listenAddresses', o.listenAddresses, 'must be an array of NodeAddress');
  for (const address of o.listenAddresses) {
    if (!isNodeAddressLike(address)) fail('listenAddresses', address, 'every entry must be a NodeAddress');
    if (address.nodeId !== o.selfId) fail('listenAddresses', address, `every entry must carry selfId ${o.selfId}`);
  }
  if (!Array.isArray(o.persistentPeers)) fail('persistentPeers', o.persistentPeers, 'must be an array of NodeAddress');
  for (const peer of o.persistentPeers) {
    if (!isNodeAddressLike(peer)) fail('persistentPeers', peer, 'every entry must be a NodeAddress with a valid node ID');
    if (peer.nodeId === o.selfId) fail('persistentPeers', peer, 'must not contain this node (selfId)');
  }
  if (!Array.isArray(o.privatePeerIds)) fail('privatePeerIds', o.privatePeerIds, 'must be an array of node IDs');
  for (const id of o.privatePeerIds) {
    if (!isNodeID(id)) fail('privatePeerIds', id, 'every entry must be a node ID (40 lowercase hex characters)');
  }

  const persistentIds = new Set(o.persistentPeers.map((p) => p.nodeId));
  if (o.maxConnected > 0 && persistentIds.size > o.maxConnected) {
    fail('persistentPeers', o.persistentPeers, `lists ${persistentIds.size} peers but maxConnected is ${o.maxConnected}; every persistent peer must fit`);
  }
  if (o.maxPeers > 0) {
    if (o.maxConnected === 0) fail('maxConnected', o.maxConnected, 'must be > 0 (limited) when maxPeers is limited');
    if (o.maxConnected + o.maxConnectedUpgrade > o.maxPeers) {
      fail('maxPeers', o.maxPeers, `must be at least maxConnected + maxConnectedUpgrade = ${o.maxConnected + o.maxConnectedUpgrade}`);
    }
  }
  if (o.maxRetryTimeMs > 0 && o.maxRetryTimeMs < o.minRetryTimeMs) {
    fail('maxRetryTimeMs', o.maxRetryTimeMs, `must be 0 (uncapped) or at least minRetryTimeMs = ${o.minRetryTimeMs}`);
  }
  if (o.maxRetryTimePersistentMs > 0 && o.maxRetryTimePersistentMs < o.minRetryTimeMs) {
    fail('maxRetryTimePersistentMs', o.maxRetryTimePersistentMs, `must be 0 (use maxRetryTimeMs) or at least minRetryTimeMs = ${o.minRetryTimeMs}`);
  }
  if (o.maxConnected > 0 && o.maxOutgoing > o.maxConnected) {
    fail('maxOutgoing', o.maxOutgoing, `must not exceed maxConnected = ${o.maxConnected}`);
  }
  if (o.maxConnected > 0 && o.maxInbound > 0 && o.maxInbound + o.maxOutgoing > o.maxConnected) {
    fail('maxInbound', o.maxInbound, `plus maxOutgoing = ${o.maxOutgoing} must not exceed maxConnected = ${o.maxConnected}, or inbound peers could take the slots kept for our own dials`);
  }

  return Object.freeze({
    ...o,
    persistentPeers: Object.freeze([...o.persistentPeers]),
    listenAddresses: Object.freeze([...o.listenAddresses]),
    privatePeerIds: Object.freeze([...o.privatePeerIds]),
  });
}
