import { P2PError } from '../../../framework/errors/base.js';

/**
 * No MongoDB-compatible server can be had on this machine (no MONGODB_URI,
 * no mongod for mongodb-memory-server, no Go to build FerretDB). Tests catch
 * it and skip with its message, unless TMP2P_REQUIRE_MONGODB=1.
 */
export class MongoUnavailableError extends P2PError {
  override name = 'MongoUnavailableError';
}

/** A server was found or built but would not start or answer. */
export class MongoServerStartError extends P2PError {
  override name = 'MongoServerStartError';
}
