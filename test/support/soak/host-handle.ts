import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { P2PError } from '../../../framework/errors/base.js';
import type { HostPeers, HostReply, HostReport, HostRequest, HostSample, HostSpec, StartedNode } from './host-protocol.js';

/** A node host did not answer a request within the time allowed: it has stopped answering. */
export class HostTimeoutError extends P2PError {
  override name = 'HostTimeoutError';
}

/** A node host answered a request with an error, or its process is gone. */
export class HostError extends P2PError {
  override name = 'HostError';
}

const ENTRY = fileURLToPath(new URL('./node-host-main.js', import.meta.url));

/** Longest step the AwakeTimer counts: a longer gap between its ticks is time this process was not running. */
const MAX_STEP_MS = 2000;
const TICK_MS = 1000;

/**
 * A timeout that counts only time this process was awake to see a reply.
 * On two busy cores a conductor can be starved for many seconds; a plain
 * timer then fires the moment it runs again, before the reply that waits in
 * the IPC pipe is read, and a node that answered looks frozen. This one
 * ticks every second, counts at most MAX_STEP_MS per tick, and lets one poll
 * phase run (setImmediate) before it expires, so a frozen node is still
 * caught but a starved conductor is not mistaken for one.
 */
class AwakeTimer {
  private counted = 0;
  private last = performance.now();
  private timer?: NodeJS.Timeout;
  private done = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly expire: () => void,
  ) {
    this.timer = setTimeout(this.tick, Math.min(TICK_MS, timeoutMs));
  }

  cancel(): void {
    this.done = true;
    clearTimeout(this.timer);
  }

  private readonly tick = (): void => {
    if (this.done) return;
    const now = performance.now();
    this.counted += Math.min(now - this.last, MAX_STEP_MS);
    this.last = now;
    if (this.counted < this.timeoutMs) {
      this.timer = setTimeout(this.tick, Math.min(TICK_MS, this.timeoutMs - this.counted));
      return;
    }
    // A reply that arrived while this process was starved is read in the poll phase, before this runs.
    setImmediate(() => {
      if (this.done) return;
      this.done = true;
      this.expire();
    });
  };
}

/** The conductor's side of one node host: a child process spoken to by request and reply. */
export class HostHandle {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private exited?: string;
  readonly exit: Promise<void>;

  constructor(readonly index: number) {
    // --expose-gc: every sample collects first, so heap figures are what is live.
    this.child = fork(ENTRY, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    this.child.on('error', () => {}); // a failed send: reported by its callback, or by 'exit'
    this.child.on('message', (reply: HostReply) => {
      const waiter = this.waiting.get(reply.id);
      if (waiter === undefined) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new HostError(`node ${index}: ${reply.error.name}: ${reply.error.message}`));
    });
    this.exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exited = signal ?? `code ${code}`;
        for (const waiter of this.waiting.values()) waiter.reject(new HostError(`node ${index}'s process exited (${this.exited})`));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  start(spec: HostSpec, timeoutMs: number): Promise<StartedNode> {
    return this.request({ op: 'start', spec }, timeoutMs) as Promise<StartedNode>;
  }

  restart(timeoutMs: number): Promise<StartedNode> {
    return this.request({ op: 'restart' }, timeoutMs) as Promise<StartedNode>;
  }

  sample(timeoutMs: number): Promise<HostSample> {
    return this.request({ op: 'sample' }, timeoutMs) as Promise<HostSample>;
  }

  peers(timeoutMs: number): Promise<HostPeers> {
    return this.request({ op: 'peers' }, timeoutMs) as Promise<HostPeers>;
  }

  report(timeoutMs: number): Promise<HostReport> {
    return this.request({ op: 'report' }, timeoutMs) as Promise<HostReport>;
  }

  stop(timeoutMs: number): Promise<HostReport> {
    return this.request({ op: 'stop' }, timeoutMs) as Promise<HostReport>;
  }

  async tell(request: HostRequest, timeoutMs: number): Promise<void> {
    await this.request(request, timeoutMs);
  }

  /** Ends the process whatever it is doing (after a failed stop). */
  kill(): void {
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }

  private request(request: HostRequest, timeoutMs: number): Promise<unknown> {
    if (this.exited !== undefined) return Promise.reject(new HostError(`node ${this.index}'s process exited (${this.exited})`));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = new AwakeTimer(timeoutMs, () => {
        this.waiting.delete(id);
        reject(new HostTimeoutError(`node ${this.index} did not answer "${request.op}" within ${timeoutMs} ms`));
      });
      this.waiting.set(id, {
        resolve: (value) => (timer.cancel(), resolve(value)),
        reject: (error) => (timer.cancel(), reject(error)),
      });
      // A process that just died fails the send: rejected here, or by the exit handler, whichever comes first.
      this.child.send({ id, request }, (error) => {
        if (!error) return;
        const waiter = this.waiting.get(id);
        this.waiting.delete(id);
        waiter?.reject(new HostError(`node ${this.index}: ${request.op} not sent: ${error.message}`));
      });
    });
  }
}
