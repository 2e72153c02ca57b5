import { runFuzzSuite } from '../test/fuzz/run-suite.js';

/*
 * `npm run fuzz -- --runs 100000 [--seed N]`: the fuzz suite of test/fuzz in
 * its long mode, N runs per property (npm test runs 2000). Exit code 0 when
 * every property held; fast-check prints the seed and path of a failure.
 */
const args = process.argv.slice(2);
const value = (flag: string): number | undefined => {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  const text = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`fuzz: ${flag} needs a non-negative integer, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
};
const unknown = args.filter((a, i) => a.startsWith('--') && !/^--(runs|seed)(=|$)/.test(a) && !(i > 0 && /^--(runs|seed)$/.test(args[i - 1]!)));
if (unknown.length > 0) {
  process.stderr.write(`fuzz: unknown option ${unknown[0]}; the options are --runs N and --seed N\n`);
  process.exit(2);
}
const runs = value('--runs') ?? 10_000;
const seed = value('--seed');
process.stderr.write(`fuzz: ${runs} runs per property${seed === undefined ? '' : `, seed ${seed}`}\n`);
const result = await runFuzzSuite(runs, { inherit: true, seed });
process.exitCode = result.ok ? 0 : 1;
