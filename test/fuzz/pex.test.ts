import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MessageContext } from '../../framework/reactor/decorators.js';
import { ChannelRuntime } from '../../framework/router/channel.js';
import { FifoQueueFactory } from '../../plugins/queues/fifo.js';
import { listenAddress, parseNetAddress } from '../../reactors/pex/net-address.js';
import { NetAddress, PexAddrs, PexChannel, PexRequest, PexWireMessage } from '../../reactors/pex/pex-channel.js';
import { harness, nid } from '../unit/reactors/pex/helpers.js';
import { RecordingRoutes } from '../unit/framework/router/helpers.js';
import { bytes, fuzzParameters, hostileText, typedOrResult } from './fuzz-kit.js';

const PEER = nid('fuzz peer');

/** What a NetAddress may hold: honest entries, IP-ish text, any port a uint32 carries. */
const netAddress = fc.record(
  {
    id: fc.oneof(fc.constant(nid(7)), fc.constant(nid(8).toUpperCase()), hostileText('0123456789abcdefABCDEF')),
    ip: fc.oneof(fc.constantFrom('203.0.113.9', '10.0.0.1', '127.0.0.1', '0.0.0.0', '::', '::1', 'fe80::1%eth0', '::ffff:1.2.3.4', '2001:db8::1', '1.2.3', 'localhost'), fc.ipV4(), fc.ipV6(), hostileText('0123456789abcdef.:%[]')),
    port: fc.oneof(fc.constantFrom(0, 1, 26656, 65535, 65536), fc.nat(2 ** 32 - 1)),
  },
  { requiredKeys: [] },
);

const pexMessage = fc.oneof(
  fc.array(netAddress, { maxLength: 300 }).map((addrs) => PexWireMessage.encode({ pexAddrs: { addrs } }).finish()),
  fc.constant(PexWireMessage.encode({ pexRequest: {} }).finish()),
  bytes(4000),
);

describe('fuzz: PEX messages (reactors/pex)', () => {
  it('the channel decodes and unwraps a PEX message or fails typed', () => {
    const channel = new ChannelRuntime(PexChannel, new RecordingRoutes(), new FifoQueueFactory(), () => {});
    fc.assert(
      fc.property(pexMessage, (input) => {
        const decoded = typedOrResult('ChannelRuntime.decode', () => channel.decode(PEER, input));
        if (decoded === undefined) return;
        assert.ok(decoded.message instanceof PexAddrs || decoded.message instanceof PexRequest);
        if (decoded.message instanceof PexAddrs) assert.ok((decoded.message.addrs ?? []).length <= input.length);
      }),
      fuzzParameters(),
    );
  });

  it('parseNetAddress judges any entry valid, unusable or invalid, and a valid one is dialable', () => {
    fc.assert(
      fc.property(netAddress, (entry) => {
        const verdict = typedOrResult('parseNetAddress', () => parseNetAddress(entry));
        if (verdict?.kind !== 'valid') return;
        assert.match(verdict.address.nodeId!, /^[0-9a-f]{40}$/);
        assert.ok(verdict.address.port! > 0 && verdict.address.port! <= 65535);
      }),
      fuzzParameters(),
    );
  });

  it('listenAddress makes a dialable address of any self-reported listen address, or none', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText(), fc.constantFrom('tcp://0.0.0.0:26656', '[::]:1', 'host:0', 'mconn://1.2.3.4:5')), fc.option(fc.oneof(fc.ipV4(), hostileText())), (listenAddr, remoteIp) => {
        const address = typedOrResult('listenAddress', () => listenAddress(PEER, listenAddr, remoteIp ?? undefined));
        if (address !== undefined) assert.ok(address.port! > 0 && address.hostname !== '');
      }),
      fuzzParameters(),
    );
  });

  it('the reactor takes any answer to its request without throwing, adding no more addresses than it accepts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(netAddress, { maxLength: 300 }), async (entries) => {
        const h = await harness({ maxAddressesAccepted: 250 });
        h.connect(PEER);
        h.reactor.ensurePeers(); // the request it answers
        const before = h.pm.snapshot().length;
        const message = PexAddrs.decode(PexAddrs.encode({ addrs: entries.map((e) => NetAddress.create(e)) }).finish());
        h.reactor.onPexAddrs(message, { from: PEER, channelId: PexChannel.id, channel: h.channel } as MessageContext);
        const added = h.pm.snapshot().length - before;
        assert.ok(added >= 0 && added <= Math.min(entries.length, 250), `${added} addresses added from ${entries.length}`);
        for (const e of h.channel.peerErrors) assert.match(e.error.name, /^Pex[A-Za-z]+Error$/);
      }),
      fuzzParameters(0.25),
    );
  });
});
