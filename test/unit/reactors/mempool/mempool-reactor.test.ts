import assert from 'node:assert/strict';
import { MempoolChannel } from '../../../../reactors/mempool/mempool-channel.js';
import { InvalidTxError, MempoolStoppedError } from '../../../../reactors/mempool/errors.js';
import { txHash } from '../../../../reactors/mempool/tx-hash.js';
import { harness, nid, tx } from './helpers.js';

const names = (errors: { error: Error }[]) => errors.map((e) => e.error.name);

describe('MempoolReactor', () => {
  describe('receiving', () => {
    it('emits a gossiped tx once, with the peer that sent it first and its CometBFT hash', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.connect(nid(2));
      h.deliver(nid(1), tx('a=1'));
      h.deliver(nid(2), tx('a=1'));
      assert.equal(h.received.length, 1);
      assert.deepEqual(h.received[0], { tx: tx('a=1'), hash: txHash(tx('a=1')), peer: nid(1) });
      assert.equal(h.reactor.stats.newTxs, 1);
      assert.equal(h.reactor.stats.duplicates, 1);
      assert.deepEqual(h.channel.peerErrors, [], 'the same tx from another peer is gossip, not a fault');
    });

    it('emits every tx of a batched message, and copies the bytes out of the message', async () => {
      const h = await harness();
      h.connect(nid(1));
      const wire = new Uint8Array([...tx('k1=v'), ...tx('k2=v')]);
      h.deliver(nid(1), wire.subarray(0, 4), wire.subarray(4));
      wire.fill(0);
      assert.deepEqual(
        h.received.map((r) => new TextDecoder().decode(r.tx)),
        ['k1=v', 'k2=v'],
      );
    });

    it('never emits a tx this node broadcast, even when a peer sends it back', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.reactor.broadcast(tx('mine=1'));
      h.deliver(nid(1), tx('mine=1'));
      assert.equal(h.received.length, 0);
      assert.equal(h.reactor.stats.duplicates, 1);
      assert.deepEqual(h.channel.peerErrors, []);
    });

    it('counts a tx repeated by the same peer on one connection, without a fault: CometBFT resends its mempool after a commit', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.deliver(nid(1), tx('a=1'));
      h.deliver(nid(1), tx('a=1'));
      h.deliver(nid(1), tx('a=1'));
      assert.equal(h.received.length, 1);
      assert.equal(h.reactor.stats.repeats, 2);
      assert.deepEqual(h.channel.peerErrors, []);
    });

    it('charges repeats to the budget: a peer that resends one tx without end is disconnected as a flooder', async () => {
      const h = await harness({ maxTxsBurst: 5, maxTxsPerSecond: 1 });
      h.connect(nid(1));
      for (let i = 0; i < 6; i++) h.deliver(nid(1), tx('a=1'));
      assert.equal(h.reactor.stats.repeats, 4);
      assert.deepEqual(names(h.channel.peerErrors), ['MempoolFloodError']);
      assert.equal(h.channel.peerErrors[0]!.fatal, true);
    });

    it('judges repeats per connection: after a reconnect the same tx again is a duplicate, not a repeat', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.deliver(nid(1), tx('a=1'));
      h.disconnect(nid(1));
      h.connect(nid(1));
      h.deliver(nid(1), tx('a=1'));
      assert.equal(h.reactor.stats.duplicates, 1);
      assert.equal(h.reactor.stats.repeats, 0);
    });

    it('disconnects a peer that sends more txs than its burst, and counts nothing more from it', async () => {
      const h = await harness({ maxTxsBurst: 3, maxTxsPerSecond: 1 });
      h.connect(nid(1));
      h.deliver(nid(1), tx('1'), tx('2'), tx('3'));
      h.deliver(nid(1), tx('4'));
      h.deliver(nid(1), tx('5'));
      assert.equal(h.received.length, 3);
      assert.equal(h.reactor.stats.floods, 1);
      assert.equal(h.channel.peerErrors.length, 1);
      const [error] = h.channel.peerErrors;
      assert.equal(error!.error.name, 'MempoolFloodError');
      assert.equal(error!.fatal, true);
      assert.match(error!.error.message, /budget of 1 per second and 3 at once/);
    });

    it('lets a peer within its sustained rate go on for as long as it likes', async () => {
      const h = await harness({ maxTxsBurst: 2, maxTxsPerSecond: 10 });
      h.connect(nid(1));
      for (let i = 0; i < 100; i++) {
        h.deliver(nid(1), tx(`k${i}=v`));
        h.clock.advance(100);
      }
      assert.equal(h.received.length, 100);
      assert.deepEqual(h.channel.peerErrors, []);
    });

    it('counts a message of many txs against the budget as that many txs', async () => {
      const h = await harness({ maxTxsBurst: 5 });
      h.connect(nid(1));
      h.deliver(nid(1), ...Array.from({ length: 6 }, (_, i) => tx(`k${i}`)));
      assert.equal(h.received.length, 0, 'a message over budget is refused whole');
      assert.deepEqual(names(h.channel.peerErrors), ['MempoolFloodError']);
    });

    it('bans a flooding peer for banDurationMs when it is set', async () => {
      const h = await harness({ maxTxsBurst: 1, banDurationMs: '10m' });
      h.connect(nid(1));
      h.deliver(nid(1), tx('1'), tx('2'));
      const snapshot = h.pm.snapshot().find((p) => p.nodeId === nid(1));
      assert.equal(snapshot?.bannedUntil, h.clock.now() + 600_000);
    });

    it('drops empty messages and txs that are empty or over maxTxBytes, one non-fatal error per message', async () => {
      const h = await harness({ maxTxBytes: 4 });
      h.connect(nid(1));
      h.deliver(nid(1));
      h.deliver(nid(1), tx('ok'), new Uint8Array(0), tx('12345'));
      assert.deepEqual(h.received.map((r) => r.tx), [tx('ok')]);
      assert.equal(h.reactor.stats.invalid, 3);
      assert.deepEqual(names(h.channel.peerErrors), ['MempoolInvalidTxsError', 'MempoolInvalidTxsError']);
      assert.ok(h.channel.peerErrors.every((e) => e.fatal === false));
    });

    it('ignores messages of a peer that is not (or no longer) up', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.disconnect(nid(1));
      h.deliver(nid(1), tx('late=1'));
      assert.equal(h.received.length, 0);
      assert.equal(h.reactor.stats.messagesReceived, 0);
    });
  });

  describe('broadcasting', () => {
    it('sends the tx, one per message, to every peer with the mempool channel', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.connect(nid(2));
      h.connect(nid(3), [0x00]);
      const result = h.reactor.broadcast(tx('k=v'));
      assert.deepEqual(result, { hash: txHash(tx('k=v')), sentTo: [nid(1), nid(2)], skipped: 0, dropped: 0 });
      assert.deepEqual(h.channel.sent, [
        { to: nid(1), txs: [tx('k=v')] },
        { to: nid(2), txs: [tx('k=v')] },
      ]);
      assert.deepEqual(h.reactor.mempoolPeers(), [nid(1), nid(2)]);
    });

    it('never sends a tx back to a peer that sent it', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.connect(nid(2));
      h.deliver(nid(1), tx('k=v'));
      const result = h.reactor.broadcast(h.received[0]!.tx);
      assert.deepEqual(result.sentTo, [nid(2)]);
      assert.equal(result.skipped, 1);
      assert.deepEqual(h.channel.sentTo(nid(1)), []);
    });

    it('sends a tx again only to peers that connected since', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.reactor.broadcast(tx('k=v'));
      h.connect(nid(2));
      const again = h.reactor.broadcast(tx('k=v'));
      assert.deepEqual(again.sentTo, [nid(2)]);
      assert.deepEqual(h.channel.sentTo(nid(1)), [tx('k=v')]);
    });

    it('counts a copy the peer queue refused and offers it again on the next broadcast', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.channel.outcomes.set(nid(1), 'peer-queue-full');
      assert.equal(h.reactor.broadcast(tx('k=v')).dropped, 1);
      assert.equal(h.reactor.stats.sendDrops, 1);
      h.channel.outcomes.delete(nid(1));
      assert.deepEqual(h.reactor.broadcast(tx('k=v')).sentTo, [nid(1)]);
    });

    it('refuses empty txs and txs over maxTxBytes with InvalidTxError, and any tx once stopped', async () => {
      const h = await harness({ maxTxBytes: 3 });
      assert.throws(() => h.reactor.broadcast(new Uint8Array(0)), InvalidTxError);
      assert.throws(() => h.reactor.broadcast(tx('1234')), (e: Error) => e instanceof InvalidTxError && /4 bytes; at most 3/.test(e.message));
      h.reactor.onStop();
      assert.throws(() => h.reactor.broadcast(tx('1')), MempoolStoppedError);
    });

    it('relays a new tx to the other peers when relay is on, and not otherwise', async () => {
      for (const relay of [false, true]) {
        const h = await harness({ relay });
        h.connect(nid(1));
        h.connect(nid(2));
        h.deliver(nid(1), tx('k=v'));
        h.deliver(nid(2), tx('k=v'));
        assert.deepEqual(h.channel.sentTo(nid(2)), relay ? [tx('k=v')] : [], `relay = ${relay}`);
        assert.deepEqual(h.channel.sentTo(nid(1)), [], 'never back to the sender');
        assert.equal(h.reactor.stats.relayed, relay ? 1 : 0);
      }
    });
  });

  describe('seen-cache', () => {
    it('forgets the least recently seen tx past seenCacheSize and counts it', async () => {
      const h = await harness({ seenCacheSize: 2 });
      h.connect(nid(1));
      h.connect(nid(2));
      h.deliver(nid(1), tx('a'), tx('b'));
      h.deliver(nid(2), tx('a')); // a is now the most recent
      h.deliver(nid(1), tx('c')); // evicts b
      assert.equal(h.reactor.stats.seenEvictions, 1);
      assert.equal(h.reactor.hasSeen(txHash(tx('a'))), true);
      assert.equal(h.reactor.hasSeen(txHash(tx('b'))), false);
      h.deliver(nid(2), tx('b'));
      assert.deepEqual(h.received.map((r) => new TextDecoder().decode(r.tx)), ['a', 'b', 'c', 'b'], 'a forgotten tx is new again');
    });
  });

  it('completes txs$ when the node stops', async () => {
    const h = await harness();
    let completed = false;
    h.reactor.txs$.subscribe({ complete: () => (completed = true) });
    h.reactor.onStop();
    assert.equal(completed, true);
    assert.equal(MempoolChannel.id, 0x30);
  });
});
