import { InvalidArgumentError } from '../errors/base.js';

const UNITS: Record<string, number> = { ns: 1e-6, us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses Tendermint-style durations ("100ms", "5s", "1m30s", "2h"; also Go's
 * "ns", "us" and "µs" for sub-millisecond settings) or a plain
 * number of milliseconds. Throws InvalidArgumentError naming the input.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`duration must be a non-negative number of ms, got ${value}`);
    return value;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    total += Number(match[1]) * UNITS[match[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new InvalidArgumentError(`invalid duration "${value}": use a number with a unit, e.g. "100ms", "5s", "1m30s", "2h"`);
  }
  return total;
}
