import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAncestorWith } from '../repo-root.js';
import { AbortError } from '../../../framework/errors/base.js';
import { MongoServerStartError, MongoUnavailableError } from './errors.js';
import { TailBuffer, freePort, reapOnExit, waitForPort } from './processes.js';

const SCRIPT = join('scripts', 'ferretdb', 'install-ferretdb.sh');
/** How long a started FerretDB may take to listen. */
const START_TIMEOUT_MS = 30_000;

/** The repository root: the nearest ancestor holding the install script (from source or dist). */
export function repoRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  const root = findAncestorWith(SCRIPT, start);
  if (root === undefined) throw new MongoServerStartError(`cannot find ${SCRIPT} above ${start}`);
  return root;
}

let binary: Promise<string> | undefined;

/**
 * Path of a FerretDB v1.24.2 binary, built by scripts/ferretdb/install-ferretdb.sh
 * on first use (minutes on a cold Go cache; the script's progress goes to
 * stderr) and reused from <repo>/.cache/bin afterwards. Throws
 * MongoUnavailableError when Go is missing or the build fails.
 */
export function ensureFerretDB(signal?: AbortSignal): Promise<string> {
  binary ??= runInstallScript(signal).catch((error: unknown) => {
    binary = undefined;
    throw error;
  });
  return binary;
}

function runInstallScript(signal?: AbortSignal): Promise<string> {
  const script = join(repoRoot(), SCRIPT);
  return new Promise<string>((resolve, reject) => {
    // Own process group, so an abort also stops the `go` build the script started.
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    reapOnExit(child, true);
    const transcript = new TailBuffer(60);
    const stdout = new TailBuffer(5);
    child.stdout.on('data', (chunk: Buffer) => stdout.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      transcript.write(chunk);
      // Building takes minutes the first time; show that something is happening.
      if (/\[install-ferretdb\]/.test(chunk.toString())) process.stderr.write(chunk);
    });
    const onAbort = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (cause) => reject(new MongoUnavailableError(`cannot run ${script} with bash: ${cause.message}`, { cause })));
    child.once('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(new AbortError('building FerretDB was aborted', { cause: signal.reason }));
      const path = stdout.text().trim().split('\n').at(-1)?.trim();
      if (code === 0 && path && existsSync(path)) return resolve(path);
      const why = code === 127 ? 'Go is not installed (needed to build FerretDB)' : killedBy ? `it was killed by ${killedBy}` : `it exited with code ${code}`;
      reject(new MongoUnavailableError(`building FerretDB with ${script} failed: ${why}; its output:\n${transcript.text()}`));
    });
  });
}

/**
 * Runs the server ("$@") and SIGKILLs it when stdin, a pipe from the test
 * process, reaches EOF: on `kill()` below, or when the test process dies in
 * any way. In the latter case nobody else will delete the server's data, so
 * the watchdog removes $WATCHDOG_CLEANUP_DIR, unless it was told "keep"
 * first (a suspend, which resumes with the same data). Exits with the
 * server's status, so a server that fails at start is noticed at once.
 */
const WATCHDOG = `
exec 3<&0
"$@" </dev/null &
server=$!
{
  keep=
  while IFS= read -r line; do [ "$line" = keep ] && keep=1; done <&3
  kill -KILL "$server" 2>/dev/null
  while kill -0 "$server" 2>/dev/null; do sleep 0.05; done
  [ -z "$keep" ] && [ -n "$WATCHDOG_CLEANUP_DIR" ] && rm -rf "$WATCHDOG_CLEANUP_DIR"
} &
watcher=$!
wait "$server"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
`;

/** Stops a watchdog-run server (SIGKILL: like a crash) and waits until the watchdog has exited; `keepData` spares its directory. */
async function kill(proc: ChildProcess, keepData: boolean): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  if (keepData) proc.stdin?.write('keep\n');
  proc.stdin?.end();
  const timer = setTimeout(() => {
    try {
      if (proc.pid !== undefined) process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** A running FerretDB on 127.0.0.1 with the SQLite backend, in its own temporary directory. */
export interface FerretDBServer {
  readonly uri: string;
  readonly port: number;
  /** Stops the process (SIGKILL: like a crash) and keeps its data, so `resume` continues where it was. */
  suspend(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  resume(): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
}

export async function startFerretDB(binaryPath: string, signal?: AbortSignal): Promise<FerretDBServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tmp2p-ferretdb-'));
  const dataDir = join(dir, 'data');
  const stateDir = join(dir, 'state');
  await mkdir(dataDir);
  await mkdir(stateDir);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = new TailBuffer();

  const launch = async (): Promise<void> => {
    const debugPort = await freePort();
    output = new TailBuffer();
    const args = [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${stateDir}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      '--log-level=warn',
    ];
    // Through a watchdog: FerretDB cannot notice that the test process died (SIGKILL, CI timeout), the watchdog can.
    const proc = spawn('bash', ['-c', WATCHDOG, 'ferretdb-watchdog', binaryPath, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, WATCHDOG_CLEANUP_DIR: dir },
    });
    reapOnExit(proc, true);
    proc.stdout!.on('data', (chunk: Buffer) => output.write(chunk));
    proc.stderr!.on('data', (chunk: Buffer) => output.write(chunk));
    proc.stdin!.on('error', () => {}); // EPIPE once the watchdog is gone
    child = proc;
    try {
      await waitForPort(port, { timeoutMs: START_TIMEOUT_MS, stillRunning: () => proc.exitCode === null && proc.signalCode === null, signal });
    } catch (error) {
      await kill(proc, true);
      throw new MongoServerStartError(`FerretDB (${binaryPath}) did not start: ${(error as Error).message}; its output:\n${output.text()}`, { cause: error });
    }
  };

  try {
    await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    suspend: async () => {
      if (child) await kill(child, true);
    },
    resume: async () => {
      if (child && child.exitCode === null && child.signalCode === null) return;
      await launch();
    },
    stop: async () => {
      if (child) await kill(child, false);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
