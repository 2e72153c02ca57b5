import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoStalePrimaryError,
  MongoUnexpectedServerResponseError,
} from 'mongodb';

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
  if (error instanceof MongoServerError) {
    return TRANSIENT_SERVER_CODES.has(Number(error.code)) || error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool');
  }
  if (isSocketError(error)) return true;
  // Network errors include timeouts and a cleared connection pool.
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoStalePrimaryError ||
    error instanceof MongoUnexpectedServerResponseError
  );
}

/** E11000: an insert met an existing document with the same key. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && Number(error.code) === 11000;
}

function isSocketError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) || isSocketError(error.cause, depth + 1);
}
