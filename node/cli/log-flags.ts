import { Option, type Command } from 'commander';
import { createLogger, type LogFormat, type LogLevel, type Logger } from '../../framework/logging/logger.js';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** What `--log-level` and `--log-format` gave; unset flags leave the command's own default. */
export interface LogFlags {
  readonly logLevel?: LogLevel;
  readonly logFormat?: LogFormat;
}

let chosenLevel: LogLevel | undefined;

/**
 * Adds `--log-level` and `--log-format` to a command: every tmp2p command
 * takes both. An unknown level or format is refused by the parser with the
 * allowed values. `defaultLevel` is what the command logs at without the
 * flag (shown in its help); leave it out where the node's config decides.
 */
export function addLogOptions(command: Command, defaultLevel?: LogLevel): Command {
  const level = new Option('--log-level <level>', 'log level on stderr').choices(LOG_LEVELS);
  if (defaultLevel !== undefined) level.default(defaultLevel);
  return command
    .hook('preAction', (_, action) => noteLogLevel((action.opts() as LogFlags).logLevel))
    .addOption(level)
    .addOption(new Option('--log-format <format>', 'log format on stderr: one JSON object per line, or pretty').choices(LOG_FORMATS));
}

/** The config overrides that put the flags above `log_level` / `log_format` from files and environment. */
export function logOverrides(flags: LogFlags): Record<string, string> {
  return {
    ...(flags.logLevel === undefined ? {} : { log_level: flags.logLevel }),
    ...(flags.logFormat === undefined ? {} : { log_format: flags.logFormat }),
  };
}

/** A root logger per the flags, else `fallbackLevel` and json. */
export function loggerFromFlags(flags: LogFlags, fallbackLevel: LogLevel): Logger {
  return createLogger({ level: flags.logLevel ?? fallbackLevel, format: flags.logFormat ?? 'json' });
}

/** Records the level the command runs at (its flag, or the node's config), for wantsStackTraces(). */
export function noteLogLevel(level: LogLevel | undefined): void {
  if (level !== undefined) chosenLevel = level;
}

/** Whether the command runs at debug detail (or more): then a failure is printed with its stack and causes. */
export function wantsStackTraces(): boolean {
  return chosenLevel === 'debug' || chosenLevel === 'trace';
}
