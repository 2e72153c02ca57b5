import { setMaxListeners } from 'node:events';
import type { Endpoint } from '../../../framework/address/endpoint.js';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { AbortError } from '../../../framework/errors/base.js';
import { deadlineSignal, sleepUnlessAborted as sleep } from '../../../framework/util/abort.js';
import { ECHO_CHANNEL_ID, EchoChannel } from '../../../reactors/echo/echo-channel.js';
import { PEX_CHANNEL_ID } from '../../../reactors/pex/pex-channel.js';
import {
  churnHandshake,
  evilBadAuthSig,
  evilEmptyPacket,
  evilFrameLength,
  evilGarbageKey,
  evilIncompatibleNetwork,
  evilLowOrderKey,
  evilNodeInfo,
  evilNoEphemeralKey,
  evilOverCapacityMessage,
  evilOversizedAuthSigPrefix,
  evilOversizedKeyPrefix,
  evilOversizedPacket,
  evilSlowloris,
  evilTamperedFrame,
  evilUnknownChannel,
  fatalBurst,
  RawPeer,
  UNDECODABLE,
  type AttackOptions as PeerAttackOptions,
} from '../evil-peers.js';
import type { AttackOptions } from './options.js';
import type { SeededRandom } from './random.js';

/** A node under attack; `up` is false while it restarts (attackers leave it alone then). */
export interface Target {
  readonly endpoint: Endpoint;
  up: boolean;
}

/** What one kind of attack did over the run. */
export interface AttackCounts {
  /** Attacks started. */
  attempts: number;
  /** Attacks whose hostile part reached the node: the faults injected. */
  injected: number;
  /** Of those, connections the node then closed itself. */
  droppedByNode: number;
  /** Of those, connections the node still held when the attacker gave up waiting (the answer timeout). Must stay 0. */
  notDropped: number;
  /** Attacks that could not deliver, by cause (e.g. "closed-by-node" when gating refused the connection first). */
  failed: Record<string, number>;
  /** Injected faults by variant (which rule was broken). */
  variants: Record<string, number>;
}

export interface IdleHoldCounts {
  /** Sockets opened and held without sending a byte. */
  opened: number;
  /** Of those, sockets the node closed (its handshake timeout); each was opened again. */
  closedByNode: number;
  /** Most held at once, over all nodes. */
  maxHeld: number;
  failed: Record<string, number>;
}

export interface AttackSummary {
  readonly churn: AttackCounts;
  readonly idleHold: IdleHoldCounts;
  readonly fatalBurst: AttackCounts & { messages: number };
  readonly violation: AttackCounts;
  readonly oversized: AttackCounts;
}

type Attack = (endpoint: Endpoint, options: PeerAttackOptions) => Promise<RawPeer>;

/** Rules a peer can break once, each from test/support/evil-peers.ts, which the integration tests prove the node refuses. */
const VIOLATIONS: ReadonlyArray<[string, Attack]> = [
  ['no-ephemeral-key', evilNoEphemeralKey],
  ['garbage-key', evilGarbageKey],
  ['low-order-key', evilLowOrderKey],
  ['bad-auth-signature', evilBadAuthSig],
  ['slowloris', evilSlowloris],
  ['incompatible-network', evilIncompatibleNetwork],
  ['tampered-frame', evilTamperedFrame],
  ['frame-length', evilFrameLength],
  ['empty-packet', evilEmptyPacket],
  ['unknown-channel', (e, o) => evilUnknownChannel(e, 0x55, o)],
];

const OVERSIZED: ReadonlyArray<[string, Attack]> = [
  ['key-length-prefix-1MiB', evilOversizedKeyPrefix],
  ['auth-sig-length-prefix-1MiB', evilOversizedAuthSigPrefix],
  ['packet-over-limit', (e, o) => evilOversizedPacket(e, ECHO_CHANNEL_ID, o)],
  ['message-over-capacity', (e, o) => evilOverCapacityMessage(e, ECHO_CHANNEL_ID, EchoChannel.recvMessageCapacity, o)],
];

/** Attackers of each kind come from their own /24 of 127.0.0.0/8, so the node's per-IP limits see many IPs and honest 127.0.0.1 is never one of them. */
const SUBNET = { churn: 1, idleHold: 2, fatalBurst: 3, violation: 4, oversized: 5 } as const;

function emptyCounts(): AttackCounts {
  return { attempts: 0, injected: 0, droppedByNode: 0, notDropped: 0, failed: {}, variants: {} };
}

function cause(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && e.code !== 'ABORT_ERR') return e.code;
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return 'gave-up';
  if (/remote closed/.test(String(e?.message))) return 'closed-by-node';
  return e?.name ?? 'unknown';
}

function bump(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/**
 * The soak's attacker mix, run from the conductor's process against every
 * node: handshake churn with fresh keys, idle sockets held open, bursts of
 * undecodable messages after a real handshake, one-rule protocol violations
 * and oversized length prefixes. Each worker picks a node that is up, attacks,
 * waits for the node to hang up (the answer timeout at most), pauses, and
 * goes again, until stop().
 */
export class AttackerMix {
  readonly counts: AttackSummary = {
    churn: emptyCounts(),
    idleHold: { opened: 0, closedByNode: 0, maxHeld: 0, failed: {} },
    fatalBurst: { ...emptyCounts(), messages: 0 },
    violation: emptyCounts(),
    oversized: emptyCounts(),
  };
  private readonly stopping = new AbortController();
  private readonly workers: Promise<void>[] = [];
  private held = 0;

  constructor(
    private readonly targets: readonly Target[],
    private readonly options: AttackOptions,
    private readonly random: SeededRandom,
    private readonly answerTimeoutMs: number,
  ) {}

  start(): void {
    // Every attack and idle socket in flight listens on it: one listener each, not a leak.
    setMaxListeners(0, this.stopping.signal);
    const o = this.options;
    for (let i = 0; i < o.churnWorkers; i++) this.workers.push(this.loop(() => this.churn()));
    for (let i = 0; i < o.burstWorkers; i++) this.workers.push(this.loop(() => this.burst()));
    for (let i = 0; i < o.violationWorkers; i++) this.workers.push(this.loop(() => this.oneOf('violation', VIOLATIONS)));
    for (let i = 0; i < o.oversizedWorkers; i++) this.workers.push(this.loop(() => this.oneOf('oversized', OVERSIZED)));
    this.targets.forEach((target, t) => {
      for (let slot = 0; slot < o.idleHoldsPerNode; slot++) this.workers.push(this.idleHold(target, `127.0.${SUBNET.idleHold}.${1 + (slot % 250)}`, t));
    });
  }

  /** Stops every worker, closing every socket the attackers hold, and resolves when all have ended. */
  async stop(): Promise<AttackSummary> {
    this.stopping.abort();
    await Promise.all(this.workers);
    return this.counts;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async loop(attack: () => Promise<void>): Promise<void> {
    while (!this.stopped) {
      await attack();
      await sleep(this.options.pauseMs, this.stopping.signal);
    }
  }

  /** A node that is up, or undefined while every node restarts. */
  private pickTarget(): Target | undefined {
    const up = this.targets.filter((t) => t.up);
    return up.length === 0 ? undefined : this.random.pick(up);
  }

  private from(kind: keyof typeof SUBNET): string {
    return `127.0.${SUBNET[kind]}.${1 + this.random.int(250)}`;
  }

  private async churn(): Promise<void> {
    const target = this.pickTarget();
    if (target === undefined) return;
    const counts = this.counts.churn;
    counts.attempts++;
    const { signal, dispose } = this.deadline();
    try {
      await churnHandshake(target.endpoint, NodeKey.generate(), { from: this.from('churn'), signal });
      counts.injected++;
      bump(counts.variants, 'handshake-then-hang-up');
    } catch (error) {
      if (!this.stopped) bump(counts.failed, cause(error));
    } finally {
      dispose();
    }
  }

  private burst(): Promise<void> {
    const messages = this.options.burstMessages;
    return this.deliver('fatalBurst', `undecodable-pex-x${messages}`, async (endpoint, options) => {
      const { peer } = await fatalBurst(
        endpoint,
        { channelId: PEX_CHANNEL_ID, data: UNDECODABLE, count: messages, nodeInfo: (key) => evilNodeInfo(key, { channels: Uint8Array.of(PEX_CHANNEL_ID, ECHO_CHANNEL_ID) }) },
        options,
      );
      this.counts.fatalBurst.messages += messages;
      return peer;
    });
  }

  private oneOf(kind: 'violation' | 'oversized', attacks: ReadonlyArray<[string, Attack]>): Promise<void> {
    const [variant, attack] = this.random.pick(attacks);
    return this.deliver(kind, variant, attack);
  }

  /** Runs `attack` against a node that is up and waits for the node to close the connection. */
  private async deliver(kind: 'fatalBurst' | 'violation' | 'oversized', variant: string, attack: Attack): Promise<void> {
    const target = this.pickTarget();
    if (target === undefined) return;
    const counts = this.counts[kind];
    counts.attempts++;
    const deadline = this.deadline();
    try {
      let peer: RawPeer;
      try {
        peer = await attack(target.endpoint, { from: this.from(kind), signal: deadline.signal });
      } catch (error) {
        if (!this.stopped) bump(counts.failed, cause(error));
        return;
      }
      counts.injected++;
      bump(counts.variants, variant);
      await peer.closed; // the node hangs up, or the deadline (or stop) destroys the socket
      if (this.stopped) return;
      if (deadline.timedOut()) counts.notDropped++;
      else counts.droppedByNode++;
    } finally {
      deadline.dispose();
    }
  }

  /** Aborts at stop() or after the answer timeout; timedOut() tells which. */
  private deadline(): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
    let timedOut = false;
    const { signal, dispose } = deadlineSignal(this.stopping.signal, this.answerTimeoutMs, () => {
      timedOut = true;
      return new AbortError(`the node did not close the connection within ${this.answerTimeoutMs} ms`);
    });
    return { signal, timedOut: () => timedOut, dispose };
  }

  /** One slot of idle sockets against `target`: open, say nothing, and open again once the node closes it. */
  private async idleHold(target: Target, from: string, _index: number): Promise<void> {
    const counts = this.counts.idleHold;
    while (!this.stopped) {
      if (!target.up) {
        await sleep(500, this.stopping.signal);
        continue;
      }
      try {
        const peer = await RawPeer.connect(target.endpoint, { from, signal: this.stopping.signal });
        counts.opened++;
        counts.maxHeld = Math.max(counts.maxHeld, ++this.held);
        await peer.closed;
        this.held--;
        if (!this.stopped) counts.closedByNode++;
      } catch (error) {
        if (!this.stopped) bump(counts.failed, cause(error));
      }
      await sleep(this.options.pauseMs, this.stopping.signal);
    }
  }
}
