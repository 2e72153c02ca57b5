import assert from 'node:assert/strict';
import { PerIpConnections } from '../../../../plugins/gating/per-ip.js';

const config = (overrides: Partial<ConstructorParameters<typeof PerIpConnections>[0]> = {}) => ({
  maxConnections: 3,
  allowDuplicateIp: true,
  maxTrackedIps: 100,
  ...overrides,
});

describe('gating: connections per IP', () => {
  it('admits up to max_connections per IP, refuses the next with "ip-limit", and admits again after a release', () => {
    const perIp = new PerIpConnections(config({ maxConnections: 3 }));
    for (let i = 0; i < 3; i++) assert.equal(perIp.admit('10.0.0.1'), undefined);
    const denial = perIp.admit('10.0.0.1');
    assert.equal(denial?.reason, 'ip-limit');
    assert.match(denial!.message, /10\.0\.0\.1 already has 3 connections open \(gating\.per_ip\.max_connections = 3\)/);
    assert.equal(perIp.admit('10.0.0.2'), undefined, 'other IPs have their own count');
    perIp.release('10.0.0.1');
    assert.equal(perIp.count('10.0.0.1'), 2);
    assert.equal(perIp.admit('10.0.0.1'), undefined);
    assert.equal(perIp.admit('10.0.0.1')?.reason, 'ip-limit');
  });

  it('forgets an IP once its last connection is released', () => {
    const perIp = new PerIpConnections(config());
    perIp.admit('10.0.0.1');
    perIp.admit('10.0.0.1');
    assert.equal(perIp.stats().tracked, 1);
    perIp.release('10.0.0.1');
    perIp.release('10.0.0.1');
    assert.equal(perIp.stats().tracked, 0);
    perIp.release('10.0.0.1'); // a stray release is harmless
    assert.equal(perIp.count('10.0.0.1'), 0);
  });

  it('with allow_duplicate_ip = false refuses a second connection from the same IP ("duplicate-ip"), whatever max_connections says', () => {
    const perIp = new PerIpConnections(config({ allowDuplicateIp: false, maxConnections: 50 }));
    assert.equal(perIp.limit, 1);
    assert.equal(perIp.admit('192.0.2.7'), undefined);
    const denial = perIp.admit('192.0.2.7');
    assert.equal(denial?.reason, 'duplicate-ip');
    assert.match(denial!.message, /allow_duplicate_ip = false/);
    assert.equal(perIp.admit('192.0.2.8'), undefined);
    perIp.release('192.0.2.7');
    assert.equal(perIp.admit('192.0.2.7'), undefined);
  });

  it('tracks nothing with no limit and duplicates allowed', () => {
    const perIp = new PerIpConnections(config({ maxConnections: 0 }));
    for (let i = 0; i < 1000; i++) assert.equal(perIp.admit('10.0.0.1'), undefined);
    assert.equal(perIp.stats().tracked, 0);
  });

  it('never tracks more than max_tracked_ips: a new IP beyond it is refused ("ip-table-full") and counted', () => {
    const perIp = new PerIpConnections(config({ maxTrackedIps: 4 }));
    for (let i = 1; i <= 4; i++) assert.equal(perIp.admit(`10.0.0.${i}`), undefined);
    assert.equal(perIp.admit('10.0.0.1'), undefined, 'a tracked IP still gets its own slots');
    const denial = perIp.admit('10.0.0.5');
    assert.equal(denial?.reason, 'ip-table-full');
    assert.deepEqual(perIp.stats(), { tracked: 4, capacity: 4, refusals: 1 });
    perIp.release('10.0.0.3');
    assert.equal(perIp.admit('10.0.0.5'), undefined, 'room again once an IP has nothing open');
  });

  it('keeps its table bounded while an attacker cycles through addresses', () => {
    const perIp = new PerIpConnections(config({ maxTrackedIps: 1000 }));
    let refused = 0;
    for (let i = 0; i < 20_000; i++) if (perIp.admit(`2001:db8::${i.toString(16)}`)?.reason === 'ip-table-full') refused++;
    assert.equal(perIp.stats().tracked, 1000);
    assert.equal(refused, 19_000);
  });
});
