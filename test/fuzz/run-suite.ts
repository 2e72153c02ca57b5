import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/test/fuzz/. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface FuzzSuiteRun {
  readonly runs: number;
  readonly ok: boolean;
  /** The last lines of its output (empty when the output went to this process's own stdout). */
  readonly tail: string;
}

/**
 * The fuzz suite (dist/test/fuzz) in a child mocha with `runs` runs per
 * property: its long mode (TMP2P_FUZZ_RUNS), for `npm run fuzz` and for the
 * soak. `inherit` shows its output as it goes instead of keeping the tail.
 */
export function runFuzzSuite(runs: number, options: { inherit?: boolean; seed?: number } = {}): Promise<FuzzSuiteRun> {
  return new Promise((resolve) => {
    const env = { ...process.env, TMP2P_FUZZ_RUNS: String(runs), ...(options.seed === undefined ? {} : { TMP2P_FUZZ_SEED: String(options.seed) }) };
    const child = spawn(
      process.execPath,
      // --no-config: the repository's .mocharc.json would add the whole test suite to the run.
      [`${ROOT}node_modules/mocha/bin/mocha.js`, '--no-config', '--require', `${ROOT}test/setup.mjs`, '--reporter', options.inherit ? 'spec' : 'dot', '--timeout', '0', `${ROOT}dist/test/fuzz/**/*.test.js`],
      { cwd: ROOT, env, stdio: options.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => resolve({ runs, ok: false, tail: error.message }));
    child.on('close', (code) => resolve({ runs, ok: code === 0, tail: output.trim().split('\n').slice(-12).join('\n') }));
  });
}
