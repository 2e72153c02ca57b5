import type { ChildProcess } from 'node:child_process';

/**
 * Child processes that must not outlive the test run. A crashed or interrupted mocha run would
 * otherwise leave CometBFT nodes holding ports and burning CPU until someone notices.
 */
const live = new Map<ChildProcess, { readonly group: boolean }>();
let installed = false;

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface TrackOptions {
  /**
   * The child leads its own process group (spawned with `detached: true`) and the whole group is
   * killed, e.g. a shell script whose `go` build would otherwise keep running. Default false.
   */
  readonly group?: boolean;
}

/** Registers `child` to be SIGKILLed if this process exits while it is still running. */
export function trackChild(child: ChildProcess, options: TrackOptions = {}): void {
  installHandlers();
  if (child.exitCode !== null || child.signalCode !== null) return;
  live.set(child, { group: options.group ?? false });
  child.once('exit', () => live.delete(child));
}

/** Children currently tracked (running, as far as we know). */
export function trackedChildCount(): number {
  return live.size;
}

/** Kills every tracked child synchronously; safe inside an 'exit' handler. */
export function killTrackedChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const [child, { group }] of live) {
    try {
      if (group && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // Already gone: nothing left to clean up.
    }
  }
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => killTrackedChildren());
  for (const signal of FORWARDED_SIGNALS) {
    const onSignal = (): void => {
      killTrackedChildren();
      // Adding a listener disables Node's default "exit on signal"; when nobody else (e.g. mocha)
      // handles the signal, restore the default and re-raise so the process still terminates.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}
