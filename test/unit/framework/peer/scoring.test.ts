import assert from 'node:assert/strict';
import { Container } from 'inversify';
import fc from 'fast-check';
import { DefaultScoringStrategy, PERSISTENT_FLOOR } from '../../../../plugins/scoring/default.js';
import { FixedScoringStrategy } from '../../../../plugins/scoring/fixed.js';
import { TOKENS } from '../../../../framework/tokens.js';
import { MAX_PEER_SCORE, MIN_PEER_SCORE, SCORE_REUSE_MS, clampScore, type PeerScoreInput, type ScoringStrategy } from '../../../../framework/peer/scoring.js';
import { nid } from './ids.js';
import { addr, harness } from './helpers.js';

const base: PeerScoreInput = { nodeId: nid(1), persistent: false, behaviour: 0, dialFailures: 0, connectedForMs: 0, now: 0 };

function sumParts(parts: Readonly<Record<string, number>>): number {
  return Object.values(parts).reduce((a, b) => a + b, 0);
}

describe('DefaultScoringStrategy', () => {
  const s = new DefaultScoringStrategy();

  it('is named "default" and scores a fresh peer 0 with explaining parts', () => {
    assert.equal(s.name, 'default');
    const score = s.score(base);
    assert.equal(score.total, 0);
    assert.deepEqual(score.parts, { persistent: 0, behaviour: 0, dialFailures: 0, uptime: 0 });
  });

  it('rewards good behaviour, punishes bad behaviour and dial failures', () => {
    assert.ok(s.score({ ...base, behaviour: 3 }).total > 0);
    assert.ok(s.score({ ...base, behaviour: -3 }).total < 0);
    assert.ok(s.score({ ...base, dialFailures: 2 }).total < s.score({ ...base, dialFailures: 1 }).total);
    assert.equal(s.score({ ...base, dialFailures: 2 }).parts.dialFailures, -200);
  });

  it('gives a capped uptime bonus', () => {
    assert.equal(s.score({ ...base, connectedForMs: 59_999 }).parts.uptime, 0);
    assert.equal(s.score({ ...base, connectedForMs: 5 * 60_000 }).parts.uptime, 5);
    assert.equal(s.score({ ...base, connectedForMs: 1e12 }).parts.uptime, 100);
  });

  it('ranks every persistent peer above every non-persistent one, and parts always add up', () => {
    fc.assert(
      fc.property(
        fc.record({ behaviour: fc.integer({ min: -20_000, max: 20_000 }), dialFailures: fc.nat(1e6), connectedForMs: fc.nat() }),
        fc.record({ behaviour: fc.integer({ min: -20_000, max: 20_000 }), dialFailures: fc.nat(1e6), connectedForMs: fc.nat() }),
        (p, q) => {
          const persistent = s.score({ ...base, ...p, persistent: true });
          const other = s.score({ ...base, ...q, persistent: false });
          assert.ok(persistent.total > other.total);
          assert.ok(persistent.total >= PERSISTENT_FLOOR && persistent.total <= MAX_PEER_SCORE);
          assert.ok(other.total >= MIN_PEER_SCORE && other.total < PERSISTENT_FLOOR);
          assert.equal(sumParts(persistent.parts), persistent.total);
          assert.equal(sumParts(other.parts), other.total);
        },
      ),
    );
  });

  it('treats non-finite inputs as 0 instead of producing NaN', () => {
    const score = s.score({ ...base, behaviour: Number.NaN, dialFailures: Infinity, connectedForMs: -5 });
    assert.equal(score.total, 0);
  });

  it('persistent peers still differ among themselves', () => {
    assert.ok(s.score({ ...base, persistent: true }).total > s.score({ ...base, persistent: true, dialFailures: 3 }).total);
  });
});

describe('FixedScoringStrategy', () => {
  it('scores from its table, 0 for unknown peers, clamped to the score range', () => {
    const s = new FixedScoringStrategy(new Map([[nid(1), 42], [nid(2), 1e9]]));
    assert.equal(s.name, 'fixed');
    assert.deepEqual(s.score({ ...base, nodeId: nid(1) }), { total: 42, parts: { fixed: 42 } });
    assert.equal(s.score({ ...base, nodeId: nid(2) }).total, MAX_PEER_SCORE);
    assert.equal(s.score({ ...base, nodeId: nid(3), persistent: true, behaviour: 100 }).total, 0);
  });

  it('accepts a plain object and no table at all', () => {
    assert.equal(new FixedScoringStrategy({ [nid(1)]: -5 }).score(base).total, -5);
    assert.equal(new FixedScoringStrategy().score(base).total, 0);
  });

  it('rejects non-finite scores, naming the peer', () => {
    assert.throws(() => new FixedScoringStrategy({ [nid(7)]: Number.NaN }), new RegExp(nid(7)));
    assert.throws(() => new FixedScoringStrategy(new Map([[nid(7), '3' as unknown as number]])), /finite number/);
  });

  it('is injectable with and without TOKENS.FixedScores', () => {
    const c = new Container();
    c.bind<ScoringStrategy>(TOKENS.ScoringStrategy).to(FixedScoringStrategy);
    assert.equal(c.get<ScoringStrategy>(TOKENS.ScoringStrategy).score(base).total, 0);
    const d = new Container();
    d.bind(TOKENS.FixedScores).toConstantValue({ [nid(1)]: 9 });
    d.bind<ScoringStrategy>(TOKENS.ScoringStrategy).to(FixedScoringStrategy);
    assert.equal(d.get<ScoringStrategy>(TOKENS.ScoringStrategy).score(base).total, 9);
    d.bind(DefaultScoringStrategy).toSelf();
    assert.equal(d.get(DefaultScoringStrategy).name, 'default');
  });
});

describe('clampScore', () => {
  it('clamps to [-10000, 10000] and maps NaN to 0', () => {
    assert.equal(clampScore(1e9), 10_000);
    assert.equal(clampScore(-1e9), -10_000);
    assert.equal(clampScore(Number.NaN), 0);
    assert.equal(clampScore(12), 12);
  });
});

describe('PeerManager score reuse', () => {
  /** Scores by the clock (whole seconds) plus behaviour, and counts its calls. */
  class ClockScoring implements ScoringStrategy {
    readonly name = 'clock';
    calls = 0;
    score(input: PeerScoreInput) {
      this.calls++;
      const total = Math.floor(input.now / 1000) + input.behaviour * 100;
      return { total, parts: { clock: total } };
    }
  }

  it('rescores at once when an input changes, and reuses a score only within SCORE_REUSE_MS', async () => {
    const scoring = new ClockScoring();
    const { pm, clock } = await harness({ scoring });
    pm.add(addr(1));
    pm.add(addr(2));
    const scoreOf = (n: number) => pm.snapshot().find((p) => p.nodeId === nid(n))!.score.total;
    const t0 = Math.floor(clock.now() / 1000);
    assert.equal(scoreOf(1), t0);
    const calls = scoring.calls;
    pm.snapshot();
    pm.snapshot();
    assert.equal(scoring.calls, calls, 'unchanged inputs at the same time are not scored again');

    pm.report(nid(1), { kind: 'good' });
    assert.equal(scoreOf(1), t0 + 100, 'a behaviour report shows in the very next ranking');
    assert.equal(scoreOf(2), t0);

    clock.advance(SCORE_REUSE_MS - 1);
    assert.equal(scoreOf(2), t0, 'reused within the window');
    clock.advance(1);
    assert.equal(scoreOf(2), t0 + Math.floor(SCORE_REUSE_MS / 1000), 'rescored once the window has passed');
    await pm.close();
  });
});
