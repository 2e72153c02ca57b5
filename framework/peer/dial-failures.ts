import type { NodeAddress } from '../address/node-address.js';
import type { NodeID } from '../identity/node-id.js';
import type { ConnectionRecord, ConnectionTable } from './connections.js';
import type { PeerCounters } from './counters.js';
import { retryAt, shouldGiveUp } from './dial-policy.js';
import type { PeerManagerOptions } from './options.js';
import type { PeerBook } from './peer-book.js';
import { isBannedAt, recordDialFailure, type AddressEntry, type PeerEntry } from './peer-entry.js';
import { dialReachedSelf, type SelfAddresses } from './self-addresses.js';
import type { Clock, PeerManagerLogger, RandomSource } from './types.js';

/** What DialFailures reads and changes of the peer manager. */
export interface DialFailuresComponents {
  readonly options: Pick<PeerManagerOptions, 'selfId' | 'retryJitterMs' | 'flapWindowMs' | 'maxDialFailures'> & Parameters<typeof retryAt>[2];
  readonly peers: Pick<PeerBook, 'get' | 'removeAddress' | 'removeAddresses'>;
  readonly conns: Pick<ConnectionTable, 'busy'>;
  readonly self: Pick<SelfAddresses, 'has' | 'learn'>;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly log: PeerManagerLogger;
  readonly counters: Pick<PeerCounters, 'dialFailures' | 'flaps' | 'addressesGivenUp' | 'peersGivenUp'>;
  /** Schedules a store write of the peer (the manager skips it once closed). */
  persist(id: NodeID): void;
}

/**
 * What a failed dial teaches the peer manager about the address: that it
 * leads back to this node, or that it is to be retried later — after a
 * retry delay that grows with each failure — and given up in the end. An
 * outbound connection that ends soon after its handshake (a flap) is such a
 * failure too. Freeing the dial slot stays with the manager.
 */
export class DialFailures {
  constructor(private readonly components: DialFailuresComponents) {}

  /** A dial of `address` failed with `error` (see PeerManager.dialFailed). */
  record(address: NodeAddress, error: Error | undefined): void {
    const { options, peers, self, clock, random, log, counters } = this.components;
    const id = address.nodeId;
    counters.dialFailures++;
    if (dialReachedSelf(error, options.selfId)) {
      self.learn(address);
      const removed = peers.removeAddresses((a) => self.has(a));
      log.info({ peer: id, address: address.toString(), removed }, 'address leads to this node; forgetting it');
      return;
    }
    const entry = peers.get(id);
    const info = entry?.addresses.get(address.toString());
    if (entry === undefined || info === undefined) {
      log.debug({ peer: id, address: address.toString(), err: error }, 'dial failure for an unknown address ignored');
      return;
    }
    const now = clock.now();
    recordDialFailure(info, info.dialFailures, now, random.next() * options.retryJitterMs);
    if (entry.persistent) {
      // The operator named this peer: say why it is unreachable, once per backoff step, without a stack.
      const at = retryAt(entry, info, options);
      const nextRetry = Number.isFinite(at) ? new Date(at).toISOString() : 'never';
      const fields = { peer: id, address: info.key, failures: info.dialFailures, reason: describeDialError(error), nextRetry, retryInMs: Math.max(0, Math.round(at - now)) };
      log.warn(fields, 'persistent peer unreachable');
    } else {
      log.debug({ peer: id, address: info.key, failures: info.dialFailures, err: error?.message }, 'dial failed');
    }
    this.afterFailure(entry, info, now);
  }

  /**
   * An outbound connection gone within `flapWindowMs` is a failed dial after
   * all: the address keeps the failures it had before, plus this one.
   */
  connectionEnded(entry: PeerEntry, connection: ConnectionRecord, now: number): void {
    const { options, random, log, counters } = this.components;
    const dialed = connection.dialedAddress;
    if (dialed === undefined || options.flapWindowMs === 0 || now - connection.since >= options.flapWindowMs) return;
    const info = entry.addresses.get(dialed.key);
    if (info === undefined) return;
    recordDialFailure(info, dialed.failuresBefore, now, random.next() * options.retryJitterMs);
    counters.flaps++;
    log.debug({ peer: entry.nodeId, address: info.key, failures: info.dialFailures, upMs: now - connection.since }, 'connection ended soon after the dial; backing off');
    this.afterFailure(entry, info, now);
  }

  /**
   * Persists a failed address, or gives it up once it has failed
   * `maxDialFailures` times in a row (CometBFT marks an address bad after
   * `maxAttemptsToDial`): it is removed, and the peer too when nothing else
   * keeps it (see PeerBook.removeAddress). Counted, never logged above debug:
   * a peer can gossip any number of dead addresses.
   */
  private afterFailure(entry: PeerEntry, info: AddressEntry, now: number): void {
    const { options, peers, conns, log, counters } = this.components;
    if (!shouldGiveUp(entry, info, options)) return this.components.persist(entry.nodeId);
    const id = entry.nodeId;
    const forgotten = peers.removeAddress(entry, info.key, conns.busy(id) || isBannedAt(entry, now));
    counters.addressesGivenUp++;
    if (forgotten) counters.peersGivenUp++;
    log.debug({ peer: id, address: info.key, failures: info.dialFailures, forgotten }, 'address given up after repeated dial failures');
  }
}

/** Longest dial-failure reason logged: a handshake error may quote what the peer sent. */
const MAX_REASON_CHARS = 200;

/** "DialError: …" with the root cause's message when the wrapper does not already say it; no stack. */
export function describeDialError(error: Error | undefined): string {
  if (error === undefined) return 'unknown';
  let root = error;
  while (root.cause instanceof Error) root = root.cause;
  const text = `${error.name}: ${error.message}`;
  const reason = root !== error && !error.message.includes(root.message) ? `${text} (${root.message})` : text;
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
}
