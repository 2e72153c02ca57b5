import { silentPeerLogger, type PeerManagerLogger } from '../../framework/peer/types.js';

/** A child logger tagged with the store's component name, or a silent one when none is bound. */
export function storeLogger(logger: PeerManagerLogger | undefined, store: string): PeerManagerLogger {
  if (logger === undefined) return silentPeerLogger;
  const child = (logger as { child?: (bindings: object) => PeerManagerLogger }).child;
  return typeof child === 'function' ? child.call(logger, { component: 'peer-store', store }) : logger;
}
