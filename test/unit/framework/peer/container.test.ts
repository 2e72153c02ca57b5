import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { TOKENS } from '../../../../framework/tokens.js';
import * as peer from '../../../../framework/peer/index.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../../../plugins/scoring/default.js';
import { silentLogger } from '../../../../framework/logging/logger.js';
import { addr, FakeClock, FixedRandom, SELF } from './helpers.js';

describe('PeerManager: dependency injection', () => {
  it('keys every token by Symbol.for, so a plugin built against another copy of tmp2p binds the same slot', () => {
    for (const [name, token] of Object.entries(TOKENS)) assert.equal(token, Symbol.for(`tmp2p.${name}`), name);
  });

  it('resolves with only the required bindings (system clock, Math.random, no logger)', async () => {
    const c = new Container();
    c.bind(TOKENS.PeerManagerOptions).toConstantValue(peer.resolvePeerManagerOptions({ selfId: SELF }));
    c.bind(TOKENS.PeerStore).to(MemoryPeerStore).inSingletonScope();
    c.bind(TOKENS.ScoringStrategy).to(DefaultScoringStrategy).inSingletonScope();
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
    c.bind(TOKENS.PeerManagerOptions).toConstantValue(peer.resolvePeerManagerOptions({ selfId: SELF }));
    c.bind(TOKENS.PeerStore).to(MemoryPeerStore).inSingletonScope();
    c.bind(TOKENS.ScoringStrategy).to(DefaultScoringStrategy).inSingletonScope();
    c.bind(TOKENS.Clock).toConstantValue(clock);
    c.bind(TOKENS.Random).toConstantValue(new FixedRandom(0));
    c.bind(TOKENS.Logger).toConstantValue(silentLogger());
    c.bind(peer.PeerManager).toSelf().inSingletonScope();
    const pm = c.get(peer.PeerManager);
    await pm.start();
    pm.add(addr(1));
    pm.dialFailed(addr(1));
    assert.equal(pm.snapshot()[0].addressDetails[0].retryAt, 42_000 + 250);
  });

  it('rejects unvalidated options bound directly', () => {
    const c = new Container();
    c.bind(TOKENS.PeerManagerOptions).toConstantValue({ selfId: SELF, maxConnected: -1 });
    c.bind(TOKENS.PeerStore).to(MemoryPeerStore);
    c.bind(TOKENS.ScoringStrategy).to(DefaultScoringStrategy);
    c.bind(peer.PeerManager).toSelf();
    assert.throws(() => c.get(peer.PeerManager), /maxConnected/);
  });
});
