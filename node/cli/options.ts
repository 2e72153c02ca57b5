import { InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../../framework/util/duration.js';

/** A commander parser for an integer option within [min, max], with an error naming the flag. */
export function intOption(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

/** A commander parser for a number (fractions allowed) within [min, max], naming the flag. */
export function numberOption(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be a number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

/** A commander parser for a duration ("200ms", "2s", or plain milliseconds) within [minMs, maxMs], naming the flag. */
export function durationOption(flag: string, maxMs: number, minMs = 0) {
  return (value: string): number => {
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch {
      throw new InvalidArgumentError(`${flag} must be a duration such as "50ms" or "2s", got "${value}"`);
    }
    if (ms > maxMs) throw new InvalidArgumentError(`${flag} must be at most ${maxMs} ms, got "${value}"`);
    if (ms < minMs) throw new InvalidArgumentError(`${flag} must be at least ${minMs} ms, got "${value}"`);
    return ms;
  };
}

/** A duration for help texts: "0", "500ms", "5s" (what the duration options take). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0';
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** An option taking a duration, whose help shows its default as a duration ("5s"), not in milliseconds. */
export function durationFlag(flags: string, description: string, parse: (value: string) => number, defaultMs: number): Option {
  return new Option(flags, description).argParser(parse).default(defaultMs, formatDurationMs(defaultMs));
}
