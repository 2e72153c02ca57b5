import type { MConnConnection } from '../plugins/transports/mconn/mconn-connection.js';
import { socketOf } from './priority-probe.js';

/**
 * What-if runs for the transport's owners (PRIORITY_EXPERIMENT, see
 * BENCHMARKS.md): each patches one live connection the way a proposed
 * MConnection change would behave, so its effect on high-priority latency can
 * be measured before anyone writes it. They reach into private members and
 * throw if those have changed. Never used for the scenario's own figures.
 */
export type Experiment = 'flush-on-tick' | 'kernel-window';
export const EXPERIMENTS: readonly Experiment[] = ['flush-on-tick', 'kernel-window'];
/** kernel-window: bytes allowed between A's socket and what B has read. */
export const KERNEL_WINDOW_BYTES = 256 * 1024;

type Callback = (error?: Error | null) => void;
interface PumpInternals {
  readonly isClosed: boolean;
  waitingDrain: boolean;
  pumpImmediate: NodeJS.Immediate | undefined;
  schedulePump(urgent: boolean): void;
  pump(): void;
}
interface WriteInternals {
  _write(chunk: Buffer, encoding: BufferEncoding, callback: Callback): void;
  _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: Callback): void;
}

function internals<T>(owner: object, field: string, members: readonly string[], experiment: Experiment): T {
  const value = (owner as Record<string, unknown>)[field] as Record<string, unknown> | undefined;
  const missing = members.filter((m) => value === undefined || !(m in value));
  if (missing.length > 0) throw new Error(`experiment ${experiment}: ${field}.${missing.join(', ')} no longer exist(s) in the mconn transport; update bench/priority-experiments.ts`);
  return value as T;
}

/**
 * flush-on-tick (the far side, B): when MConnection is idle, write newly
 * queued packets on process.nextTick (after the current callback and its
 * microtasks) instead of setImmediate, which waits for the whole poll phase —
 * up to 32 socket reads of 64 KiB of incoming flood on a busy receiver.
 * Back-to-back pumps still go through setImmediate, so a sender cannot starve I/O.
 */
export function flushOnTick(conn: MConnConnection): void {
  const mconn = internals<PumpInternals>(conn, 'mconn', ['waitingDrain', 'pumpImmediate', 'schedulePump', 'pump'], 'flush-on-tick');
  const schedule = mconn.schedulePump.bind(mconn);
  let ticking = false;
  mconn.schedulePump = (urgent) => {
    if (mconn.isClosed || mconn.waitingDrain || ticking || mconn.pumpImmediate !== undefined) return schedule(urgent);
    ticking = true;
    process.nextTick(() => {
      ticking = false;
      mconn.pump();
    });
  };
}

/**
 * kernel-window (the sending side, A): hands a sealed batch to the socket
 * only while fewer than KERNEL_WINDOW_BYTES sit between A's socket and B's
 * reads (B's count shared through `farBytesRead`, an oracle standing in for a
 * pong-clocked window). The rest waits in MConnection's per-channel queues,
 * where the packet scheduler still orders by priority.
 */
export function kernelWindow(conn: MConnConnection, farBytesRead: SharedArrayBuffer): void {
  const secret = internals<WriteInternals>(conn, 'secret', ['_write', '_writev'], 'kernel-window');
  const socket = socketOf(conn);
  const far = new Float64Array(farBytesRead);
  const gated =
    <A extends unknown[]>(write: (...args: A) => void) =>
    (...args: A): void => {
      const attempt = (): void => {
        // A closed socket lets the write through to fail as it would have.
        if (!socket.destroyed && socket.bytesWritten - far[0]! > KERNEL_WINDOW_BYTES) setImmediate(attempt);
        else write(...args);
      };
      attempt();
    };
  secret._write = gated(secret._write.bind(secret));
  secret._writev = gated(secret._writev.bind(secret));
}

/** The experiments named in PRIORITY_EXPERIMENT (comma-separated), validated. */
export function experimentsFromEnv(value: string | undefined): ReadonlySet<Experiment> {
  const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!EXPERIMENTS.includes(name as Experiment)) throw new Error(`PRIORITY_EXPERIMENT: unknown experiment "${name}"; known: ${EXPERIMENTS.join(', ')}`);
  }
  return new Set(names as Experiment[]);
}
