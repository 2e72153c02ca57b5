import { StringDecoder } from 'node:string_decoder';
import { CometBFTHarnessError } from './errors.js';

/** Terminal colour codes, which a child may emit even when writing to a pipe. */
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export interface LineRingOptions {
  /** Lines kept; older ones are dropped. Default 2000. */
  readonly capacity?: number;
  /** Longer lines are cut here (with a marker) so one runaway line cannot hold the memory. Default 8192. */
  readonly maxLineLength?: number;
}

/** The most recent `capacity` log lines of a process, oldest first. */
export class LineRing {
  readonly capacity: number;
  readonly maxLineLength: number;
  private readonly slots: string[];
  private next = 0;
  private count = 0;
  private droppedLines = 0;

  constructor(options: LineRingOptions = {}) {
    this.capacity = checkPositiveInt('capacity', options.capacity ?? 2000);
    this.maxLineLength = checkPositiveInt('maxLineLength', options.maxLineLength ?? 8192);
    this.slots = new Array<string>(this.capacity);
  }

  /** Lines currently held. */
  get size(): number {
    return this.count;
  }

  /** Lines evicted so far because the ring was full. */
  get dropped(): number {
    return this.droppedLines;
  }

  push(line: string): void {
    let clean = line.replace(ANSI, '');
    if (clean.length > this.maxLineLength) {
      clean = `${clean.slice(0, this.maxLineLength)}… [${clean.length - this.maxLineLength} chars cut]`;
    }
    this.slots[this.next] = clean;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    else this.droppedLines++;
  }

  lines(): string[] {
    const start = (this.next - this.count + this.capacity) % this.capacity;
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.slots[(start + i) % this.capacity]!);
    return out;
  }

  /** The last `n` lines (all if fewer are held). */
  tail(n: number): string[] {
    const all = this.lines();
    return n >= all.length ? all : all.slice(all.length - Math.max(0, n));
  }

  /** Lines matching `pattern`; a global/sticky regex is safe (its lastIndex is reset per line). */
  grep(pattern: RegExp): string[] {
    return this.lines().filter((line) => {
      pattern.lastIndex = 0;
      return pattern.test(line);
    });
  }
}

/**
 * Turns a byte stream into lines for a {@link LineRing}. One splitter per stream, so a partial line
 * from stdout is never glued to one from stderr. A partial line longer than the ring's limit is
 * flushed early rather than buffered without bound.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void, private readonly maxPending = 8192) {
    checkPositiveInt('maxPending', maxPending);
  }

  write(chunk: Buffer | string): void {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split(/\r?\n/);
    this.pending = parts.pop()!;
    for (const line of parts) this.onLine(line);
    if (this.pending.length > this.maxPending) {
      this.onLine(this.pending);
      this.pending = '';
    }
  }

  /** Flushes a final line that had no newline. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest.length > 0) this.onLine(rest);
  }
}

function checkPositiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new CometBFTHarnessError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
