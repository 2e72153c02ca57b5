import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import { isUndialableIP, listenAddress, parseNetAddress, privateAddressAllowed, toNetAddresses, wireIP } from '../../../../reactors/pex/net-address.js';
import { nid } from './helpers.js';

const A = nid(1);
const B = nid(2);
const plain = (addrs: { id: string; ip: string; port: number }[]) => addrs.map((a) => ({ id: a.id, ip: a.ip, port: a.port }));

describe('PEX address conversion', () => {
  describe('wireIP', () => {
    it('accepts IP literals in the form Go parses and prints', () => {
      assert.equal(wireIP('127.0.0.1'), '127.0.0.1');
      assert.equal(wireIP('2001:0DB8:0000::0001'), '2001:db8::1');
      assert.equal(wireIP('::ffff:10.0.0.1'), '10.0.0.1', 'IPv4-mapped IPv6 becomes dotted IPv4, as Go prints it');
    });
    it('refuses hostnames, zones, leading zeros and junk', () => {
      for (const bad of ['localhost', 'example.com', 'fe80::1%eth0', '127.000.0.1', '1.2.3', '', ' 1.2.3.4', '[::1]']) {
        assert.equal(wireIP(bad), undefined, bad);
      }
    });
    it('flags addresses CometBFT will not dial', () => {
      for (const ip of ['0.0.0.0', '::', '255.255.255.255', '2001:db8::5']) assert.equal(isUndialableIP(ip), true, ip);
      for (const ip of ['127.0.0.1', '8.8.8.8', '::1']) assert.equal(isUndialableIP(ip), false, ip);
    });
  });

  describe('NodeAddress → NetAddress (toNetAddresses)', () => {
    const lookup = async (host: string) => {
      if (host === 'seed.example') return ['192.0.2.10', '2001:4860::8888', '192.0.2.10'];
      if (host === 'v6mapped.example') return ['::ffff:192.0.2.11'];
      throw new Error(`ENOTFOUND ${host}`);
    };

    it('keeps IP literals and resolves hostnames to one entry per distinct IP', async () => {
      const { addrs, skipped } = await toNetAddresses(
        [NodeAddress.parse(`${A}@127.0.0.1:26656`), NodeAddress.parse(`mconn://${B}@seed.example:26656`), NodeAddress.parse(`tcp://${A}@[::1]:26657`)],
        { max: 250, lookup },
      );
      assert.deepEqual(plain(addrs), [
        { id: A, ip: '127.0.0.1', port: 26656 },
        { id: B, ip: '192.0.2.10', port: 26656 },
        { id: B, ip: '2001:4860::8888', port: 26656 },
        { id: A, ip: '::1', port: 26657 },
      ]);
      assert.equal(skipped, 0);
    });

    it('prints resolved IPv4-mapped addresses as IPv4', async () => {
      const { addrs } = await toNetAddresses([NodeAddress.parse(`${A}@v6mapped.example:1`)], { max: 10, lookup });
      assert.deepEqual(plain(addrs), [{ id: A, ip: '192.0.2.11', port: 1 }]);
    });

    it('skips memory addresses, other protocols, port-less, unresolvable and unspecified addresses', async () => {
      const { addrs, skipped } = await toNetAddresses(
        [
          NodeAddress.parse(`memory:${A}`),
          NodeAddress.parse(`quic://${A}@192.0.2.1:443`),
          NodeAddress.parse(`${A}@192.0.2.1`),
          NodeAddress.parse(`${A}@nowhere.example:26656`),
          NodeAddress.parse(`${A}@0.0.0.0:26656`),
          NodeAddress.parse(`${B}@192.0.2.2:26656`),
        ],
        { max: 250, lookup },
      );
      assert.deepEqual(plain(addrs), [{ id: B, ip: '192.0.2.2', port: 26656 }]);
      assert.equal(skipped, 5);
    });

    it('caps the list at max', async () => {
      const many = Array.from({ length: 20 }, (_, i) => NodeAddress.parse(`${nid(i)}@192.0.2.${i + 1}:26656`));
      const { addrs } = await toNetAddresses(many, { max: 7 });
      assert.equal(addrs.length, 7);
    });

    it('gives up on lookups when the signal aborts, skipping those addresses', async () => {
      const hang = () => new Promise<string[]>(() => {});
      const controller = new AbortController();
      const pending = toNetAddresses([NodeAddress.parse(`${A}@slow.example:1`), NodeAddress.parse(`${B}@192.0.2.3:2`)], {
        max: 10,
        lookup: hang,
        signal: controller.signal,
      });
      controller.abort();
      const { addrs, skipped } = await pending;
      assert.deepEqual(plain(addrs), [{ id: B, ip: '192.0.2.3', port: 2 }]);
      assert.equal(skipped, 1);
    });
  });

  describe('NetAddress → NodeAddress (parseNetAddress)', () => {
    it('accepts a valid entry as an mconn address', () => {
      const v = parseNetAddress({ id: A, ip: '127.0.0.1', port: 26656 });
      assert.equal(v.kind, 'valid');
      assert.ok(v.kind === 'valid' && v.address.equals(NodeAddress.parse(`mconn://${A}@127.0.0.1:26656`)));
    });

    it('accepts IPv6 and normalises it', () => {
      const v = parseNetAddress({ id: A, ip: '2001:4860:0:0::8888', port: 1 });
      assert.ok(v.kind === 'valid');
      assert.equal(v.address.toString(), `mconn://${A}@[2001:4860::8888]:1`);
    });

    it('lowers an upper-case ID (CometBFT accepts any hex case)', () => {
      const v = parseNetAddress({ id: A.toUpperCase(), ip: '192.0.2.1', port: 1 });
      assert.ok(v.kind === 'valid');
      assert.equal(v.address.nodeId, A);
    });

    it('rejects bad IDs, non-IP ips and out-of-range ports as invalid', () => {
      const cases: Array<[object, RegExp]> = [
        [{ id: '1', ip: '127.0.0.1', port: 1 }, /node ID "1"/],
        [{ id: '', ip: '127.0.0.1', port: 1 }, /node ID ""/],
        [{ id: `${A.slice(0, 39)}g`, ip: '127.0.0.1', port: 1 }, /node ID/],
        [{ id: A, ip: 'localhost', port: 1 }, /ip "localhost" is not an IP literal/],
        [{ id: A, ip: 'seed.example.com', port: 1 }, /not an IP literal/],
        [{ id: A, ip: '', port: 1 }, /not an IP literal/],
        [{ id: A, ip: 'fe80::1%eth0', port: 1 }, /zones/],
        [{ id: A, ip: '127.0.0.1', port: 65536 }, /port 65536/],
        [{ id: A, ip: '127.0.0.1', port: 4294967295 }, /out of range/],
      ];
      for (const [entry, reason] of cases) {
        const v = parseNetAddress(entry);
        assert.equal(v.kind, 'invalid', JSON.stringify(entry));
        assert.match((v as { reason: string }).reason, reason);
      }
    });

    it('treats port 0 and undialable IPs as unusable, not invalid (CometBFT gossips them)', () => {
      assert.equal(parseNetAddress({ id: A, ip: '127.0.0.1', port: 0 }).kind, 'unusable');
      assert.equal(parseNetAddress({ id: A, ip: '0.0.0.0', port: 26656 }).kind, 'unusable');
      assert.equal(parseNetAddress({ id: A, ip: '::', port: 26656 }).kind, 'unusable');
    });

    it('round-trips what toNetAddresses produces', async () => {
      const original = [NodeAddress.parse(`${A}@192.0.2.1:26656`), NodeAddress.parse(`${B}@[2001:4860::1]:26657`)];
      const { addrs } = await toNetAddresses(original, { max: 10 });
      const back = addrs.map((a) => parseNetAddress(a));
      assert.ok(back.every((v) => v.kind === 'valid'));
      assert.deepEqual(back.map((v) => (v.kind === 'valid' ? v.address.toString() : '')), original.map(String));
    });
  });

  describe('listenAddress (inbound peers)', () => {
    it('builds an address from a NodeInfo listen_addr', () => {
      assert.equal(listenAddress(A, 'tcp://192.0.2.5:26656')?.toString(), `mconn://${A}@192.0.2.5:26656`);
      assert.equal(listenAddress(A, '192.0.2.5:26656')?.toString(), `mconn://${A}@192.0.2.5:26656`);
      assert.equal(listenAddress(A, 'node.example:26656')?.toString(), `mconn://${A}@node.example:26656`);
    });
    it('replaces an unspecified host by the IP the peer connected from', () => {
      assert.equal(listenAddress(A, 'tcp://0.0.0.0:26656', '198.51.100.9')?.toString(), `mconn://${A}@198.51.100.9:26656`);
      assert.equal(listenAddress(A, 'tcp://0.0.0.0:26656'), undefined);
    });
    it('ignores port 0 (memory nodes say 127.0.0.1:0) and junk', () => {
      assert.equal(listenAddress(A, '127.0.0.1:0'), undefined);
      assert.equal(listenAddress(A, ''), undefined);
      assert.equal(listenAddress(A, 'not an address'), undefined);
    });
  });

  describe('privateAddressAllowed', () => {
    it('keeps public hosts always, unroutable never, private ones per the policy and where the peer is', () => {
      const from = (policy: 'accept' | 'from-private-peers' | 'reject', host: string, peer: 'public' | 'private' | 'loopback') =>
        privateAddressAllowed(policy, host, peer);
      assert.equal(from('reject', '203.0.113.7', 'public'), true);
      assert.equal(from('reject', 'seed.example.com', 'public'), true, 'a DNS name counts as public');
      assert.equal(from('accept', '0.0.0.0', 'loopback'), false);
      assert.equal(from('accept', '224.0.0.1', 'loopback'), false);
      assert.equal(from('accept', '127.0.0.1', 'public'), true);
      assert.equal(from('reject', '10.0.0.1', 'loopback'), false);
      assert.equal(from('from-private-peers', '127.0.0.1', 'loopback'), true);
      assert.equal(from('from-private-peers', '127.0.0.1', 'private'), false);
      assert.equal(from('from-private-peers', '10.0.0.1', 'private'), true);
      assert.equal(from('from-private-peers', '10.0.0.1', 'loopback'), true);
      assert.equal(from('from-private-peers', '10.0.0.1', 'public'), false);
      assert.equal(from('from-private-peers', '[::1]', 'loopback'), true);
    });
  });
});
