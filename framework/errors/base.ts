/**
 * Every error tmp2p throws is a P2PError subclass. Callers branch on `err.name`
 * (stable across bundlers, unlike `instanceof` across package copies) and read
 * `err.cause` for the underlying failure.
 */
export class P2PError extends Error {
  override name = 'P2PError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An async operation was cancelled through its AbortSignal. */
export class AbortError extends P2PError {
  override name = 'AbortError';
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A value handed to tmp2p (by a user, a config file or a peer) is malformed. */
export class InvalidArgumentError extends P2PError {
  override name = 'InvalidArgumentError';
}

/**
 * Builds an error without capturing a stack trace, for errors that are
 * normal control flow and never logged with one (an abort on an orderly
 * close): on hot paths capturing the stack costs more than the rest of
 * the work.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Throws AbortError when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

/** Normalises anything thrown into an Error so it can be logged and counted. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Whether `error` is a tmp2p error of the given class, by name. Plugins may
 * be loaded from another copy of tmp2p, whose classes fail `instanceof`.
 */
export function isErrorNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
