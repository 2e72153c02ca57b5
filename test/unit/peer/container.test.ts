import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { TOKENS } from '../../../framework/tokens.js';
import * as peer from '../../../framework/peer/index.js';
import { MemoryPeerStore } from '../../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../../plugins/scoring/default.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { addr, FakeClock, FixedRandom, SELF } from './helpers.js';

describe('PeerManager: dependency injection', () => {
  it('uses the same token symbols as framework/tokens.ts', () => {
    assert.equal(peer.PEER_MANAGER_OPTIONS, TOKENS.PeerManagerOptions);
    assert.equal(peer.PEER_STORE, TOKENS.PeerStore);
    assert.equal(peer.SCORING_STRATEGY, TOKENS.ScoringStrategy);
    assert.equal(peer.CLOCK, TOKENS.Clock);
    assert.equal(peer.RANDOM, TOKENS.Random);
    assert.equal(peer.LOGGER, TOKENS.Logger);
    assert.equal(peer.FIXED_SCORES, Symbol.for('tmp2p.FixedScores'));
  });

  it('resolves with only the required bindings (system clock, Math.random, no logger)', async () => {
    const c = new Container();
    c.bind(peer.PEER_MANAGER_OPTIONS).toConstantValue(peer.resolvePeerManagerOptions({ selfId: SELF }));
    c.bind(peer.PEER_STORE).to(MemoryPeerStore).inSingletonScope();
    c.bind(peer.SCORING_STRATEGY).to(DefaultScoringStrategy).inSingletonScope();
    c.bind(peer.PeerManager).toSelf().inSingletonScope();
    const pm = c.get(peer.PeerManager);
    await pm.start();
    pm.add(addr(1));
    pm.dialFailed(addr(1));
    const retryAt = pm.snapshot()[0].addressDetails[0].retryAt;
    assert.ok(retryAt !== undefined && retryAt > Date.now() - 60_000, 'times come from the system clock');
    await pm.close();
  });

  it('takes the optional clock, random source and a pino logger', async () => {
    const c = new Container();
    const clock = new FakeClock(42_000);
    c.bind(peer.PEER_MANAGER_OPTIONS).toConstantValue(peer.resolvePeerManagerOptions({ selfId: SELF }));
    c.bind(peer.PEER_STORE).to(MemoryPeerStore).inSingletonScope();
    c.bind(peer.SCORING_STRATEGY).to(DefaultScoringStrategy).inSingletonScope();
    c.bind(peer.CLOCK).toConstantValue(clock);
    c.bind(peer.RANDOM).toConstantValue(new FixedRandom(0));
    c.bind(peer.LOGGER).toConstantValue(silentLogger());
    c.bind(peer.PeerManager).toSelf().inSingletonScope();
    const pm = c.get(peer.PeerManager);
    await pm.start();
    pm.add(addr(1));
    pm.dialFailed(addr(1));
    assert.equal(pm.snapshot()[0].addressDetails[0].retryAt, 42_000 + 250);
  });

  it('rejects unvalidated options bound directly', () => {
    const c = new Container();
    c.bind(peer.PEER_MANAGER_OPTIONS).toConstantValue({ selfId: SELF, maxConnected: -1 });
    c.bind(peer.PEER_STORE).to(MemoryPeerStore);
    c.bind(peer.SCORING_STRATEGY).to(DefaultScoringStrategy);
    c.bind(peer.PeerManager).toSelf();
    assert.throws(() => c.get(peer.PeerManager), /maxConnected/);
  });
});
