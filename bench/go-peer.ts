import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Go benchmark peer (bench/go/cometbft-conn): CometBFT v0.38.17's own
 * p2p/conn driven directly. Built once through the Go module proxy by
 * bench/go/install-cometbft-conn.sh and cached in .cache/bin.
 */
export interface GoFigure {
  readonly case: string;
  readonly value: number;
  readonly unit: string;
  readonly ops: number;
  readonly seconds: number;
  /** CPU time of the whole Go process (both ends) per operation. */
  readonly cpuMsPerOp: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly bytes?: number;
}

const INSTALL_SCRIPT = join('bench', 'go', 'install-cometbft-conn.sh');

function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, INSTALL_SCRIPT))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find ${INSTALL_SCRIPT} above ${fileURLToPath(import.meta.url)}`);
  }
}

function run(command: string, args: readonly string[], options: { echoStderr?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.echoStderr) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The binary's path, or why there is none (no `go`, or the build failed). */
export async function ensureGoPeer(): Promise<{ binary: string } | { skipped: string }> {
  const result = await run('bash', [join(repoRoot(), INSTALL_SCRIPT)], { echoStderr: true });
  if (result.code === 127) return { skipped: '`go` is not on PATH, so the CometBFT v0.38.17 benchmark peer cannot be built' };
  if (result.code !== 0) return { skipped: `building the CometBFT benchmark peer failed (exit ${result.code}; its output is above)` };
  const lines = result.stdout.trim().split('\n');
  return { binary: lines[lines.length - 1]! };
}

/** Runs one measurement of the Go peer and returns its figure. */
export async function goFigure(binary: string, args: readonly string[]): Promise<GoFigure> {
  const result = await run(binary, args);
  if (result.code !== 0) throw new Error(`cometbft-conn ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  const line = result.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as GoFigure;
}
