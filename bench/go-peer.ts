import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
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

/**
 * The echo with its two ends in two processes (`echo -serve` and `echo
 * -connect`), so that, as between tmp2p's two threads, every hop wakes a
 * thread that waits in epoll. `args` are the echo's flags (count, warm-up,
 * flush), given to both. CPU per round trip is both processes'.
 */
export async function goEchoAcrossProcesses(binary: string, args: readonly string[]): Promise<GoFigure> {
  const server = spawn(binary, ['echo', '-serve', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(server, 'close');
  try {
    const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
    const address = await lines.next();
    if (address.done) throw new Error(`cometbft-conn echo -serve printed no address: ${stderr.trim()}`);
    const pinger = await goFigure(binary, ['echo', ...args, '-connect', address.value]);
    server.stdin.end();
    const served = await lines.next();
    const [code] = (await exited) as [number | null];
    if (served.done || code !== 0) throw new Error(`cometbft-conn echo -serve failed (exit ${code}): ${stderr.trim()}`);
    const echoer = JSON.parse(served.value) as GoFigure;
    return { ...pinger, cpuMsPerOp: pinger.cpuMsPerOp + echoer.cpuMsPerOp };
  } finally {
    if (server.exitCode === null) server.kill();
  }
}
