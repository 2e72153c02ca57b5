import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };
export type LogLevel = LevelWithSilent;
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** Default "info". */
  readonly level?: LogLevel;
  /** "json" (default; one object per line) or "pretty" (human-readable, for terminals). */
  readonly format?: LogFormat;
  /** Extra fields on every line, e.g. { node: 'ab12…' }. */
  readonly base?: Record<string, unknown>;
  /** File descriptor to write to. Default 2 (stderr), keeping stdout for command output. */
  readonly fd?: number;
}

/** The root logger; components call `.child({ component: 'router' })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (options.format === 'pretty') {
    return pino({ level, base: options.base ?? null }, pino.transport({ target: 'pino-pretty', options: { destination: options.fd ?? 2 } }));
  }
  return pino({ level, base: options.base ?? null }, pino.destination({ fd: options.fd ?? 2, sync: true }));
}

/** A logger that discards everything; handy in tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
