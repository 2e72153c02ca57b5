import assert from 'node:assert/strict';
import { remoteIPGroup, remoteIPKey } from '../../../../framework/gating/remote-ip.js';

describe('gating: remote IP keys and the groups per-IP limits count', () => {
  it('keys IPv4-mapped IPv6 as plain IPv4 and IPv6 in RFC 5952 form', () => {
    assert.equal(remoteIPKey('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(remoteIPKey('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(remoteIPKey('not an ip'), undefined);
  });

  it('counts an IPv4 address as itself, whatever the IPv6 prefix length', () => {
    assert.equal(remoteIPGroup('10.0.0.1', 64), '10.0.0.1');
    assert.equal(remoteIPGroup('10.0.0.1', 128), '10.0.0.1');
  });

  it('counts an IPv6 address as its network of the prefix length', () => {
    assert.equal(remoteIPGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64), '2001:db8:1:2::/64');
    assert.equal(remoteIPGroup('2001:db8:1:2::ffff', 64), '2001:db8:1:2::/64', 'same /64, same group');
    assert.notEqual(remoteIPGroup('2001:db8:1:3::1', 64), remoteIPGroup('2001:db8:1:2::1', 64), 'next /64, another group');
    assert.equal(remoteIPGroup('2001:db8:1:2ff::1', 56), '2001:db8:1:200::/56', 'bits past the prefix cleared inside a group');
    assert.equal(remoteIPGroup('2001:db8:1:2::1', 48), '2001:db8:1::/48');
    assert.equal(remoteIPGroup('2001:db8::1', 128), '2001:db8::1', '128: each address alone');
    assert.equal(remoteIPGroup('::1', 64), '::/64');
  });
});
