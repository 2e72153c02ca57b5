import assert from 'node:assert/strict';
import type { NodeAddress } from '../../../../framework/address/node-address.js';
import { ConnectionTable } from '../../../../framework/peer/connections.js';
import { newPeerCounters } from '../../../../framework/peer/counters.js';
import { DialFailures, describeDialError } from '../../../../framework/peer/dial-failures.js';
import { resolvePeerManagerOptions, type PeerManagerOptionsInput } from '../../../../framework/peer/options.js';
import { PeerBook } from '../../../../framework/peer/peer-book.js';
import { SelfAddresses } from '../../../../framework/peer/self-addresses.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { CapturingLogger, FakeClock, FixedRandom, SELF, addr, nid } from './helpers.js';

function setup(input: Partial<PeerManagerOptionsInput> = {}) {
  const options = resolvePeerManagerOptions({ selfId: SELF, retryJitterMs: 0, maxDialFailures: 3, ...input });
  const clock = new FakeClock();
  const random = new FixedRandom(0.5);
  const log = new CapturingLogger();
  const peers = new PeerBook(options, new MemoryPeerStore(), new Set(options.persistentPeers.map((a) => a.nodeId)), random, log);
  const conns = new ConnectionTable(options);
  const self = new SelfAddresses(SELF, []);
  const counters = newPeerCounters();
  const persisted: NodeID[] = [];
  const failures = new DialFailures({ options, peers, conns, self, clock, random, log, counters, persist: (id) => persisted.push(id) });
  const add = (address: NodeAddress, pinned = false) => peers.addAddress(address, { pinned }, clock.now());
  const info = (address: NodeAddress) => peers.get(address.nodeId)?.addresses.get(address.toString());
  return { options, clock, log, peers, conns, self, counters, persisted, failures, add, info };
}

function named(name: string, message: string, cause?: Error): Error {
  return Object.assign(new Error(message, { cause }), { name });
}

describe('DialFailures', () => {
  it('counts a failed dial against its address and persists it', () => {
    const t = setup();
    t.add(addr(1));
    t.failures.record(addr(1), new Error('refused'));
    assert.equal(t.info(addr(1))?.dialFailures, 1);
    assert.equal(t.info(addr(1))?.lastDialFailure, t.clock.now());
    assert.deepEqual(t.persisted, [nid(1)]);
    assert.equal(t.counters.dialFailures, 1);
  });

  it('gives an address up after maxDialFailures, forgetting a peer it leaves without addresses', () => {
    const t = setup();
    t.add(addr(1));
    for (let i = 0; i < 3; i++) t.failures.record(addr(1), undefined);
    assert.equal(t.peers.get(nid(1)), undefined);
    assert.equal(t.counters.addressesGivenUp, 1);
    assert.equal(t.counters.peersGivenUp, 1);
  });

  it('keeps a peer whose last address is given up while it is connected', () => {
    const t = setup();
    t.add(addr(1));
    t.conns.connected.set(nid(1), { direction: 'inbound', since: t.clock.now(), persistent: false });
    for (let i = 0; i < 3; i++) t.failures.record(addr(1), undefined);
    assert.equal(t.peers.get(nid(1))?.addresses.size, 0);
    assert.equal(t.counters.addressesGivenUp, 1);
    assert.equal(t.counters.peersGivenUp, 0);
  });

  it('never gives up a configured address', () => {
    const t = setup({ persistentPeers: [addr(1)] });
    t.add(addr(1), true);
    for (let i = 0; i < 5; i++) t.failures.record(addr(1), undefined);
    assert.equal(t.info(addr(1))?.dialFailures, 5);
    assert.equal(t.counters.addressesGivenUp, 0);
  });

  it('learns an address that led back to this node as ours and removes that place from every peer', () => {
    const t = setup();
    t.add(addr(1, '10.0.0.5'));
    t.add(addr(2, '10.0.0.5'));
    t.add(addr(3));
    t.failures.record(addr(1, '10.0.0.5'), named('SelfConnectionError', 'dialed ourselves'));
    assert.equal(t.self.has(addr(4, '10.0.0.5')), true);
    assert.equal(t.peers.get(nid(1))?.addresses.size, 0);
    assert.equal(t.peers.get(nid(2))?.addresses.size, 0);
    assert.equal(t.info(addr(3))?.dialFailures, 0);
    assert.equal(t.counters.dialFailures, 1);
  });

  it('warns why a persistent peer is unreachable and when it is retried', () => {
    const t = setup({ persistentPeers: [addr(1)], minRetryTimeMs: 1000 });
    t.add(addr(1), true);
    t.failures.record(addr(1), named('DialError', 'dial failed', new Error('ECONNREFUSED')));
    const [warning] = t.log.at('warn');
    assert.equal(warning?.msg, 'persistent peer unreachable');
    const fields = warning?.obj as Record<string, unknown>;
    assert.equal(fields.reason, 'DialError: dial failed (ECONNREFUSED)');
    assert.equal(fields.failures, 1);
    assert.equal(fields.nextRetry, new Date(t.clock.now() + 1000).toISOString());
    assert.equal(fields.retryInMs, 1000);
  });

  it('ignores a failure of an address it does not know', () => {
    const t = setup();
    t.failures.record(addr(1), undefined);
    assert.equal(t.peers.size, 0);
    assert.deepEqual(t.persisted, []);
    assert.equal(t.counters.dialFailures, 1);
  });

  describe('connectionEnded', () => {
    it('counts an outbound connection gone within flapWindowMs as one more failure than the dial had before', () => {
      const t = setup({ flapWindowMs: 10_000 });
      t.add(addr(1));
      const entry = t.peers.get(nid(1))!;
      const since = t.clock.now();
      t.clock.advance(9_999);
      t.failures.connectionEnded(entry, { direction: 'outbound', since, persistent: false, dialedAddress: { key: addr(1).toString(), failuresBefore: 1 } }, t.clock.now());
      assert.equal(t.info(addr(1))?.dialFailures, 2);
      assert.equal(t.info(addr(1))?.lastDialFailure, t.clock.now());
      assert.equal(t.counters.flaps, 1);
      assert.deepEqual(t.persisted, [nid(1)]);
    });

    it('leaves a connection that lasted flapWindowMs, an inbound one, or any when the window is off alone', () => {
      const dialedAddress = { key: addr(1).toString(), failuresBefore: 1 };
      for (const [input, connection] of [
        [{ flapWindowMs: 10_000 }, { direction: 'outbound', since: 0, persistent: false, dialedAddress }],
        [{ flapWindowMs: 10_000 }, { direction: 'inbound', since: 1_000_000, persistent: false }],
        [{ flapWindowMs: 0 }, { direction: 'outbound', since: 1_000_000, persistent: false, dialedAddress }],
      ] as const) {
        const t = setup(input);
        t.add(addr(1));
        t.failures.connectionEnded(t.peers.get(nid(1))!, connection, t.clock.now());
        assert.equal(t.info(addr(1))?.dialFailures, 0);
        assert.equal(t.counters.flaps, 0);
      }
    });
  });
});

describe('describeDialError', () => {
  it('names the error, adds the root cause unless the message says it already, and never quotes a stack', () => {
    assert.equal(describeDialError(undefined), 'unknown');
    assert.equal(describeDialError(named('DialError', 'dial failed')), 'DialError: dial failed');
    const root = new Error('ECONNRESET');
    assert.equal(describeDialError(named('HandshakeError', 'handshake failed', named('X', 'middle', root))), 'HandshakeError: handshake failed (ECONNRESET)');
    assert.equal(describeDialError(named('DialError', 'dial failed: ECONNRESET', root)), 'DialError: dial failed: ECONNRESET');
  });

  it('cuts a long reason at 200 characters', () => {
    const reason = describeDialError(new Error('x'.repeat(500)));
    assert.equal(reason, `Error: ${'x'.repeat(193)}…`);
  });
});
