import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAncestorWith } from '../../support/repo-root.js';
import { AbortError } from '../../../framework/errors/base.js';
import { trackChild } from './child-reaper.js';
import { CometBFTInstallError } from './errors.js';
import { LineRing, LineSplitter } from './log-lines.js';

const SCRIPT_RELATIVE = join('scripts', 'interop', 'install-cometbft.sh');

export interface EnsureCometBFTOptions {
  readonly signal?: AbortSignal;
  /** Where progress lines of the install script go. Default: written to process.stderr. */
  readonly onProgress?: (line: string) => void;
  /**
   * Extra environment for the install script, e.g. `COMETBFT_GOBIN` or a `PATH` (tests use this to
   * simulate a machine without Go). Default: none. A call with `env` is never served from the cache.
   */
  readonly env?: Readonly<Record<string, string>>;
}

let cached: string | undefined;

/** Whether `go` runs here: without it CometBFT cannot be built. */
export function goAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * For a suite's `before` hook: skips the suite, saying why, when `go` is not
 * on PATH; otherwise resolves with the CometBFT binary (built once).
 */
export async function cometBFTOrSkip(context: Mocha.Context, suite: string): Promise<string> {
  if (!goAvailable()) {
    console.warn(`    skipping ${suite}: \`go\` is not on PATH, so CometBFT v0.38.17 cannot be built`);
    context.skip();
  }
  return ensureCometBFT();
}

/**
 * Returns the path of a CometBFT v0.38.17 binary, building it with `go install` the first time
 * (minutes on a cold Go cache; later runs reuse `<repo>/.cache/bin/cometbft` in well under a second).
 * Throws CometBFTInstallError with the script's output when Go is missing or the build fails.
 */
export async function ensureCometBFT(options: EnsureCometBFTOptions = {}): Promise<string> {
  if (cached !== undefined && options.env === undefined) return cached;
  const path = await runInstallScript(options);
  if (options.env === undefined) cached = path;
  return path;
}

/** The repository root: the nearest ancestor holding the install script (works from src and dist). */
export function findRepoRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  const root = findAncestorWith(SCRIPT_RELATIVE, start);
  if (root === undefined) throw new CometBFTInstallError(`cannot find ${SCRIPT_RELATIVE} in ${start} or any parent directory`);
  return root;
}

function runInstallScript(options: EnsureCometBFTOptions): Promise<string> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new AbortError('ensureCometBFT aborted', { cause: signal.reason }));
  const script = join(findRepoRoot(), SCRIPT_RELATIVE);
  const progress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const transcript = new LineRing({ capacity: 200 });
  const stdoutLines: string[] = [];

  return new Promise<string>((resolve, reject) => {
    // Own process group, so aborting also stops the `go` build the script started.
    const child = spawn('bash', [script], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    trackChild(child, { group: true });
    const err = new LineSplitter((line) => {
      transcript.push(line);
      progress(line);
    });
    // The path is the last stdout line; keep only a bounded number of lines.
    const out = new LineSplitter((line) => {
      stdoutLines.push(line);
      if (stdoutLines.length > 50) stdoutLines.shift();
    });
    child.stdout.on('data', (chunk: Buffer) => out.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.write(chunk));

    const onAbort = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // The group is already gone.
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.once('error', (cause) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new CometBFTInstallError(`cannot run ${script} with bash: ${cause.message}`, { cause }));
    });
    child.once('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      if (signal?.aborted) {
        reject(new AbortError('ensureCometBFT aborted', { cause: signal.reason }));
        return;
      }
      const path = stdoutLines.filter((l) => l.trim() !== '').at(-1)?.trim();
      if (code === 0 && path !== undefined && existsSync(path)) {
        resolve(path);
        return;
      }
      const how = killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`;
      reject(
        new CometBFTInstallError(
          `${script} ${how}${code === 127 ? ' (is Go installed and on PATH?)' : ''}; its output:\n` +
            transcript.tail(40).join('\n'),
        ),
      );
    });
  });
}
