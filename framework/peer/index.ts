export { PeerManager } from './peer-manager.js';
export {
  DEFAULT_PEER_MANAGER_OPTIONS,
  PERSISTENT_FALLBACK_MIN_RETRY_MS,
  resolvePeerManagerOptions,
  type PeerManagerOptions,
  type PeerManagerOptionsInput,
} from './options.js';
export {
  InvalidPeerManagerOptionsError,
  PeerManagerStateError,
  PeerRejectedError,
  PeerStoreError,
  type PeerRejectionReason,
} from './errors.js';
export type { PeerAddressRecord, PeerRecord, PeerStore, PeerStoreHealth, PeerStoreState } from './peer-store.js';
export { MAX_PEER_SCORE, MIN_PEER_SCORE, clampScore, type PeerScore, type PeerScoreInput, type ScoringStrategy } from './scoring.js';
export type { PeerAddressSnapshot, PeerManagerMetrics, PeerSnapshot } from './snapshot.js';
export type { PeerState } from './connections.js';
export type { AdvertiseContext } from './advertise.js';
export { MAX_ADDRESSES_PER_PEER, MAX_BEHAVIOUR, type LearnedFrom } from './peer-entry.js';
export { PENDING_WRITES_LIMIT } from './store-writer.js';
export { retryDelay } from './retry.js';
export {
  mathRandom,
  silentPeerLogger,
  systemClock,
  type Clock,
  type ConnectionDirection,
  type PeerBehaviour,
  type PeerManagerLogger,
  type PeerStatus,
  type PeerUpdate,
  type RandomSource,
} from './types.js';
