import assert from 'node:assert/strict';
import { canonicalIP, endpointKey, endpointToString, isNetworked, isPrivateIP, validateEndpoint, type Endpoint } from '../../../../framework/address/endpoint.js';
import { InvalidEndpointError } from '../../../../framework/address/errors.js';

describe('Endpoint', () => {
  describe('validateEndpoint', () => {
    const valid: Endpoint[] = [
      { protocol: 'mconn', ip: '127.0.0.1', port: 26656 },
      { protocol: 'mconn', ip: '::1', port: 1 },
      { protocol: 'mconn', ip: '10.0.0.1', port: 65535, path: '/x' },
      { protocol: 'tcp', ip: '8.8.8.8' },
      { protocol: 'memory', path: '00112233445566778899aabbccddeeff00112233' },
      { protocol: 'mconn', ip: 'fe80::1%eth0', port: 26656 },
    ];
    for (const e of valid) {
      it(`accepts ${JSON.stringify(e)}`, () => validateEndpoint(e));
    }

    const invalid: Array<[Endpoint, RegExp]> = [
      [{ protocol: '', ip: '127.0.0.1' }, /no protocol/],
      [{ protocol: 'mconn' }, /needs an ip or a path/],
      [{ protocol: 'mconn', ip: '', path: '' }, /needs an ip or a path/],
      [{ protocol: 'memory', path: 'x', port: 80 }, /port but no ip/],
      [{ protocol: 'mconn', ip: '127.0.0.1', port: 0 }, /port 0; expected an integer 1-65535/],
      [{ protocol: 'mconn', ip: '127.0.0.1', port: 65536 }, /port 65536/],
      [{ protocol: 'mconn', ip: '127.0.0.1', port: 80.5 }, /port 80.5/],
      [{ protocol: 'mconn', ip: 'example.com', port: 80 }, /not an IPv4 or IPv6 literal/],
      [{ protocol: 'mconn', ip: '256.0.0.1' }, /not an IPv4 or IPv6 literal/],
      [{ protocol: 'mconn', ip: '[::1]' }, /not an IPv4 or IPv6 literal/],
    ];
    for (const [e, why] of invalid) {
      it(`rejects ${JSON.stringify(e)}`, () => {
        assert.throws(() => validateEndpoint(e), (err: unknown) => err instanceof InvalidEndpointError && err.name === 'InvalidEndpointError' && why.test(err.message));
      });
    }
  });

  it('endpointToString', () => {
    assert.equal(endpointToString({ protocol: 'mconn', ip: '127.0.0.1', port: 26656 }), 'mconn://127.0.0.1:26656');
    assert.equal(endpointToString({ protocol: 'mconn', ip: '::1', port: 26656 }), 'mconn://[::1]:26656');
    assert.equal(endpointToString({ protocol: 'tcp', ip: '10.0.0.1' }), 'tcp://10.0.0.1');
    assert.equal(endpointToString({ protocol: 'tcp', ip: '10.0.0.1', port: 1, path: 'p' }), 'tcp://10.0.0.1:1/p');
    assert.equal(endpointToString({ protocol: 'memory', path: 'abc' }), 'memory:abc');
  });

  it('endpointKey is equal for the same place and differs otherwise', () => {
    assert.equal(endpointKey({ protocol: 'mconn', ip: '0:0::1', port: 1 }), endpointKey({ protocol: 'mconn', ip: '::1', port: 1 }));
    assert.equal(endpointKey({ protocol: 'mconn', ip: 'FE80::1' }), endpointKey({ protocol: 'mconn', ip: 'fe80:0:0:0:0:0:0:1' }));
    assert.equal(endpointKey({ protocol: 'memory', path: 'a' }), endpointKey({ protocol: 'memory', ip: '', path: 'a' }));
    const distinct: Endpoint[] = [
      { protocol: 'mconn', ip: '127.0.0.1', port: 1 },
      { protocol: 'tcp', ip: '127.0.0.1', port: 1 },
      { protocol: 'mconn', ip: '127.0.0.2', port: 1 },
      { protocol: 'mconn', ip: '127.0.0.1', port: 2 },
      { protocol: 'mconn', ip: '127.0.0.1', port: 1, path: '/x' },
      { protocol: 'memory', path: 'a' },
      { protocol: 'memory', path: 'b' },
    ];
    assert.equal(new Set(distinct.map(endpointKey)).size, distinct.length);
  });

  it('canonicalIP follows RFC 5952', () => {
    const cases: Array<[string, string | undefined]> = [
      ['127.0.0.1', '127.0.0.1'],
      ['2001:0DB8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::', '::'],
      ['0::0:1', '::1'],
      ['1::', '1::'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
      ['::FFFF:0102:0304', '::ffff:1.2.3.4'],
      ['fe80::1%eth0', 'fe80::1%eth0'],
      ['host', undefined],
    ];
    for (const [input, expected] of cases) assert.equal(canonicalIP(input), expected, input);
  });

  it('isNetworked', () => {
    assert.equal(isNetworked({ protocol: 'mconn', ip: '1.2.3.4' }), true);
    assert.equal(isNetworked({ protocol: 'memory', path: 'x' }), false);
  });

  describe('isPrivateIP', () => {
    const table: Array<[string, boolean]> = [
      ['10.0.0.1', true],
      ['10.255.255.255', true],
      ['172.16.0.1', true],
      ['172.31.255.255', true],
      ['172.15.255.255', false],
      ['172.32.0.0', false],
      ['192.168.1.1', true],
      ['192.169.0.1', false],
      ['127.0.0.1', true],
      ['127.255.0.9', true],
      ['169.254.10.10', true],
      ['169.253.0.1', false],
      ['100.64.0.1', true],
      ['100.127.255.255', true],
      ['100.63.255.255', false],
      ['100.128.0.0', false],
      ['8.8.8.8', false],
      ['1.1.1.1', false],
      ['::1', true],
      ['::', false],
      ['fc00::1', true],
      ['fd12:3456::1', true],
      ['fe00::1', false],
      ['fe80::1', true],
      ['febf::1', true],
      ['fec0::1', false],
      ['fe80::1%eth0', true],
      ['2001:4860:4860::8888', false],
      ['::ffff:192.168.0.1', true],
      ['::ffff:8.8.8.8', false],
      ['not-an-ip', false],
      ['', false],
    ];
    for (const [ip, expected] of table) {
      it(`${JSON.stringify(ip)} → ${expected}`, () => assert.equal(isPrivateIP(ip), expected));
    }
  });
});
