import assert from 'node:assert/strict';
import { CidrList, parseCidr } from '../../../../framework/gating/cidr.js';
import { InvalidCidrError } from '../../../../framework/gating/errors.js';
import { remoteIPKey } from '../../../../framework/gating/remote-ip.js';
import { CidrRules } from '../../../../plugins/gating/cidr.js';

function rejects(text: string, problem: RegExp): void {
  assert.throws(
    () => parseCidr(text),
    (error: Error) => {
      assert.ok(error instanceof InvalidCidrError, `${text}: expected InvalidCidrError, got ${error}`);
      assert.equal(error.cidr, text);
      assert.ok(error.message.includes(JSON.stringify(text)), `the message names the entry: ${error.message}`);
      assert.match(error.message, problem);
      return true;
    },
  );
}

describe('gating: CIDR blocks', () => {
  it('parses IPv4 and IPv6 blocks and bare addresses', () => {
    assert.deepEqual({ ...parseCidr('10.0.0.0/8'), network: [...parseCidr('10.0.0.0/8').network] }, { text: '10.0.0.0/8', version: 4, network: [10, 0, 0, 0], prefix: 8 });
    assert.equal(parseCidr('0.0.0.0/0').prefix, 0);
    assert.equal(parseCidr('192.168.1.7').prefix, 32);
    const v6 = parseCidr('2001:db8::/32');
    assert.equal(v6.version, 6);
    assert.equal(v6.prefix, 32);
    assert.deepEqual([...v6.network.slice(0, 4)], [0x20, 0x01, 0x0d, 0xb8]);
    assert.equal(parseCidr('::1').prefix, 128);
  });

  it('stores an IPv4-mapped IPv6 block as the IPv4 block it denotes', () => {
    const mapped = parseCidr('::ffff:10.0.0.0/104');
    assert.equal(mapped.version, 4);
    assert.equal(mapped.prefix, 8);
    assert.deepEqual([...mapped.network], [10, 0, 0, 0]);
  });

  it('rejects malformed blocks, naming the entry and the problem', () => {
    rejects('10.0.0.0/33', /prefix \/33 is longer than the 32 bits/);
    rejects('2001:db8::/129', /prefix \/129 is longer than the 128 bits/);
    rejects('10.0.0.0/', /prefix "" is not a whole number/);
    rejects('10.0.0.0/8.5', /not a whole number/);
    rejects('10.0.0.0/-1', /not a whole number/);
    rejects('10.0.0.0/08', /not a whole number/);
    rejects('10.0.0.0/ 8', /not a whole number/);
    rejects('10.0.0.256/32', /"10.0.0.256" is not an IPv4 or IPv6 address/);
    rejects('example.com/24', /not an IPv4 or IPv6 address/);
    rejects('', /"" is not an IPv4 or IPv6 address/);
    rejects('10.0.0.1/8', /host bits are set below \/8/);
    rejects('2001:db8::1/64', /host bits are set below \/64/);
    rejects('fe80::1%eth0/64', /zones are not allowed/);
    rejects('10.0.0.0/8/8', /not a whole number/);
  });

  it('matches IPv4 against IPv4 blocks (mapped addresses included) and IPv6 against IPv6 blocks', () => {
    const list = new CidrList(['10.0.0.0/8', '192.168.1.128/25', '2001:db8::/32', '::1/128']);
    assert.equal(list.match('10.200.3.4')?.text, '10.0.0.0/8');
    assert.equal(list.match('11.0.0.1'), undefined);
    assert.equal(list.match('192.168.1.200')?.text, '192.168.1.128/25');
    assert.equal(list.match('192.168.1.127'), undefined);
    assert.equal(list.match('::ffff:10.1.2.3')?.text, '10.0.0.0/8', 'a dual-stack listener reports IPv4 clients this way');
    assert.equal(list.match('2001:0db8:0000::abcd')?.text, '2001:db8::/32');
    assert.equal(list.match('2001:db9::1'), undefined);
    assert.equal(list.match('::1')?.text, '::1/128');
    assert.equal(list.match('0.0.0.1'), undefined, 'an IPv4 address never matches an IPv6 block');
    assert.equal(list.match('not an ip'), undefined);
  });

  it('returns the most specific containing block', () => {
    const list = new CidrList(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '::/0', '2001:db8::/32']);
    assert.equal(list.match('10.1.2.3')?.text, '10.1.2.0/24');
    assert.equal(list.match('10.1.9.9')?.text, '10.1.0.0/16');
    assert.equal(list.match('10.9.9.9')?.text, '10.0.0.0/8');
    assert.equal(list.match('2001:db8::5')?.text, '2001:db8::/32');
    assert.equal(list.match('fe80::1')?.text, '::/0');
  });

  it('agrees with a bit-by-bit containment check on thousands of random blocks and addresses', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const toText = (bytes: number[]) => (bytes.length === 4 ? bytes.join('.') : Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':'));
    const masked = (bytes: number[], prefix: number) => bytes.map((b, i) => b & ((0xff << (8 - Math.min(8, Math.max(0, prefix - 8 * i)))) & 0xff));
    // Few distinct leading bytes so that random addresses often fall inside random blocks.
    const address = (v6: boolean) => Array.from({ length: v6 ? 16 : 4 }, (_, i) => (i < 2 ? random(3) : random(256)));
    const blocks = Array.from({ length: 1500 }, () => {
      const v6 = random(2) === 1;
      const prefix = random(v6 ? 129 : 33);
      return { v6, prefix, network: masked(address(v6), prefix) };
    });
    const list = new CidrList(blocks.map((b) => `${toText(b.network)}/${b.prefix}`));
    let hits = 0;
    for (let i = 0; i < 2000; i++) {
      const v6 = random(2) === 1;
      const ip = address(v6);
      const expected = blocks.filter((b) => b.v6 === v6 && masked(ip, b.prefix).every((x, j) => x === b.network[j]));
      const found = list.match(toText(ip));
      if (expected.length === 0) assert.equal(found, undefined, toText(ip));
      else {
        hits++;
        assert.equal(found?.prefix, Math.max(...expected.map((b) => b.prefix)), toText(ip));
      }
    }
    assert.ok(hits > 200, `the sample exercises matches (${hits})`);
  });

  it('keys remote IPs so one host is one key', () => {
    assert.equal(remoteIPKey('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(remoteIPKey('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(remoteIPKey('127.0.0.1'), '127.0.0.1');
    assert.equal(remoteIPKey('localhost'), undefined);
  });

  describe('allow and deny rules', () => {
    it('allows everything when both lists are empty', () => {
      const rules = new CidrRules({ allow: [], deny: [] });
      assert.equal(rules.check('1.2.3.4'), undefined);
      assert.equal(rules.check('2001:db8::1'), undefined);
    });

    it('denies IPs in a deny block (v4 and v6)', () => {
      const rules = new CidrRules({ allow: [], deny: ['203.0.113.0/24', '2001:db8:bad::/48'] });
      assert.equal(rules.check('203.0.113.9')?.reason, 'cidr-denied');
      assert.match(rules.check('203.0.113.9')!.message, /203\.0\.113\.9 is in denied block 203\.0\.113\.0\/24/);
      assert.equal(rules.check('2001:db8:bad:1::5')?.reason, 'cidr-denied');
      assert.equal(rules.check('203.0.114.1'), undefined);
      assert.equal(rules.check('2001:db8:beef::1'), undefined);
    });

    it('admits only allowed blocks when the allow list is set, and deny wins over allow', () => {
      const rules = new CidrRules({ allow: ['10.0.0.0/8', 'fd00::/8'], deny: ['10.9.0.0/16'] });
      assert.equal(rules.check('10.1.1.1'), undefined);
      assert.equal(rules.check('fd12::1'), undefined);
      assert.equal(rules.check('8.8.8.8')?.reason, 'cidr-not-allowed');
      assert.equal(rules.check('2001:db8::1')?.reason, 'cidr-not-allowed');
      assert.equal(rules.check('10.9.3.3')?.reason, 'cidr-denied');
    });

    it('refuses to build from a bad entry, naming it', () => {
      assert.throws(() => new CidrRules({ allow: ['10.0.0.0/8'], deny: ['1.2.3.4/40'] }), (e: Error) => e instanceof InvalidCidrError && e.cidr === '1.2.3.4/40');
    });
  });
});
