import { PeerStoreError } from '../../framework/peer/errors.js';

export { PeerStoreError };

/** A persistent peer store was configured without what it needs (a directory, a URI). */
export class PeerStoreConfigError extends PeerStoreError {
  override name = 'PeerStoreConfigError';
}

/** The store's database could not be opened (locked by another process, unreadable, unreachable). */
export class PeerStoreOpenError extends PeerStoreError {
  override name = 'PeerStoreOpenError';
}

/** An operation was called after `close()`. */
export class PeerStoreClosedError extends PeerStoreError {
  override name = 'PeerStoreClosedError';
}

/** The database refused or failed a write. */
export class PeerStoreWriteError extends PeerStoreError {
  override name = 'PeerStoreWriteError';
}

/** Reading the store did not finish: the database is unreachable or the load deadline passed. */
export class PeerStoreUnavailableError extends PeerStoreError {
  override name = 'PeerStoreUnavailableError';
}

/** A write kept meeting other writers' newer revisions; it is retried later. */
export class PeerStoreConflictError extends PeerStoreError {
  override name = 'PeerStoreConflictError';
}
