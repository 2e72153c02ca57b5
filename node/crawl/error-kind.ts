import type { CrawlErrorKind } from './crawl-result.js';

/** Socket error codes that mean "no route to that host or network". */
const NO_ROUTE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

/** Handshake errors that mean the node itself was reached and refused us (or we it): trying its other addresses is pointless. */
const FINAL = new Set<CrawlErrorKind>(['invalid-node-info', 'incompatible', 'self']);

function codeOf(error: Error): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * The kind of a failed dial or handshake, by error name (tmp2p errors are
 * keyed by `name`) and, for socket errors, by the errno code of the cause;
 * an error of no known kind is `dial-failed` or `handshake-failed` by the
 * phase it ended.
 */
export function crawlErrorKind(error: Error, phase: 'dial' | 'handshake'): CrawlErrorKind {
  switch (error.name) {
    case 'AddressResolutionError':
      return 'dns';
    case 'HandshakeTimeoutError':
      return 'handshake-timeout';
    case 'DialedIdMismatchError':
    case 'NodeIdMismatchError':
      return 'wrong-node-id';
    case 'InvalidPeerNodeInfoError':
    case 'InvalidNodeInfoError':
    case 'NodeInfoTooLargeError':
      return 'invalid-node-info';
    case 'IncompatiblePeerError':
      return 'incompatible';
    case 'SelfConnectionError':
      return 'self';
    case 'DialError': {
      const code = codeOf(error);
      if (code === 'ECONNREFUSED') return 'refused';
      if (code === 'ETIMEDOUT') return 'timeout';
      if (code !== undefined && NO_ROUTE.has(code)) return 'unreachable';
      return 'dial-failed';
    }
    default:
      return phase === 'dial' ? 'dial-failed' : 'handshake-failed';
  }
}

/** Whether a failure of this kind ends the node's chances (its other addresses are not tried). */
export function isFinalKind(kind: CrawlErrorKind): boolean {
  return FINAL.has(kind);
}
