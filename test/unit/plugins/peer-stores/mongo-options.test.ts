import assert from 'node:assert/strict';
import { loadConfig } from '../../../../node/config/loader.js';
import { componentOptions } from '../../../../node/config/component-options.js';
import { NodeKey } from '../../../../framework/identity/node-key.js';
import { resolveMongoOptions } from '../../../../plugins/peer-stores/mongodb/options.js';
import { MongoPeerStore } from '../../../../plugins/peer-stores/mongodb/mongo-peer-store.js';

const URI = 'mongodb://127.0.0.1:1/';

describe('MongoPeerStore options', () => {
  it('has documented defaults', () => {
    const o = resolveMongoOptions({ uri: URI });
    assert.deepStrictEqual(
      { ...o, clientOptions: undefined },
      {
        uri: URI,
        database: 'tmp2p',
        collection: 'peers',
        clientOptions: undefined,
        serverSelectionTimeoutMs: 5000,
        loadTimeoutMs: 30_000,
        maxLoadRecords: 100_000,
        maxBufferedWrites: 10_000,
        writeBatchSize: 500,
        writeConcurrency: 4,
        retryMinMs: 250,
        retryMaxMs: 30_000,
        maxConflictRetries: 8,
        closeTimeoutMs: 5000,
        revisionCacheSize: 10_000,
        writeLocks: 'auto',
        lockLeaseMs: 30_000,
        lockWaitMs: 5000,
      },
    );
  });

  it('takes the URI and database from p2p.peer_store_mongodb_uri and p2p.peer_store_mongodb_database', async () => {
    const config = await loadConfig({ values: { p2p: { peer_store_mongodb_uri: 'mongodb+srv://cluster.example/', peer_store_mongodb_database: 'chain1' } } });
    const fromConfig = resolveMongoOptions(componentOptions(config, NodeKey.generate()).mongoPeerStore);
    assert.equal(fromConfig.uri, 'mongodb+srv://cluster.example/');
    assert.equal(fromConfig.database, 'chain1');
  });

  it('requires a mongodb:// URI and says where to put it', () => {
    assert.throws(() => resolveMongoOptions(undefined), { name: 'PeerStoreConfigError', message: /p2p\.peer_store_mongodb_uri.*TOKENS\.MongoPeerStoreOptions/ });
    assert.throws(() => resolveMongoOptions({ uri: '' }), { name: 'PeerStoreConfigError' });
    assert.throws(() => resolveMongoOptions({ uri: 'http://127.0.0.1:27017' }), { name: 'PeerStoreConfigError', message: /"http:\/\/127.0.0.1:27017"/ });
    assert.throws(() => new MongoPeerStore(), { name: 'PeerStoreConfigError' });
  });

  it('rejects bad names and numbers, naming the option', () => {
    assert.throws(() => resolveMongoOptions({ uri: URI, database: 'a.b' }), { name: 'PeerStoreConfigError', message: /database name "a.b"/ });
    assert.throws(() => resolveMongoOptions({ uri: URI, database: '' }), { name: 'PeerStoreConfigError' });
    assert.throws(() => resolveMongoOptions({ uri: URI, collection: 'system.peers' }), { name: 'PeerStoreConfigError', message: /collection name/ });
    assert.throws(() => resolveMongoOptions({ uri: URI, collection: 'a$b' }), { name: 'PeerStoreConfigError' });
    assert.throws(() => resolveMongoOptions({ uri: URI, maxBufferedWrites: 0 }), { name: 'PeerStoreConfigError', message: /maxBufferedWrites.*got 0/ });
    assert.throws(() => resolveMongoOptions({ uri: URI, writeConcurrency: 2.5 }), { name: 'PeerStoreConfigError', message: /writeConcurrency/ });
    assert.throws(() => resolveMongoOptions({ uri: URI, retryMinMs: 500, retryMaxMs: 100 }), { name: 'PeerStoreConfigError', message: /retryMaxMs/ });
    assert.throws(() => resolveMongoOptions({ uri: URI, writeLocks: 'sometimes' as never }), { name: 'PeerStoreConfigError', message: /writeLocks.*"sometimes"/ });
  });

  it('rejects a connection string the driver cannot parse when the store first opens, naming the config key', async () => {
    const store = new MongoPeerStore({ uri: 'mongodb://' });
    await assert.rejects(store.load(), { name: 'PeerStoreConfigError', message: /invalid MongoDB connection string mongodb:\/\/: .*p2p\.peer_store_mongodb_uri/ });
    await store.close();
  });
});
