import { Writable } from 'node:stream';
import { pino, type Logger, type LevelWithSilent } from 'pino';

/**
 * A stream that counts what a real pino logger writes to it and keeps the
 * lines, so a test can measure log volume the way an operator's disk sees it.
 */
export class LogSink extends Writable {
  bytes = 0;
  readonly lines: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = chunk.toString();
    this.bytes += Buffer.byteLength(text);
    for (const line of text.split('\n')) if (line.length > 0) this.lines.push(line);
    done();
  }

  /** The parsed lines written since `fromLine` (an index into `lines`). */
  entries(fromLine = 0): Array<Record<string, unknown>> {
    return this.lines.slice(fromLine).map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** A real pino JSON logger writing into a new sink, as the CLI's logger writes to stderr. */
export function countingLogger(level: LevelWithSilent = 'info'): { logger: Logger; sink: LogSink } {
  const sink = new LogSink();
  return { logger: pino({ level, base: null }, sink), sink };
}
