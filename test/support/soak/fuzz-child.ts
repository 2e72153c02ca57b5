import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/test/support/soak/. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The fuzz suite (dist/test/fuzz) in a child process with `runs` runs per
 * property (TMP2P_FUZZ_RUNS, the suite's long mode), e.g. next to the soak.
 * Resolves with whether it passed and the last lines of its output.
 */
export function runFuzzSuite(runs: number): Promise<{ runs: number; ok: boolean; tail: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [`${ROOT}node_modules/mocha/bin/mocha.js`, '--require', `${ROOT}test/setup.mjs`, '--reporter', 'dot', '--timeout', '0', `${ROOT}dist/test/fuzz/**/*.test.js`],
      { cwd: ROOT, env: { ...process.env, TMP2P_FUZZ_RUNS: String(runs) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ runs, ok: false, tail: error.message }));
    child.on('close', (code) => resolve({ runs, ok: code === 0, tail: output.trim().split('\n').slice(-12).join('\n') }));
  });
}
