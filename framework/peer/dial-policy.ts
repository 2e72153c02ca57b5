import type { PeerManagerOptions } from './options.js';
import type { AddressEntry, PeerEntry } from './peer-entry.js';
import { retryDelay } from './retry.js';

type GateOptions = Pick<
  PeerManagerOptions,
  'inactiveCooldownMs' | 'disconnectCooldownMs' | 'minRetryTimeMs' | 'maxRetryTimeMs' | 'maxRetryTimePersistentMs'
>;

/**
 * Earliest time the peer itself may be dialed, whatever its addresses: after
 * its ban, its dial hold, its inactive cooldown and its disconnect cooldown.
 */
export function peerGate(entry: PeerEntry, options: GateOptions): number {
  let at = Math.max(entry.bannedUntil ?? -Infinity, entry.dialHeldUntil ?? -Infinity);
  if (entry.inactiveSince !== undefined) at = Math.max(at, entry.inactiveSince + options.inactiveCooldownMs);
  if (entry.lastDisconnected !== undefined) at = Math.max(at, entry.lastDisconnected + options.disconnectCooldownMs);
  return at;
}

/** When the address's retry delay ends; −Infinity without failures, +Infinity for "never". */
export function retryAt(entry: PeerEntry, info: AddressEntry, options: GateOptions): number {
  if (info.dialFailures === 0) return -Infinity;
  return (info.lastDialFailure ?? 0) + retryDelay(info.dialFailures, entry.persistent, info.jitter, options);
}

/** When the first of the peer's addresses may be dialed (Infinity without addresses). */
export function earliestRetry(entry: PeerEntry, options: GateOptions): number {
  let at = Infinity;
  for (const info of entry.addresses.values()) at = Math.min(at, retryAt(entry, info, options));
  return at;
}

/** When the peer may be dialed: both the peer gate and one of its addresses must allow it. */
export function dialableAt(entry: PeerEntry, options: GateOptions): number {
  return Math.max(peerGate(entry, options), earliestRetry(entry, options));
}

/** The address to dial now, or undefined when the gate or every retry delay forbids it. */
export function dialableAddress(entry: PeerEntry, now: number, options: GateOptions): AddressEntry | undefined {
  if (peerGate(entry, options) > now) return undefined;
  let best: AddressEntry | undefined;
  for (const a of entry.addresses.values()) {
    if (retryAt(entry, a, options) <= now && isBetterAddress(a, best)) best = a;
  }
  return best;
}

/**
 * Whether a failing address is to be given up: `maxDialFailures` consecutive
 * failures of an address of a non-persistent peer that the operator did not
 * configure. Persistent peers are retried forever (their backoff is capped).
 */
export function shouldGiveUp(entry: PeerEntry, info: AddressEntry, options: Pick<PeerManagerOptions, 'maxDialFailures'>): boolean {
  return options.maxDialFailures > 0 && !entry.persistent && !info.pinned && info.dialFailures >= options.maxDialFailures;
}

/** Fewest failures first, then the most recent success, then the oldest-known. */
export function bestAddress(candidates: Iterable<AddressEntry>): AddressEntry | undefined {
  let best: AddressEntry | undefined;
  for (const a of candidates) if (isBetterAddress(a, best)) best = a;
  return best;
}

/** Whether `a` is preferred over `best` for dialing (fewest failures, then the most recent success). */
export function isBetterAddress(a: AddressEntry, best: AddressEntry | undefined): boolean {
  return (
    best === undefined ||
    a.dialFailures < best.dialFailures ||
    (a.dialFailures === best.dialFailures && (a.lastDialSuccess ?? -1) > (best.lastDialSuccess ?? -1))
  );
}
