import { Plugin, injectable, type PeerScore, type PeerScoreInput, type ScoringStrategy } from 'tmp2p/plugins';

/**
 * Prefers peers that stay: a point per minute connected (up to an hour), ten
 * for a persistent peer, five off per failed dial, plus what reactors
 * reported. Cheap, synchronous and pure, as the PeerManager requires.
 */
@Plugin('scoring', 'uptime')
@injectable()
export default class UptimeScoring implements ScoringStrategy {
  readonly name = 'uptime';

  score(peer: PeerScoreInput): PeerScore {
    const parts = {
      uptime: Math.min(60, Math.floor(peer.connectedForMs / 60_000)),
      persistent: peer.persistent ? 10 : 0,
      failures: -5 * peer.dialFailures,
      behaviour: peer.behaviour,
    };
    return { total: parts.uptime + parts.persistent + parts.failures + parts.behaviour, parts };
  }
}
