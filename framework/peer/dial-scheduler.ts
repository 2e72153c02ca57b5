import type { NodeAddress } from '../address/node-address.js';
import type { ConnectionTable } from './connections.js';
import type { PeerCounters } from './counters.js';
import type { PeerBook } from './peer-book.js';
import type { Ranking } from './ranking.js';
import { chooseDial, nextDialTime } from './selection.js';
import type { Clock, PeerManagerLogger } from './types.js';

/** What DialScheduler reads and changes of the peer manager. */
export interface DialSchedulerComponents {
  readonly options: Parameters<typeof chooseDial>[3];
  readonly peers: Pick<PeerBook, 'get' | 'values' | 'size'>;
  readonly conns: ConnectionTable;
  readonly clock: Clock;
  readonly log: PeerManagerLogger;
  readonly counters: Pick<PeerCounters, 'dialAttempts'>;
  ranking(): Ranking;
}

/**
 * Hands out dials within the free slots (selection.ts chooses whom) and
 * says when waiting alone may let it hand out another. A dial handed out
 * holds its slot, and its upgrade target, until the manager ends it.
 */
export class DialScheduler {
  constructor(private readonly components: DialSchedulerComponents) {}

  /** The next address to dial, now counted as being dialed (see PeerManager.tryDialNext). */
  next(): NodeAddress | undefined {
    const { conns, options, log, counters } = this.components;
    if (!conns.hasFreeSlot() || this.everyPeerBusy()) return undefined;
    const choice = chooseDial(this.components.peers, conns, this.components.ranking(), options, conns.atCapacity(true), conns.outgoingFull());
    if (choice === undefined) return undefined;
    const { entry, address, replaces } = choice;
    if (replaces !== undefined) conns.upgrading.set(entry.nodeId, replaces);
    conns.dialing.set(entry.nodeId, address.key);
    counters.dialAttempts++;
    log.debug({ peer: entry.nodeId, address: address.key, upgradeFrom: replaces }, 'dialing peer');
    return address.address;
  }

  /** See PeerManager.nextDialAt. */
  nextAt(): number | undefined {
    const { peers, conns, options, clock } = this.components;
    if (!conns.hasFreeSlot() || this.everyPeerBusy()) return undefined;
    return nextDialTime(peers, conns, options, clock.now(), conns.outgoingFull());
  }

  /**
   * Every known peer is connected or being dialed, so no dial choice can find
   * one: the walks over every peer are skipped. (Connected and dialing peers
   * are never pruned or forgotten, so they are all known.) A node accepting
   * thousands of peers asks after each one; the walks made that quadratic —
   * about 14 % of its time while it accepted 5,000.
   */
  private everyPeerBusy(): boolean {
    return this.components.conns.busyCount >= this.components.peers.size;
  }
}
