import assert from 'node:assert/strict';
import { InboundHandshakeLimit } from '../../../../framework/gating/handshake-limit.js';

describe('InboundHandshakeLimit', () => {
  it('caps handshakes in all, counting refusals', () => {
    const limit = new InboundHandshakeLimit(2);
    assert.equal(limit.tryBegin(), undefined);
    assert.equal(limit.tryBegin(), undefined);
    assert.equal(limit.tryBegin(), 'global');
    assert.equal(limit.refused, 1);
    limit.end();
    assert.equal(limit.inProgress, 1);
    assert.equal(limit.tryBegin(), undefined);
  });

  it('gives each IP only its share, so one IP cannot take every slot', () => {
    const limit = new InboundHandshakeLimit(10, 2);
    assert.equal(limit.tryBegin('10.0.0.1'), undefined);
    assert.equal(limit.tryBegin('10.0.0.1'), undefined);
    for (let i = 0; i < 100; i++) assert.equal(limit.tryBegin('10.0.0.1'), 'per-ip');
    assert.equal(limit.refusedPerIp, 100);
    assert.equal(limit.inProgress, 2, 'refusals take no slot');
    assert.equal(limit.tryBegin('10.0.0.2'), undefined, 'another IP still gets in');
    assert.equal(limit.trackedIps, 2);
    limit.end('10.0.0.1');
    assert.equal(limit.tryBegin('10.0.0.1'), undefined);
    limit.end('10.0.0.2');
    assert.equal(limit.trackedIps, 1, 'an IP without slots is forgotten');
  });

  it('keeps its per-IP table within the global cap, and connections without an IP under the global cap only', () => {
    const limit = new InboundHandshakeLimit(3, 1);
    for (let i = 1; i <= 3; i++) assert.equal(limit.tryBegin(`10.0.0.${i}`), undefined);
    assert.equal(limit.tryBegin('10.0.0.4'), 'global');
    assert.equal(limit.tryBegin(), 'global');
    assert.equal(limit.trackedIps, 3);
    limit.end('10.0.0.3');
    assert.equal(limit.tryBegin(), undefined, 'no IP: only the global cap applies');
    assert.equal(limit.tryBegin(), 'global');
    assert.equal(limit.refused, 3);
  });

  it('with a per-IP share of 0 keeps no per-IP state', () => {
    const limit = new InboundHandshakeLimit(5, 0);
    for (let i = 0; i < 5; i++) assert.equal(limit.tryBegin('127.0.0.1'), undefined);
    assert.equal(limit.tryBegin('127.0.0.1'), 'global');
    assert.equal(limit.trackedIps, 0);
  });

  it('rejects invalid limits', () => {
    assert.throws(() => new InboundHandshakeLimit(0), { name: 'InvalidArgumentError' });
    assert.throws(() => new InboundHandshakeLimit(2, -1), { name: 'InvalidArgumentError' });
    assert.throws(() => new InboundHandshakeLimit(2, 1.5), { name: 'InvalidArgumentError' });
  });
});
