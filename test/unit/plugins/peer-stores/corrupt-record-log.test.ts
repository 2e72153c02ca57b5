import assert from 'node:assert/strict';
import { CORRUPT_LOG_LIMIT, CorruptRecordLog } from '../../../../plugins/peer-stores/corrupt-record-log.js';
import { recordingLogger } from '../../../support/recording-logger.js';

describe('CorruptRecordLog', () => {
  it('logs each skipped record with what names it and the store, and no summary while under the limit', () => {
    const { lines, logger } = recordingLogger();
    const corrupt = new CorruptRecordLog(logger, { path: '/db' });
    corrupt.skipped({ key: 'peer/x' }, 'value is not JSON');
    corrupt.summarize();
    assert.equal(corrupt.count, 1);
    assert.deepEqual(lines, [{ level: 'warn', obj: { key: 'peer/x', problem: 'value is not JSON', path: '/db' }, msg: 'corrupted peer record skipped' }]);
  });

  it(`logs the first ${CORRUPT_LOG_LIMIT} one by one and sums up the rest in one line`, () => {
    const { lines, logger } = recordingLogger();
    const corrupt = new CorruptRecordLog(logger, { target: 'mongodb://h db.peers' });
    for (let i = 0; i < CORRUPT_LOG_LIMIT + 5; i++) corrupt.skipped({ id: String(i) }, 'bad');
    corrupt.summarize();
    assert.equal(corrupt.count, CORRUPT_LOG_LIMIT + 5);
    assert.equal(lines.length, CORRUPT_LOG_LIMIT + 1);
    assert.deepEqual(lines.at(-2)?.obj, { id: String(CORRUPT_LOG_LIMIT - 1), problem: 'bad', target: 'mongodb://h db.peers' });
    assert.deepEqual(lines.at(-1), { level: 'warn', obj: { corrupt: CORRUPT_LOG_LIMIT + 5, target: 'mongodb://h db.peers' }, msg: '5 more corrupted peer records skipped' });
  });
});
