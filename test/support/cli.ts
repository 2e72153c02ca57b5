import { spawn, execFile, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** bin/tmp2p.js, which runs the compiled CLI; found from dist/test/support (npm test) or test/support (tsx). */
export const TMP2P_BIN = ['../../../bin/tmp2p.js', '../../bin/tmp2p.js']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((p) => existsSync(p) && !p.includes('/dist/'))!;

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs `tmp2p <args>` to completion (killed after `timeoutMs`). */
export async function tmp2p(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TMP2P_BIN, ...args], {
      env: { ...process.env, ...options.env },
      timeout: options.timeoutMs ?? 60_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** A spawned `tmp2p` process and what it printed so far. */
export interface CliProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** stderr so far (the log lines). */
  stderr(): string;
}

/** A `tmp2p start` that printed its listen address (and status endpoint, when it has one). */
export interface RunningNode extends CliProcess {
  /** e.g. mconn://<id>@127.0.0.1:41234 */
  readonly address: string;
  readonly nodeId: string;
  readonly statusUrl?: string;
}

/**
 * Spawns `tmp2p <args>` without waiting for anything. With `shellPrefix`, the
 * command runs through `sh -c` after it, e.g. "ulimit -n 512 &&".
 */
export function spawnCli(args: readonly string[], options: { shellPrefix?: string } = {}): CliProcess {
  const argv = [TMP2P_BIN, ...args];
  const child = options.shellPrefix
    ? spawn('sh', ['-c', `${options.shellPrefix} exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    out += d;
    err += d;
  });
  return { child, output: () => out, stderr: () => err };
}

/** Resolves with the first match of `pattern` in the process's output (rejects if it exits first). */
export function waitForOutput(process: CliProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  const { child } = process;
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`exited with ${code} before ${what}:\n${process.output()}`));
    const check = () => {
      const match = pattern.exec(process.output());
      if (!match) return;
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('exit', onExit);
      resolve(match);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/**
 * Spawns `tmp2p start <args>` and resolves once it printed its listen address
 * (and its status endpoint when `status` is true).
 */
export async function startCli(args: readonly string[], options: { status?: boolean; shellPrefix?: string } = {}): Promise<RunningNode> {
  const started = spawnCli(['start', ...args], options);
  const pattern = options.status ? /listening on (\S+)[^]*status endpoint (http:\/\/[^/\s]+)/ : /listening on (\S+)/;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`node did not start: ${started.output()}`)), 30_000);
  });
  try {
    const [, address, statusUrl] = await Promise.race([waitForOutput(started, pattern, 'it started'), timeout]);
    const nodeId = address!.split('@')[0]!.replace(/^\w+:\/\//, '');
    return { ...started, address: address!, nodeId, statusUrl };
  } catch (error) {
    started.child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM (unless it already exited); resolves with its exit code. */
export async function stopCli(node: CliProcess): Promise<number | null> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return node.child.exitCode;
  const exited = new Promise<number | null>((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  return exited;
}
