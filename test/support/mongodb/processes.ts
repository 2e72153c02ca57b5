import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { AbortError } from '../../../framework/errors/base.js';
import { MongoServerStartError } from './errors.js';

/** Running children, and whether to kill their whole process group. */
const live = new Map<ChildProcess, boolean>();
let hooked = false;

/** SIGKILLs `child` (its whole process group when `group`) if this process exits first, so no server outlives a test run. */
export function reapOnExit(child: ChildProcess, group = false): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const [c, wholeGroup] of live) {
        try {
          if (wholeGroup && c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
          else c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  if (child.exitCode !== null || child.signalCode !== null) return;
  live.set(child, group);
  child.once('exit', () => live.delete(child));
}

/** A TCP port that was free on 127.0.0.1 a moment ago (distinct within this process). */
const handedOut = new Set<number>();
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new MongoServerStartError('no TCP address'))));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new MongoServerStartError('could not find a free TCP port on 127.0.0.1 after 64 attempts');
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects when `stillRunning` turns false or after `timeoutMs`. */
export async function waitForPort(port: number, options: { timeoutMs: number; stillRunning: () => boolean; signal?: AbortSignal }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.signal?.aborted) throw new AbortError('waiting for the server was aborted', { cause: options.signal.reason });
    if (!options.stillRunning()) throw new MongoServerStartError(`the server exited before listening on 127.0.0.1:${port}`);
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new MongoServerStartError(`nothing listened on 127.0.0.1:${port} within ${options.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Keeps the last `capacity` lines written to it (a child's output, for error messages). */
export class TailBuffer {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly capacity = 40) {}

  write(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
  }

  /** Completed lines so far, oldest first (the unterminated last line included). */
  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
}
