import type { Logger } from './logger.js';

/** Longest rendering of a string a peer controls in a log line, escapes included, before it is cut. */
export const PEER_TEXT_MAX_LENGTH = 200;
/** Longest stack trace of a peer-caused error (debug level only). */
const PEER_STACK_MAX_LENGTH = 4000;

/**
 * Renders a string a peer controls (moniker, version, network, an address,
 * an error message that quotes one) for a log line: every character outside
 * printable ASCII and every backslash is escaped (`\n`, `\x1b`, `\u202e`), so
 * the text can neither forge log lines nor drive a terminal, and the result
 * is cut at `maxLength` characters with the number of characters left out.
 * Work is bounded by `maxLength`, whatever the input's size.
 */
export function peerText(value: unknown, maxLength = PEER_TEXT_MAX_LENGTH): string {
  const text = typeof value === 'string' ? value : String(value);
  let out = '';
  let i = 0;
  for (; i < text.length; i++) {
    const piece = escapeCodeUnit(text.charCodeAt(i));
    if (out.length + piece.length > maxLength) break;
    out += piece;
  }
  return i < text.length ? `${out}…(+${text.length - i} chars)` : out;
}

function escapeCodeUnit(code: number): string {
  if (code === 0x5c) return '\\\\';
  if (code >= 0x20 && code <= 0x7e) return String.fromCharCode(code);
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** How a peer-caused error appears in a log line. */
export interface PeerErrorFields {
  readonly type: string;
  readonly message: string;
  /** The cause's name and message, when the message does not already say it. */
  readonly cause?: string;
  /** Only at debug level. */
  readonly stack?: string;
}

/**
 * A peer-caused error as log fields: its name and its escaped, truncated
 * message (and cause). Error messages quote what peers sent, so they are
 * peer text. The stack is included only when asked for, which callers do
 * at debug level only: a stack says nothing about the peer and costs a
 * kilobyte a line.
 */
export function peerErrorFields(error: Error, options: { stack?: boolean } = {}): PeerErrorFields {
  const cause = (error as { cause?: unknown }).cause;
  const causeText = cause instanceof Error && !error.message.includes(cause.message) ? peerText(`${cause.name}: ${cause.message}`) : undefined;
  return {
    type: peerText(error.name, 64),
    message: peerText(error.message),
    ...(causeText !== undefined ? { cause: causeText } : {}),
    ...(options.stack && error.stack !== undefined ? { stack: peerText(error.stack, PEER_STACK_MAX_LENGTH) } : {}),
  };
}

/** Counters of a {@link PeerFaultLog}. */
export interface PeerFaultLogStats {
  /** Peer-caused errors written to the log (at most one per connection). */
  readonly logged: number;
  /** Peer-caused errors only counted, because their connection had already logged one. */
  readonly notLogged: number;
}

/**
 * The one place that decides how an error a peer caused is logged. The first
 * error of each connection is one `warn` line: the error's name and escaped,
 * truncated message, never a stack (when debug is enabled the stack follows
 * at debug). Every later error of that connection is only counted, here and
 * on the connection, so a peer that sends thousands of bad messages costs one
 * line — and a node serving many peers cannot have its log flooded by one.
 */
export class PeerFaultLog {
  private logged = 0;
  private notLogged = 0;

  constructor(private readonly log: Logger) {}

  /** A budget of one logged error for a new connection; `bindings` (e.g. the peer's ID) go on its line. */
  connection(bindings: Readonly<Record<string, unknown>>): ConnectionFaults {
    return new ConnectionFaults(this, bindings);
  }

  stats(): PeerFaultLogStats {
    return { logged: this.logged, notLogged: this.notLogged };
  }

  /** @internal Called by {@link ConnectionFaults}. */
  write(error: Error, fields: Readonly<Record<string, unknown>>, message: string): void {
    this.logged++;
    this.log.warn({ ...fields, error: peerErrorFields(error) }, message);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ ...fields, error: peerErrorFields(error, { stack: true }) }, `${message} (stack)`);
  }

  /** Counts a peer-caused error that no connection's budget covers (e.g. its peer is gone already) without logging it. */
  countNotLogged(): void {
    this.notLogged++;
  }
}

/** The peer-caused errors of one connection: the first is logged, the rest counted. */
export class ConnectionFaults {
  /** Errors reported for this connection. */
  reported = 0;
  /** Of those, how many were counted without a log line. */
  notLogged = 0;

  constructor(
    private readonly owner: PeerFaultLog,
    private readonly bindings: Readonly<Record<string, unknown>>,
  ) {}

  /** Logs `error` if it is the connection's first, else counts it. Returns whether it was logged. */
  report(error: Error, fields: Readonly<Record<string, unknown>> = {}, message = 'peer error'): boolean {
    if (++this.reported === 1) {
      this.owner.write(error, { ...this.bindings, ...fields }, message);
      return true;
    }
    this.notLogged++;
    this.owner.countNotLogged();
    return false;
  }
}
