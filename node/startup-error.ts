import { P2PError } from '../framework/errors/base.js';

/** The parts of a node `start()` brings up, in order. */
export type NodePart = 'peer store' | 'router' | 'reactors' | 'status endpoint' | 'prometheus endpoint';

/**
 * A node failed to start. Everything it had already started was stopped
 * again before this was thrown. `key` is the config key the failure concerns
 * (e.g. "p2p.peer_store"), `part` what was starting, `cause` the failure.
 */
export class StartupError extends P2PError {
  override name = 'StartupError';
  constructor(
    message: string,
    readonly part: NodePart,
    readonly key: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A listener could not be opened: the address is in use, not local, or not
 * allowed. `key` is the config key that names it — `p2p.laddr`,
 * `status.laddr` or `instrumentation.prometheus_listen_addr` — and `address`
 * its value.
 */
export class ListenAddressError extends StartupError {
  override name = 'ListenAddressError';
  constructor(
    message: string,
    part: NodePart,
    key: string,
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(message, part, key, options);
  }
}
