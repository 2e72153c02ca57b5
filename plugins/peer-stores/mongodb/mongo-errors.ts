import { loadedMongoDriver } from './driver.js';

/** Server error codes that mean "not now" (shutdown, failover, network trouble), not "never". */
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Socket errors the driver sometimes lets through unwrapped (e.g. EPIPE when the server died between two commands). */
const NETWORK_ERROR_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN']);

/**
 * Whether a failed operation is worth retrying later: the database could not
 * be reached or is restarting. A server that answered with any other error
 * (bad document, missing permission) will answer the same next time, and any
 * other error (a closed client, a bug) is not an outage either.
 */
export function isTransientMongoError(error: unknown): boolean {
  if (isSocketError(error)) return true;
  // Without the driver loaded, no error can be one of its classes.
  const mongo = loadedMongoDriver();
  if (mongo === undefined) return false;
  if (error instanceof mongo.MongoServerError) {
    return TRANSIENT_SERVER_CODES.has(Number(error.code)) || error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool');
  }
  // Network errors include timeouts and a cleared connection pool.
  return (
    error instanceof mongo.MongoNetworkError ||
    error instanceof mongo.MongoServerSelectionError ||
    error instanceof mongo.MongoNotConnectedError ||
    error instanceof mongo.MongoOperationTimeoutError ||
    error instanceof mongo.MongoServerClosedError ||
    error instanceof mongo.MongoStalePrimaryError ||
    error instanceof mongo.MongoUnexpectedServerResponseError ||
    // A failed first connection closes the client's topology, and an operation that was waiting on it
    // fails with this; the next operation connects again. (After our own close() nothing is retried.)
    error instanceof mongo.MongoTopologyClosedError
  );
}

/** A server's answer that is no outage: it will answer the same next time. */
export function isMongoServerError(error: unknown): boolean {
  const mongo = loadedMongoDriver();
  return mongo !== undefined && error instanceof mongo.MongoServerError;
}

/** E11000: an insert met an existing document with the same key. */
export function isDuplicateKeyError(error: unknown): boolean {
  return isMongoServerError(error) && Number((error as { code?: unknown }).code) === 11000;
}

function isSocketError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) || isSocketError(error.cause, depth + 1);
}
