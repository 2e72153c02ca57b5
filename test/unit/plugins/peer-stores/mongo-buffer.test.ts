import assert from 'node:assert/strict';
import { RevisionCache } from '../../../../plugins/peer-stores/mongodb/revision-cache.js';
import { WriteBuffer, type BufferedWrite } from '../../../../plugins/peer-stores/mongodb/write-buffer.js';
import { MongoNetworkError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { backoffDelay, redact } from '../../../../plugins/peer-stores/mongodb/status.js';
import { isDuplicateKeyError, isTransientMongoError } from '../../../../plugins/peer-stores/mongodb/mongo-errors.js';
import { mongoDriver } from '../../../../plugins/peer-stores/mongodb/driver.js';
import { minimalRecord, nid } from './fixtures.js';

const save = (n: number, lastConnected = 0): BufferedWrite => ({ kind: 'save', record: { ...minimalRecord(n), lastConnected } });

describe('WriteBuffer', () => {
  it('coalesces writes of one peer, keeping the newest and its place in line', () => {
    const buffer = new WriteBuffer(10);
    buffer.put(nid(1), save(1, 1));
    buffer.put(nid(2), save(2));
    buffer.put(nid(1), save(1, 2));
    buffer.put(nid(1), { kind: 'delete' });
    assert.equal(buffer.size, 2);
    assert.equal(buffer.coalesced, 2);
    assert.deepStrictEqual(buffer.take(10), [[nid(1), { kind: 'delete' }], [nid(2), save(2)]]);
  });

  it('drops the oldest waiting write when full, and counts it', () => {
    const buffer = new WriteBuffer(3);
    for (const n of [1, 2, 3]) assert.equal(buffer.put(nid(n), save(n)), undefined);
    assert.equal(buffer.put(nid(4), save(4)), nid(1));
    assert.equal(buffer.put(nid(5), save(5)), nid(2));
    assert.equal(buffer.put(nid(5), save(5, 9)), undefined); // coalesced: no room needed
    assert.equal(buffer.dropped, 2);
    assert.deepStrictEqual(buffer.take(10).map(([id]) => id), [nid(3), nid(4), nid(5)]);
  });

  it('never hands out two writes of one peer at once', () => {
    const buffer = new WriteBuffer(10);
    buffer.put(nid(1), save(1, 1));
    const [first] = buffer.take(5);
    buffer.put(nid(1), save(1, 2));
    assert.equal(buffer.ready, 0);
    assert.deepStrictEqual(buffer.take(5), []);
    buffer.done(first![0]);
    assert.deepStrictEqual(buffer.take(5), [[nid(1), save(1, 2)]]);
  });

  it('puts a failed write back unless a newer one of that peer is waiting', () => {
    const buffer = new WriteBuffer(10);
    buffer.put(nid(1), save(1, 1));
    buffer.put(nid(2), save(2, 1));
    const taken = buffer.take(5);
    buffer.put(nid(2), save(2, 2));
    for (const [id, write] of taken) buffer.retry(id, write);
    assert.deepStrictEqual(buffer.take(5), [[nid(2), save(2, 2)], [nid(1), save(1, 1)]]);
  });

  it('counts in-flight writes against the limit but never drops them', () => {
    const buffer = new WriteBuffer(2);
    buffer.put(nid(1), save(1));
    buffer.put(nid(2), save(2));
    buffer.take(2);
    assert.equal(buffer.put(nid(3), save(3)), undefined); // nothing waiting to drop
    assert.equal(buffer.size, 3);
    assert.equal(buffer.put(nid(4), save(4)), nid(3));
    assert.equal(buffer.clear(), 1);
    assert.equal(buffer.size, 2);
  });
});

describe('RevisionCache', () => {
  it('forgets the least recently used peer beyond its capacity', () => {
    const cache = new RevisionCache(2);
    cache.set(nid(1), { rev: 1, record: minimalRecord(1) });
    cache.set(nid(2), { rev: 1, record: minimalRecord(2) });
    assert.equal(cache.get(nid(1))?.rev, 1); // now most recent
    cache.set(nid(3), { rev: 4, record: minimalRecord(3) });
    assert.equal(cache.has(nid(2)), false);
    assert.equal(cache.has(nid(1)), true);
    assert.equal(cache.size, 2);
    cache.delete(nid(1));
    assert.equal(cache.get(nid(1)), undefined);
  });

  it('holds nothing with capacity 0', () => {
    const cache = new RevisionCache(0);
    cache.set(nid(1), { rev: 1, record: minimalRecord(1) });
    assert.equal(cache.size, 0);
  });
});

describe('MongoPeerStore helpers', () => {
  // As in a store: errors of the driver's classes exist only once a store has loaded it.
  before(() => mongoDriver());

  it('backs off exponentially with jitter in [½, 1] of the step, capped', () => {
    for (let failures = 1; failures < 40; failures++) {
      const step = Math.min(1000, 10 * 2 ** (failures - 1));
      const d = backoffDelay(failures, 10, 1000);
      assert.ok(d >= step / 2 - 1 && d <= step, `failures=${failures}: ${d} outside [${step / 2}, ${step}]`);
    }
  });

  it('tells an outage (retry later) from a refusal (drop) and from a bug', () => {
    const epipe = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    assert.equal(isTransientMongoError(epipe), true, 'a raw socket error the driver did not wrap');
    assert.equal(isTransientMongoError(new Error('wrapped', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })), true);
    assert.equal(isTransientMongoError(new MongoNetworkError('connection closed')), true);
    assert.equal(isTransientMongoError(new MongoServerSelectionError('no server', { type: 'Unknown' } as never)), true);
    assert.equal(isTransientMongoError(new MongoServerError({ message: 'shutting down', code: 91 })), true);
    assert.equal(isTransientMongoError(new MongoTopologyClosedError()), true, 'a failed first connection closes the topology under a waiting operation');
    const duplicate = new MongoServerError({ message: 'E11000 duplicate key', code: 11000 });
    assert.equal(isTransientMongoError(duplicate), false);
    assert.equal(isDuplicateKeyError(duplicate), true);
    assert.equal(isTransientMongoError(new MongoServerError({ message: 'document failed validation', code: 121 })), false);
    assert.equal(isTransientMongoError(new TypeError('x is undefined')), false);
  });

  it('keeps credentials out of connection strings it logs', () => {
    assert.equal(redact('mongodb://user:secret@db.example:27017/x'), 'mongodb://***@db.example:27017/x');
    assert.equal(redact('mongodb://127.0.0.1:27017/'), 'mongodb://127.0.0.1:27017/');
  });
});
