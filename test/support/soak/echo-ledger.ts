import type { NodeID } from '../../../framework/identity/node-id.js';
import type { SendOutcome } from '../../../framework/router/channel.js';

/** The honest traffic of one node, as the soak's summary reports it. */
export interface EchoCounts {
  /** Pings queued to an honest peer. */
  sent: number;
  /** Of those, answered with the matching pong. */
  answered: number;
  /** Lost because this node or the peer restarted while they were in flight. */
  lostToRestart: number;
  /** Lost when the connection to the peer went down while neither side was restarting. Must stay 0. */
  lostToDisconnect: number;
  /** Still unanswered when the run ended, after waiting for the answers in flight. Must stay 0. */
  unanswered: number;
  /** Pongs that matched no ping in flight (answered twice, or after being written off). Must stay 0. */
  unmatchedPongs: number;
  /** Pings the router did not queue, by outcome (e.g. "unknown-peer" just as a peer went down). Known to the sender, so not lost. */
  notQueued: Partial<Record<SendOutcome, number>>;
  /**
   * Connections to honest peers that went down: while one side restarted; replaced because both ends
   * dialed at once (the router keeps the one the lower node ID dialed; this happens only as peers
   * (re)connect, so a start or restart explains it); and otherwise (must stay 0).
   */
  disconnects: { duringRestart: number; duplicateReplaced: number; unexplained: number };
  /** The first few unexplained disconnects: which peer, when (ms since the epoch), and the router's reason. */
  unexplainedDetails: Array<{ peer: NodeID; at: number; reason: string }>;
}

const MAX_DETAILS = 20;

interface InFlight {
  readonly peer: NodeID;
}

const PREFIX = 'soak:';

/**
 * Matches each echo ping a node sends to an honest peer with its pong, so
 * nothing can be lost unnoticed: a ping is answered, written off because a
 * restart explains it, or counted as lost. The host tells it which peers are
 * restarting (the conductor announces each restart before it starts and
 * after every node has the restarted one back).
 */
export class EchoLedger {
  readonly counts: EchoCounts = {
    sent: 0,
    answered: 0,
    lostToRestart: 0,
    lostToDisconnect: 0,
    unanswered: 0,
    unmatchedPongs: 0,
    notQueued: {},
    disconnects: { duringRestart: 0, duplicateReplaced: 0, unexplained: 0 },
    unexplainedDetails: [],
  };
  private readonly inFlight = new Map<string, InFlight>();
  private readonly restarting = new Set<NodeID>();
  /**
   * Downs no restart explains, waiting for the peer's return: a return that
   * ends a simultaneous dial the peer settled first (peer-up's
   * afterSimultaneousDial) explains it; any other return, or none by the end, does not.
   */
  private readonly pendingDowns = new Map<NodeID, { reason: string; at: number; lost: number }>();
  private seq = 0;

  constructor(private readonly ownTag: string) {}

  get pending(): number {
    return this.inFlight.size;
  }

  /** Sends one ping to `peer` through `send` (which returns the router's outcome) and remembers it if queued. */
  ping(peer: NodeID, send: (peer: NodeID, content: string) => SendOutcome): void {
    const content = `${PREFIX}${this.ownTag}:${++this.seq}`;
    const outcome = send(peer, content);
    if (outcome !== 'queued') {
      this.counts.notQueued[outcome] = (this.counts.notQueued[outcome] ?? 0) + 1;
      return;
    }
    this.counts.sent++;
    this.inFlight.set(content, { peer });
  }

  /** A pong came back from `peer` with `content`. Pongs of pings that are not the soak's are ignored. */
  answer(peer: NodeID, content: string): void {
    if (!content.startsWith(PREFIX)) return;
    const ping = this.inFlight.get(content);
    if (ping === undefined || ping.peer !== peer) {
      this.counts.unmatchedPongs++;
      return;
    }
    this.inFlight.delete(content);
    this.counts.answered++;
  }

  peerRestarting(peer: NodeID): void {
    this.restarting.add(peer);
  }

  peerBack(peer: NodeID): void {
    this.restarting.delete(peer);
  }

  /** The connection to honest peer `peer` went down (the router says why: `reason`): what was in flight to it will not be answered. */
  peerDown(peer: NodeID, reason = 'unknown'): void {
    this.settlePending(peer);
    const duplicate = reason.startsWith('DuplicateConnectionError');
    if (duplicate || this.restarting.has(peer)) {
      if (duplicate) this.counts.disconnects.duplicateReplaced++;
      else this.counts.disconnects.duringRestart++;
      this.writeOff((p) => p === peer, 'lostToRestart');
      return;
    }
    this.pendingDowns.set(peer, { reason, at: Date.now(), lost: this.takeInFlight((p) => p === peer) });
  }

  /** The connection to honest peer `peer` is up again; `afterSimultaneousDial` as the router's peer-up event says. */
  peerUp(peer: NodeID, afterSimultaneousDial: boolean): void {
    const down = this.pendingDowns.get(peer);
    if (down === undefined) return;
    this.pendingDowns.delete(peer);
    if (!afterSimultaneousDial) {
      this.countUnexplained(peer, down);
      return;
    }
    this.counts.disconnects.duplicateReplaced++;
    this.counts.lostToRestart += down.lost;
  }

  /** This node is about to stop for a restart: nothing in flight will be answered. */
  selfRestarting(): void {
    this.writeOff(() => true, 'lostToRestart');
  }

  /** The run is over: whatever is still in flight was never answered. */
  close(): number {
    for (const peer of [...this.pendingDowns.keys()]) this.settlePending(peer);
    const lost = this.inFlight.size;
    this.writeOff(() => true, 'unanswered');
    return lost;
  }

  /** A down still waiting for the peer's return is settled as unexplained (the peer went down again, or the run ended). */
  private settlePending(peer: NodeID): void {
    const down = this.pendingDowns.get(peer);
    if (down === undefined) return;
    this.pendingDowns.delete(peer);
    this.countUnexplained(peer, down);
  }

  private countUnexplained(peer: NodeID, down: { reason: string; at: number; lost: number }): void {
    this.counts.disconnects.unexplained++;
    this.counts.lostToDisconnect += down.lost;
    if (this.counts.unexplainedDetails.length < MAX_DETAILS) this.counts.unexplainedDetails.push({ peer, at: down.at, reason: down.reason });
  }

  private writeOff(match: (peer: NodeID) => boolean, bucket: 'lostToRestart' | 'lostToDisconnect' | 'unanswered'): void {
    this.counts[bucket] += this.takeInFlight(match);
  }

  /** Removes the pings in flight to the peers `match` accepts; returns how many there were. */
  private takeInFlight(match: (peer: NodeID) => boolean): number {
    let taken = 0;
    for (const [content, ping] of this.inFlight) {
      if (!match(ping.peer)) continue;
      this.inFlight.delete(content);
      taken++;
    }
    return taken;
  }
}
