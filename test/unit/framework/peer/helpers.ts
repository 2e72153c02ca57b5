import { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { PeerManager } from '../../../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions, type PeerManagerOptionsInput } from '../../../../framework/peer/options.js';
import type { PeerStore } from '../../../../framework/peer/peer-store.js';
import type { ScoringStrategy } from '../../../../framework/peer/scoring.js';
import type { PeerManagerLogger, PeerUpdate } from '../../../../framework/peer/types.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../../../plugins/scoring/default.js';
import { SELF as SELF_ID } from './ids.js';

import { nid } from './ids.js';

export { nid, SELF } from './ids.js';

/** `mconn://<id(n)>@<ip>:26656`; the IP defaults to a public address derived from n. */
export function addr(n: number, host = `8.8.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`, port = 26656): NodeAddress {
  return NodeAddress.parse(`mconn://${nid(n)}@${host}:${port}`);
}

import { FakeClock, FixedRandom, SeededRandom } from '../../../support/fakes.js';

export { FakeClock, FixedRandom, SeededRandom };


export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg?: string;
}

export class CapturingLogger implements PeerManagerLogger {
  readonly lines: LogLine[] = [];
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', obj, msg });
  }
  at(level: LogLine['level']): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }
}

export interface Harness {
  readonly pm: PeerManager;
  readonly clock: FakeClock;
  readonly random: FixedRandom;
  readonly store: PeerStore;
  readonly log: CapturingLogger;
  /** Every update published to a subscriber attached at creation. */
  readonly updates: PeerUpdate[];
  /** Counts of dialWake$/evictWake$ emissions. */
  readonly wakes: { dial: number; evict: number };
}

export interface HarnessOptions {
  readonly options?: Partial<PeerManagerOptionsInput>;
  readonly store?: PeerStore;
  readonly scoring?: ScoringStrategy;
  readonly clock?: FakeClock;
  readonly random?: FixedRandom;
}

/** A started PeerManager over a memory store, fake clock and fixed random, with zero jitter and no separate inbound cap by default. */
export async function harness(h: HarnessOptions = {}): Promise<Harness> {
  const clock = h.clock ?? new FakeClock();
  const random = h.random ?? new FixedRandom(0.5);
  const store = h.store ?? new MemoryPeerStore();
  const log = new CapturingLogger();
  const options = resolvePeerManagerOptions({ selfId: SELF_ID, retryJitterMs: 0, maxInbound: 0, ...h.options });
  const pm = new PeerManager(options, store, h.scoring ?? new DefaultScoringStrategy(), clock, random, log);
  const updates: PeerUpdate[] = [];
  const wakes = { dial: 0, evict: 0 };
  pm.subscribe().subscribe((u) => updates.push(u));
  pm.dialWake$.subscribe(() => wakes.dial++);
  pm.evictWake$.subscribe(() => wakes.evict++);
  await pm.start();
  return { pm, clock, random, store, log, updates, wakes };
}

/** Dials whatever tryDialNext offers and reports it dialed and ready; returns the peer's ID. */
export function connectOutbound(pm: PeerManager, channels: number[] = [1]): NodeID {
  const address = pm.tryDialNext();
  if (address === undefined) throw new Error('nothing to dial');
  pm.dialed(address);
  pm.ready(address.nodeId, new Set(channels));
  return address.nodeId;
}

/** Accepts and readies an inbound peer. */
export function connectInbound(pm: PeerManager, id: NodeID, channels: number[] = [1]): void {
  pm.accepted(id);
  pm.ready(id, new Set(channels));
}

/** Dials every address tryDialNext offers now, returning them in order. */
export function drainDials(pm: PeerManager, max = 10_000): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (let a = pm.tryDialNext(); a !== undefined && out.length < max; a = pm.tryDialNext()) out.push(a);
  return out;
}
