import type { NodeAddress } from '../address/node-address.js';
import type { ConnectionTable } from './connections.js';
import type { PeerManagerOptions } from './options.js';
import type { PeerBook } from './peer-book.js';
import type { AddressOrigin, LearnedFrom } from './peer-entry.js';
import type { SelfAddresses } from './self-addresses.js';
import type { Clock, PeerManagerLogger } from './types.js';

/** What AddressIntake reads and changes of the peer manager. */
export interface AddressIntakeComponents {
  readonly options: Pick<PeerManagerOptions, 'persistentPeers'>;
  readonly peers: Pick<PeerBook, 'load' | 'removeAddresses' | 'addAddress' | 'has'>;
  readonly conns: Pick<ConnectionTable, 'dialing'>;
  readonly self: Pick<SelfAddresses, 'has'>;
  readonly clock: Clock;
  readonly log: PeerManagerLogger;
  /** Forgets the lowest-ranked peers beyond `maxPeers`. */
  prune(): void;
  /** Tells the router that a dial choice may have changed. */
  wakeDialer(): void;
}

/**
 * Takes in addresses from wherever they come — the store at start, the
 * configured persistent peers, the application and gossip — under the rule
 * they share: an address of this node is never taken in, since dialing it
 * can only reach ourselves. A new peer may push out a lower-ranked one.
 */
export class AddressIntake {
  constructor(private readonly components: AddressIntakeComponents) {}

  /** At start: the stored records, less any address of this node, then the persistent peers. */
  restore(records: readonly unknown[]): void {
    const { options, peers, self, clock, log } = this.components;
    peers.load(records, clock.now());
    const stale = peers.removeAddresses((a) => self.has(a));
    if (stale > 0) log.info({ addresses: stale }, 'stored addresses at this node\'s own address forgotten');
    for (const address of options.persistentPeers) {
      if (self.has(address)) log.warn({ peer: address.nodeId, address: address.toString() }, 'persistent peer is at this node\'s own address; not dialing it');
      else this.addAddress(address, { pinned: true });
    }
    this.components.prune();
  }

  /** See PeerManager.add. */
  add(address: NodeAddress, learnedFrom: LearnedFrom | undefined): boolean {
    if (this.components.self.has(address)) {
      this.components.log.debug({ peer: address.nodeId, address: address.toString() }, 'address of this node not added');
      return false;
    }
    return this.addAddress(address, { pinned: false, learnedFrom });
  }

  /** Adds an address (see PeerBook.addAddress), pruning and waking the dialer as needed. */
  private addAddress(address: NodeAddress, origin: AddressOrigin): boolean {
    const { peers, conns, clock } = this.components;
    const id = address.nodeId;
    const outcome = peers.addAddress(address, origin, clock.now(), conns.dialing.get(id));
    if (outcome === 'new-peer') this.components.prune();
    if (outcome === 'known' || outcome === 'refused' || !peers.has(id)) return false;
    this.components.wakeDialer();
    return true;
  }
}
