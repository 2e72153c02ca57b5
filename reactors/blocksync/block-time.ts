import type { google } from '../../proto/gen/messages.js';
import { GO_ZERO_TIME_SECONDS } from './canonical-encoding.js';

type Timestamp = google.protobuf.Timestamp.$Properties;

/** Seconds of 9999-12-31T23:59:59Z, the last second a protobuf Timestamp may hold. */
const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

/**
 * Whether a Timestamp is one upstream accepts when it decodes a block
 * (0001-01-01 to 9999-12-31, nanos within a second); absent counts as Go's
 * zero time, which is valid.
 */
export function isValidTimestamp(t: Timestamp | null | undefined): boolean {
  if (t === null || t === undefined) return true;
  const seconds = t.seconds ?? 0;
  const nanos = t.nanos ?? 0;
  return (
    Number.isSafeInteger(seconds) && seconds >= GO_ZERO_TIME_SECONDS && seconds <= MAX_TIMESTAMP_SECONDS && Number.isInteger(nanos) && nanos >= 0 && nanos <= 999_999_999
  );
}

/** Orders two timestamps: negative when `a` is earlier, 0 when equal, positive when later. */
export function compareTimestamps(a: Timestamp | null | undefined, b: Timestamp | null | undefined): number {
  const as = a?.seconds ?? GO_ZERO_TIME_SECONDS;
  const bs = b?.seconds ?? GO_ZERO_TIME_SECONDS;
  if (as !== bs) return as - bs;
  return (a?.nanos ?? 0) - (b?.nanos ?? 0);
}

/**
 * RFC 3339 with up to nanosecond precision and trailing zeros of the
 * fraction dropped, as CometBFT prints block times ("2024-05-01T12:00:00.1234Z").
 */
export function formatBlockTime(t: Timestamp | null | undefined): string {
  const seconds = t?.seconds ?? GO_ZERO_TIME_SECONDS;
  const nanos = t?.nanos ?? 0;
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = nanos === 0 ? '' : '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${whole}${fraction}Z`;
}
