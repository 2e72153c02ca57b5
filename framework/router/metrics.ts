import type { ChannelStats } from './channel.js';
import type { GatingSnapshot } from '../gating/connection-gate.js';

export interface RouterMetricsSnapshot {
  readonly dials: number;
  readonly accepted: number;
  readonly evictions: number;
  readonly peerErrors: number;
  /** Peer errors counted without a log line: each connection logs its first only. */
  readonly peerErrorsNotLogged?: number;
  /** Failures by error name, e.g. { DialError: 3, HandshakeTimeoutError: 1 }. */
  readonly dialFailures: Readonly<Record<string, number>>;
  /** Inbound connections refused: by gating reason (e.g. "cidr-denied", "handshake-capacity"), else by error name. */
  readonly rejectedInbound: Readonly<Record<string, number>>;
  /** Dials refused by gating before dialing, or that connected but the PeerManager declined, by reason. */
  readonly rejectedOutbound: Readonly<Record<string, number>>;
  readonly loopErrors: Readonly<Record<string, number>>;
  /** Drops counted on peers that have since gone, by reason (e.g. "closed-discard": buffered messages not handled). */
  readonly departedPeerDrops: Readonly<Record<string, number>>;
  /**
   * Simultaneous dials (both ends dialed each other), by outcome: "held" (the
   * new connection kept as a standby), "promoted" (a standby took the routed
   * one's place), "replaced" (the routed one closed for the one the lower node
   * ID dialed), "standby-closed-by-peer", "standby-refused" (grace ended),
   * "loser-closed-by-peer" (the peer closed the routed loser before the winner
   * arrived here: a 'peer-up' with afterSimultaneousDial).
   */
  readonly duplicateConnections?: Readonly<Record<string, number>>;
  /** Successful dial-to-routed durations (ms): count, mean, max. */
  readonly dialLatency: { readonly count: number; readonly meanMs: number; readonly maxMs: number };
  readonly peers?: number;
  readonly channels?: readonly ChannelStats[];
  readonly peerDrops?: ReadonlyArray<{ nodeId: string; drops: Readonly<Record<string, number>> }>;
  /** Inbound handshakes in progress and each gater's denials and table sizes. */
  readonly gating?: GatingSnapshot;
}

type Keyed = 'dialFailures' | 'rejectedInbound' | 'rejectedOutbound' | 'loopErrors' | 'departedPeerDrops' | 'duplicateConnections';

/** Plain counters the router bumps; exported as snapshots for operators. */
export class RouterMetrics {
  dials = 0;
  accepted = 0;
  evictions = 0;
  peerErrors = 0;
  private readonly keyed: Record<Keyed, Map<string, number>> = {
    dialFailures: new Map(),
    rejectedInbound: new Map(),
    rejectedOutbound: new Map(),
    loopErrors: new Map(),
    departedPeerDrops: new Map(),
    duplicateConnections: new Map(),
  };
  private dialCount = 0;
  private dialTotalMs = 0;
  private dialMaxMs = 0;

  count(kind: Keyed, key: string, n = 1): void {
    const map = this.keyed[kind];
    map.set(key, (map.get(key) ?? 0) + n);
  }

  observeDial(ms: number): void {
    this.dialCount++;
    this.dialTotalMs += ms;
    if (ms > this.dialMaxMs) this.dialMaxMs = ms;
  }

  snapshot(extra: Partial<RouterMetricsSnapshot> = {}): RouterMetricsSnapshot {
    return {
      dials: this.dials,
      accepted: this.accepted,
      evictions: this.evictions,
      peerErrors: this.peerErrors,
      dialFailures: Object.fromEntries(this.keyed.dialFailures),
      rejectedInbound: Object.fromEntries(this.keyed.rejectedInbound),
      rejectedOutbound: Object.fromEntries(this.keyed.rejectedOutbound),
      loopErrors: Object.fromEntries(this.keyed.loopErrors),
      departedPeerDrops: Object.fromEntries(this.keyed.departedPeerDrops),
      duplicateConnections: Object.fromEntries(this.keyed.duplicateConnections),
      dialLatency: {
        count: this.dialCount,
        meanMs: this.dialCount ? this.dialTotalMs / this.dialCount : 0,
        maxMs: this.dialMaxMs,
      },
      ...extra,
    };
  }
}
