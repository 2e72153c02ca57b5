import assert from 'node:assert/strict';
import type { NodeConfig } from '../../../framework/config/node-config.js';
import { resolveMongoOptions } from '../../../plugins/peer-stores/mongodb/options.js';
import { MongoPeerStore } from '../../../plugins/peer-stores/mongodb/mongo-peer-store.js';

const config = (p2p: Record<string, unknown>) => ({ p2p }) as unknown as NodeConfig;
const URI = 'mongodb://127.0.0.1:1/';

describe('MongoPeerStore options', () => {
  it('has documented defaults', () => {
    const o = resolveMongoOptions(undefined, { uri: URI });
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

  it('reads the URI and database from config when no options are bound, options first', () => {
    const fromConfig = resolveMongoOptions(config({ peerStoreMongodbUri: 'mongodb+srv://cluster.example/', peerStoreMongodbDatabase: 'chain1' }), undefined);
    assert.equal(fromConfig.uri, 'mongodb+srv://cluster.example/');
    assert.equal(fromConfig.database, 'chain1');
    const overridden = resolveMongoOptions(config({ peerStoreMongodbUri: 'mongodb://a/', peerStoreMongodbDatabase: 'x' }), { uri: URI, database: 'y' });
    assert.equal(overridden.uri, URI);
    assert.equal(overridden.database, 'y');
  });

  it('requires a mongodb:// URI and says where to put it', () => {
    assert.throws(() => resolveMongoOptions(undefined, undefined), { name: 'PeerStoreConfigError', message: /p2p\.peer_store_mongodb_uri.*MONGO_PEER_STORE_OPTIONS/ });
    assert.throws(() => resolveMongoOptions(config({ peerStoreMongodbUri: '' }), {}), { name: 'PeerStoreConfigError' });
    assert.throws(() => resolveMongoOptions(undefined, { uri: 'http://127.0.0.1:27017' }), { name: 'PeerStoreConfigError', message: /"http:\/\/127.0.0.1:27017"/ });
    assert.throws(() => new MongoPeerStore(), { name: 'PeerStoreConfigError' });
  });

  it('rejects bad names and numbers, naming the option', () => {
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, database: 'a.b' }), { name: 'PeerStoreConfigError', message: /database name "a.b"/ });
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, database: '' }), { name: 'PeerStoreConfigError' });
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, collection: 'system.peers' }), { name: 'PeerStoreConfigError', message: /collection name/ });
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, collection: 'a$b' }), { name: 'PeerStoreConfigError' });
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, maxBufferedWrites: 0 }), { name: 'PeerStoreConfigError', message: /maxBufferedWrites.*got 0/ });
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, writeConcurrency: 2.5 }), { name: 'PeerStoreConfigError', message: /writeConcurrency/ });
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, retryMinMs: 500, retryMaxMs: 100 }), { name: 'PeerStoreConfigError', message: /retryMaxMs/ });
    assert.throws(() => resolveMongoOptions(undefined, { uri: URI, writeLocks: 'sometimes' as never }), { name: 'PeerStoreConfigError', message: /writeLocks.*"sometimes"/ });
  });

  it('rejects a malformed connection string at construction', () => {
    assert.throws(() => new MongoPeerStore(undefined, { uri: 'mongodb://' }), { name: 'PeerStoreConfigError', message: /invalid MongoDB connection string/ });
  });
});
