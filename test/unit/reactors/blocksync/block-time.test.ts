import assert from 'node:assert/strict';
import { compareTimestamps, formatBlockTime, isValidTimestamp } from '../../../../reactors/blocksync/block-time.js';

describe('block times', () => {
  it('prints RFC 3339 with nanoseconds, trailing zeros dropped, as CometBFT does', () => {
    const seconds = Date.UTC(2026, 11, 3, 8, 2, 0) / 1000;
    assert.equal(formatBlockTime({ seconds, nanos: 226_204_985 }), '2026-12-03T08:02:00.226204985Z');
    assert.equal(formatBlockTime({ seconds, nanos: 100_000_000 }), '2026-12-03T08:02:00.1Z');
    assert.equal(formatBlockTime({ seconds, nanos: 0 }), '2026-12-03T08:02:00Z');
    assert.equal(formatBlockTime(null), '0001-01-01T00:00:00Z', "an absent time is Go's zero time");
  });

  it('accepts what a protobuf Timestamp may hold, and nothing else', () => {
    assert.ok(isValidTimestamp({ seconds: 0, nanos: 999_999_999 }));
    assert.ok(isValidTimestamp(undefined));
    assert.ok(!isValidTimestamp({ seconds: 0, nanos: -1 }));
    assert.ok(!isValidTimestamp({ seconds: 0, nanos: 1_000_000_000 }));
    assert.ok(!isValidTimestamp({ seconds: 253_402_300_800 }));
  });

  it('orders by seconds, then nanoseconds', () => {
    assert.ok(compareTimestamps({ seconds: 1, nanos: 5 }, { seconds: 1, nanos: 4 }) > 0);
    assert.ok(compareTimestamps({ seconds: 1 }, { seconds: 2 }) < 0);
    assert.equal(compareTimestamps({ seconds: 3, nanos: 1 }, { seconds: 3, nanos: 1 }), 0);
  });
});
