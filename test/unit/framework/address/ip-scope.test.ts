import assert from 'node:assert/strict';
import { ipScope, isPrivateIP, isScopeVisibleTo, type IPScope } from '../../../../framework/address/ip.js';

describe('IP scopes', () => {
  describe('ipScope', () => {
    const table: Array<[string, IPScope | undefined]> = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['169.254.10.10', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['febf::1', 'link-local'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fc00::1', 'private'],
      ['fd12:3456::1', 'private'],
      ['::ffff:192.168.0.1', 'private'],
      ['8.8.8.8', 'public'],
      ['172.32.0.0', 'public'],
      ['100.128.0.0', 'public'],
      ['2001:4860:4860::8888', 'public'],
      ['fec0::1', 'public'],
      ['::ffff:8.8.8.8', 'public'],
      ['0.0.0.0', 'unroutable'],
      ['0.1.2.3', 'unroutable'],
      ['::', 'unroutable'],
      ['224.0.0.1', 'unroutable'],
      ['255.255.255.255', 'unroutable'],
      ['ff02::1', 'unroutable'],
      ['node.example.com', undefined],
      ['', undefined],
    ];
    for (const [ip, expected] of table) {
      it(`${JSON.stringify(ip)} → ${String(expected)}`, () => assert.equal(ipScope(ip), expected));
    }

    it('agrees with isPrivateIP: loopback, link-local and private are private, nothing else is', () => {
      for (const [ip, scope] of table) {
        assert.equal(isPrivateIP(ip), scope === 'loopback' || scope === 'link-local' || scope === 'private', ip);
      }
    });
  });

  describe('isScopeVisibleTo', () => {
    // Rows: scope of the address; columns: scope of the peer's own IP.
    const peers: IPScope[] = ['loopback', 'link-local', 'private', 'public', 'unroutable'];
    const expected: Record<IPScope, boolean[]> = {
      loopback: [true, false, false, false, false],
      'link-local': [true, true, false, false, false],
      private: [true, true, true, false, false],
      public: [true, true, true, true, true],
      unroutable: [false, false, false, false, false],
    };
    for (const [address, row] of Object.entries(expected) as Array<[IPScope, boolean[]]>) {
      it(`a ${address} address is visible to peers on ${peers.filter((_, i) => row[i]).join(', ') || 'nobody'}`, () => {
        assert.deepEqual(
          peers.map((peer) => isScopeVisibleTo(address, peer)),
          row,
        );
      });
    }
  });
});
