import assert from 'node:assert/strict';
import { InvalidNodeAddressError } from '../../../../framework/address/errors.js';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';

const user = '00112233445566778899aabbccddeeff00112233';
const id = user as NodeID;

interface Expected {
  protocol: string;
  nodeId: string;
  hostname?: string;
  port?: number;
  path?: string;
}

const fieldsOf = (a: NodeAddress): Expected => ({ protocol: a.protocol, nodeId: a.nodeId, hostname: a.hostname, port: a.port, path: a.path });
const full = (e: Expected): Expected => ({ hostname: '', port: 0, path: '', ...e });

describe('NodeAddress.parse', () => {
  // tm35 internal/p2p/address_test.go TestParseNodeAddress, valid rows.
  const valid: Array<[string, Expected]> = [
    [`mconn://${user}@127.0.0.1:26657/some/path?foo=bar`, { protocol: 'mconn', nodeId: id, hostname: '127.0.0.1', port: 26657, path: '/some/path?foo=bar' }],
    [`TCP://${user.toUpperCase()}@hostname.DOMAIN:8080/Path/%f0%9f%91%8B#Anchor`, { protocol: 'tcp', nodeId: id, hostname: 'hostname.domain', port: 8080, path: '/Path/👋#Anchor' }],
    [`${user}@127.0.0.1`, { protocol: 'mconn', nodeId: id, hostname: '127.0.0.1' }],
    [`${user}@hostname.domain`, { protocol: 'mconn', nodeId: id, hostname: 'hostname.domain' }],
    [`${user}@hostname.domain:80`, { protocol: 'mconn', nodeId: id, hostname: 'hostname.domain', port: 80 }],
    [`${user}@%F0%9F%91%8B`, { protocol: 'mconn', nodeId: id, hostname: '👋' }],
    [`${user}@%F0%9F%91%8B:80/path`, { protocol: 'mconn', nodeId: id, hostname: '👋', port: 80, path: '/path' }],
    [`${user}@127.0.0.1:26657`, { protocol: 'mconn', nodeId: id, hostname: '127.0.0.1', port: 26657 }],
    [`${user}@127.0.0.1:26657/path`, { protocol: 'mconn', nodeId: id, hostname: '127.0.0.1', port: 26657, path: '/path' }],
    [`${user}@0.0.0.0:0`, { protocol: 'mconn', nodeId: id, hostname: '0.0.0.0', port: 0 }],
    [`memory:${user}`, { protocol: 'memory', nodeId: id }],
    [`${user}@[1::]`, { protocol: 'mconn', nodeId: id, hostname: '1::' }],
    [`mconn://${user}@[fd80:b10c::2]:26657`, { protocol: 'mconn', nodeId: id, hostname: 'fd80:b10c::2', port: 26657 }],
    // Beyond the tm35 table.
    [`MConn://${user}@Node.Example.COM:26656`, { protocol: 'mconn', nodeId: id, hostname: 'node.example.com', port: 26656 }],
    [`tcp://${user}@127.0.0.1:26656?x=%41`, { protocol: 'tcp', nodeId: id, hostname: '127.0.0.1', port: 26656, path: '?x=%41' }],
    [`mconn://${user}@host#frag%20ment`, { protocol: 'mconn', nodeId: id, hostname: 'host', path: '#frag ment' }],
    [`mconn://${user}@[fe80::1%25eth0]:26656`, { protocol: 'mconn', nodeId: id, hostname: 'fe80::1%eth0', port: 26656 }],
    [`aa112233445566778899aabbccddeeff00112233@host:80`, { protocol: 'mconn', nodeId: 'aa112233445566778899aabbccddeeff00112233', hostname: 'host', port: 80 }],
    [`${user}@127.0.0.1:00080`, { protocol: 'mconn', nodeId: id, hostname: '127.0.0.1', port: 80 }],
  ];
  for (const [input, expected] of valid) {
    it(`parses ${input}`, () => {
      assert.deepEqual(fieldsOf(NodeAddress.parse(input)), full(expected));
    });
  }

  // tm35 TestParseNodeAddress invalid rows, plus a few more.
  const invalid: Array<[string, RegExp]> = [
    ['', /no node ID/],
    ['127.0.0.1', /no node ID/],
    ['hostname', /no node ID/],
    ['scheme:', /no node ID/],
    ['memory:foo', /node ID "foo" is not 40 lowercase hex/],
    [`${user}@%F%F0`, /invalid URL escape/],
    [`//${user}@127.0.0.1`, /no node ID/],
    [`://${user}@127.0.0.1`, /missing protocol scheme/],
    ['mconn://foo@127.0.0.1', /node ID "foo"/],
    [`mconn://${user}@127.0.0.1:65536`, /port "65536" is out of range/],
    [`mconn://${user}@:80`, /port 80 given without a hostname/],
    // Beyond the tm35 table.
    [`memory:${user.toUpperCase()}`, /not 40 lowercase hex/], // tm35 does not lower-case the opaque form
    [`mconn://${user}@127.0.0.1:99999999999999999999`, /out of range/],
    [`mconn://${user}@127.0.0.1:80x`, /invalid port/],
    [`mconn://${user}@host name`, /invalid character " " in host/],
    [`mconn://${user}@%41host`, /invalid URL escape "%41" in host/],
    [`mconn://${user}@[::1`, /missing '\]'/],
    [`mconn://${user}@host\n`, /control character/],
    [`mconn://${user}@%FF`, /valid UTF-8/],
    [`mconn://${user}x@host`, /not 40 lowercase hex/],
    [`mconn://${user}@host/%zz`, /invalid URL escape "%zz"/],
    ['x'.repeat(3000), /longer than 2048/],
  ];
  for (const [input, why] of invalid) {
    it(`rejects ${JSON.stringify(input.length > 60 ? `${input.slice(0, 20)}…` : input)}`, () => {
      assert.throws(
        () => NodeAddress.parse(input),
        (err: unknown) => {
          assert.ok(err instanceof InvalidNodeAddressError, String(err));
          assert.equal(err.name, 'InvalidNodeAddressError');
          assert.equal(err.input, input);
          assert.match(err.message, why);
          if (input.length < 200) assert.ok(err.message.includes(JSON.stringify(input)), 'message names the input');
          return true;
        },
      );
    });
  }
});

describe('NodeAddress.toString', () => {
  const cases: Array<[Expected, string]> = [
    [{ protocol: 'tcp', nodeId: id, hostname: 'host', port: 80, path: '/path/sub?foo=bar&x=y#anchor' }, `tcp://${user}@host:80/path/sub%3Ffoo=bar&x=y%23anchor`],
    [{ protocol: 'tcp', nodeId: id, hostname: 'host.domain' }, `tcp://${user}@host.domain`],
    [{ protocol: 'mconn', nodeId: id, hostname: 'host', port: 80, path: 'foo/bar' }, `mconn://${user}@host:80/foo/bar`],
    [{ protocol: 'memory', nodeId: id, path: user }, `memory:${user}`],
    [{ protocol: 'memory', nodeId: id }, `memory:${user}`],
    [{ protocol: 'mconn', nodeId: id, hostname: '💻', port: 80, path: '🛣' }, `mconn://${user}@%F0%9F%92%BB:80/%F0%9F%9B%A3`],
    [{ protocol: 'memory', nodeId: id, path: 'path' }, `memory://${user}@/path`],
    [{ protocol: 'mconn', nodeId: id, hostname: 'fd80::2', port: 26656 }, `mconn://${user}@[fd80::2]:26656`],
    [{ protocol: 'mconn', nodeId: id, hostname: '1::' }, `mconn://${user}@[1::]`],
  ];
  for (const [fields, expected] of cases) {
    it(`formats ${expected} and parses back to an equal address`, () => {
      const address = new NodeAddress(fields as Expected & { nodeId: NodeID });
      assert.equal(address.toString(), expected);
      assert.equal(JSON.stringify({ a: address }), JSON.stringify({ a: expected }));
      assert.ok(NodeAddress.parse(address.toString()).equals(address), `round trip of ${expected}`);
    });
  }

  it('round-trips every valid parse input', () => {
    for (const input of [`TCP://${user}@hostname.DOMAIN:8080/Path/%f0%9f%91%8B#Anchor`, `${user}@[fe80::1%25eth0]:1`, `mconn://${user}@host/a%25b?q=1#f`]) {
      const a = NodeAddress.parse(input);
      assert.ok(NodeAddress.parse(a.toString()).equals(a), input);
    }
  });
});

describe('NodeAddress constructor / equals', () => {
  it('rejects fields tm35 Validate would reject', () => {
    assert.throws(() => new NodeAddress({ protocol: '', nodeId: id }), /no protocol/);
    assert.throws(() => new NodeAddress({ protocol: 'mconn', nodeId: 'foo' as NodeID, hostname: 'host' }), /"foo" is not 40 lowercase hex/);
    assert.throws(() => new NodeAddress({ protocol: 'mconn', nodeId: id, port: 80, path: 'path' }), /port needs a hostname/);
    assert.throws(() => new NodeAddress({ protocol: 'mconn', nodeId: id, hostname: 'h', port: 70000 }), /0-65535/);
    assert.throws(() => new NodeAddress({ protocol: 'mconn', nodeId: id, hostname: 'h', port: 1.5 }), InvalidNodeAddressError);
  });

  it('accepts the tm35 Validate valid rows', () => {
    new NodeAddress({ protocol: 'mconn', nodeId: id, hostname: 'host', port: 80, path: '/path' });
    new NodeAddress({ protocol: 'mconn', nodeId: id, hostname: 'host' });
    new NodeAddress({ protocol: 'mconn', nodeId: id, path: 'path' });
    new NodeAddress({ protocol: 'mconn', nodeId: id, hostname: '👋', path: '👋' });
    new NodeAddress({ protocol: 'mconn', nodeId: id });
  });

  it('normalises fields the way parse does', () => {
    const a = new NodeAddress({ protocol: 'MConn', nodeId: id, hostname: '[FD80::2]', port: 1, path: 'a/b' });
    assert.deepEqual(fieldsOf(a), { protocol: 'mconn', nodeId: id, hostname: 'fd80::2', port: 1, path: '/a/b' });
    assert.equal(new NodeAddress({ protocol: 'memory', nodeId: id, path: user }).path, '');
    assert.equal(new NodeAddress({ protocol: 'mconn', nodeId: id, hostname: 'h', path: '?q' }).path, '?q');
    assert.ok(new NodeAddress({ protocol: 'memory', nodeId: id, path: user }).equals(NodeAddress.parse(`memory:${user}`)));
  });

  it('equals compares every field', () => {
    const a = NodeAddress.parse(`${user}@host:80/p`);
    assert.ok(a.equals(NodeAddress.parse(`mconn://${user}@HOST:80/p`)));
    assert.ok(!a.equals(NodeAddress.parse(`tcp://${user}@host:80/p`)));
    assert.ok(!a.equals(NodeAddress.parse(`${user}@host:81/p`)));
    assert.ok(!a.equals(NodeAddress.parse(`${user}@host:80/q`)));
    assert.ok(!a.equals(NodeAddress.parse(`${user}@other:80/p`)));
    assert.ok(!a.equals(NodeAddress.parse(`aa112233445566778899aabbccddeeff00112233@host:80/p`)));
  });
});
