import { parseListenHostPort, type ListenHostPort } from '../../../framework/address/host-port.js';
import { InvalidListenAddressError } from './errors.js';

/** Where the mconn transport listens, from `p2p.laddr`: host undefined = every interface (Go's ":port"), port 0 = any free port. */
export type ListenAddress = ListenHostPort;

/**
 * Parses `p2p.laddr` ("tcp://host:port", "host:port", "tcp://[::1]:port").
 * Returns undefined for "memory": a node configured that way may still load
 * this transport to dial TCP peers, it just does not listen.
 * @throws InvalidListenAddressError naming the value and the accepted forms
 */
export function parseListenAddress(laddr: string): ListenAddress | undefined {
  if (laddr === 'memory') return undefined;
  const parsed = parseListenHostPort(laddr);
  if (!parsed.ok) {
    throw new InvalidListenAddressError(
      `p2p.laddr ${JSON.stringify(laddr)} is not a TCP listen address (${parsed.reason}); expected "tcp://host:port" or "host:port" with a port 0-65535`,
    );
  }
  return parsed.value;
}
