import { parseDuration } from './duration.js';

/**
 * Checks of one component's options table (a config section handed over untyped), each failing
 * with the component's own typed error and one message shape: `<component> option "<key>" is
 * <value>; <rule>`. The value is shown as JSON, cut at 120 characters, since it may come from a
 * file or a command line.
 */
export interface OptionChecks {
  fail(option: string, value: unknown, rule: string): never;
  /** A safe integer within [min, max]. */
  integer(option: string, value: unknown, min: number, max?: number): number;
  /** Milliseconds as a number, or a duration string such as "15s"; at least `min` ms. */
  duration(option: string, value: unknown, min: number): number;
  boolean(option: string, value: unknown): boolean;
  /** The table itself: an object whose every key is one of `known` (a typo is an error, not a default). */
  table(raw: unknown, known: readonly string[]): Record<string, unknown>;
}

/** Shows an option's value in an error message. */
export function shownOptionValue(value: unknown): string {
  try {
    const text = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
    return text.length > 120 ? `${text.slice(0, 120)}…` : text;
  } catch {
    return String(value);
  }
}

export function optionChecks(component: string, makeError: (message: string) => Error): OptionChecks {
  const fail = (option: string, value: unknown, rule: string): never => {
    throw makeError(`${component} option "${option}" is ${shownOptionValue(value)}; ${rule}`);
  };
  return {
    fail,
    integer(option, value, min, max = Number.MAX_SAFE_INTEGER) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
        fail(option, value, max === Number.MAX_SAFE_INTEGER ? `expected an integer ≥ ${min}` : `expected an integer from ${min} to ${max}`);
      }
      return value as number;
    },
    duration(option, value, min) {
      if (typeof value !== 'number' && typeof value !== 'string') fail(option, value, 'expected milliseconds or a duration string such as "15s"');
      let ms: number;
      try {
        ms = parseDuration(value as number | string);
      } catch (cause) {
        return fail(option, value, (cause as Error).message);
      }
      if (ms < min) fail(option, value, `must be at least ${min} ms`);
      return ms;
    },
    boolean(option, value) {
      if (typeof value !== 'boolean') fail(option, value, 'expected true or false');
      return value as boolean;
    },
    table(raw, known) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(table)', raw, 'expected a table of options');
      const table = raw as Record<string, unknown>;
      for (const key of Object.keys(table)) {
        if (!known.includes(key)) fail(key, table[key], `unknown option; known options: ${known.join(', ')}`);
      }
      return table;
    },
  };
}
