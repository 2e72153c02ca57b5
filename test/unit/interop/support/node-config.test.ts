import assert from 'node:assert/strict';
import { MAX_CHAIN_ID_LENGTH, nodeConfigEdits, setGenesisChainId, uniqueChainId } from '../../../interop/support/node-config.js';

const ID = '0123456789abcdef0123456789abcdef01234567';

describe('interop-support: node config', () => {
  describe('nodeConfigEdits', () => {
    it('defaults pex on, seed mode off and empty peer lists', () => {
      const edits = nodeConfigEdits({ moniker: 'm', p2pPort: 1000, rpcPort: 1001 });
      assert.equal(edits['p2p.pex'], true);
      assert.equal(edits['p2p.seed_mode'], false);
      assert.equal(edits['p2p.persistent_peers'], '');
      assert.equal(edits['p2p.seeds'], '');
    });

    it('joins peers and seeds with commas and honours pex/seedMode', () => {
      const peers = [`${ID}@127.0.0.1:1`, `${ID.replace('0', 'f')}@localhost:65535`];
      const edits = nodeConfigEdits({ moniker: 'm', p2pPort: 1, rpcPort: 2, persistentPeers: peers, seeds: [peers[0]!], pex: false, seedMode: true });
      assert.equal(edits['p2p.persistent_peers'], peers.join(','));
      assert.equal(edits['p2p.seeds'], peers[0]);
      assert.equal(edits['p2p.pex'], false);
      assert.equal(edits['p2p.seed_mode'], true);
    });

    it('lets extraConfig override the defaults and add keys', () => {
      const edits = nodeConfigEdits({ moniker: 'm', p2pPort: 1, rpcPort: 2, extraConfig: { 'consensus.timeout_commit': '1s', 'p2p.send_rate': 1 } });
      assert.equal(edits['consensus.timeout_commit'], '1s');
      assert.equal(edits['p2p.send_rate'], 1);
    });

    it('rejects malformed peer addresses, naming the entry', () => {
      for (const bad of [ID, `${ID}@127.0.0.1`, `${ID.toUpperCase()}@127.0.0.1:1`, `${ID}0@h:1`, `${ID}@h:0`, `${ID}@h:65536`, `${ID}@h:1,x`, `tcp://${ID}@h:1`]) {
        assert.throws(
          () => nodeConfigEdits({ moniker: 'm', p2pPort: 1, rpcPort: 2, persistentPeers: [bad] }),
          (e: Error) => e.name === 'CometBFTHarnessError' && e.message.includes(JSON.stringify(bad)),
          bad,
        );
      }
      assert.throws(() => nodeConfigEdits({ moniker: 'm', p2pPort: 1, rpcPort: 2, seeds: ['nope'] }), /seeds entry "nope"/);
    });

    it('rejects out-of-range ports and blank or non-ASCII monikers', () => {
      assert.throws(() => nodeConfigEdits({ moniker: 'm', p2pPort: 0, rpcPort: 2 }), /p2pPort .* got 0/);
      assert.throws(() => nodeConfigEdits({ moniker: 'm', p2pPort: 1, rpcPort: 70000 }), /rpcPort .* got 70000/);
      assert.throws(() => nodeConfigEdits({ moniker: 'm', p2pPort: 1.5, rpcPort: 2 }), /p2pPort/);
      for (const moniker of ['', '   ', 'tab\there', 'naïve']) {
        assert.throws(() => nodeConfigEdits({ moniker, p2pPort: 1, rpcPort: 2 }), { name: 'CometBFTHarnessError', message: /moniker/ });
      }
    });
  });

  describe('setGenesisChainId', () => {
    const genesis = JSON.stringify({ genesis_time: 't', chain_id: 'old', initial_height: '0', validators: [{ power: '10' }] });

    it('replaces chain_id and keeps every other field', () => {
      const out = JSON.parse(setGenesisChainId(genesis, 'new-chain')) as Record<string, unknown>;
      assert.deepEqual(out, { ...JSON.parse(genesis), chain_id: 'new-chain' });
    });

    it('rejects empty, too long or whitespace chain ids', () => {
      for (const id of ['', 'x'.repeat(MAX_CHAIN_ID_LENGTH + 1), 'has space', 'tab\t']) {
        assert.throws(() => setGenesisChainId(genesis, id), { name: 'CometBFTHarnessError', message: /chain id/ });
      }
      assert.doesNotThrow(() => setGenesisChainId(genesis, 'x'.repeat(MAX_CHAIN_ID_LENGTH)));
    });

    it('rejects a genesis that is not JSON or has no chain_id', () => {
      assert.throws(() => setGenesisChainId('{not json', 'c'), /not valid JSON/);
      assert.throws(() => setGenesisChainId('[]', 'c'), /chain_id/);
      assert.throws(() => setGenesisChainId('{"app_hash":""}', 'c'), /chain_id/);
    });
  });

  it('uniqueChainId returns distinct, valid ids', () => {
    const ids = new Set(Array.from({ length: 100 }, () => uniqueChainId()));
    assert.equal(ids.size, 100);
    for (const id of ids) {
      assert.match(id, /^tmp2p-test-[0-9a-f]{12}$/);
      assert.ok(id.length <= MAX_CHAIN_ID_LENGTH);
    }
  });
});
