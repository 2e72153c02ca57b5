export { MemoryPeerStore } from './memory.js';
export { LEVEL_KEY_PREFIX, LevelPeerStore, levelKeyOf, type LevelPeerStoreStats, type LevelRepairReport } from './leveldb.js';
export { resolveLevelPath, type LevelPeerStoreOptions } from './level-options.js';
export { MongoPeerStore } from './mongodb/mongo-peer-store.js';
export { resolveMongoOptions, type MongoPeerStoreOptions } from './mongodb/options.js';
export type { MongoPeerStoreStatus, MongoStoreState } from './mongodb/status.js';
export type { PeerDocument } from './mongodb/peer-document.js';
export { mergeRecords } from './mongodb/record-merge.js';
export { PEER_RECORD_FORMAT_VERSION, checkRecord, decodeRecordJSON, encodeRecordJSON } from './record-codec.js';
export {
  PeerStoreClosedError,
  PeerStoreConfigError,
  PeerStoreConflictError,
  PeerStoreError,
  PeerStoreOpenError,
  PeerStoreUnavailableError,
  PeerStoreWriteError,
} from './errors.js';
