import 'reflect-metadata';
import { parseSoakArgs } from '../test/support/soak/options.js';
import { runSoak } from '../test/support/soak/run-soak.js';

/*
 * `npm run soak -- --duration 3600 --nodes 4 --seed 1 [--json]`: the whole
 * stack under churn, restarts and abuse (see test/support/soak/run-soak.ts).
 * Progress goes to stderr; the one JSON summary to stdout (one line with
 * --json, which also silences progress). Exit code 0 when nothing was lost,
 * no node stopped answering and memory stayed flat; 1 otherwise; 2 for bad
 * options. Ctrl-C ends the load early and still prints the summary.
 */
let parsed: ReturnType<typeof parseSoakArgs>;
try {
  parsed = parseSoakArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`soak: ${(error as Error).message}\n`);
  process.exit(2);
}
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
process.once('SIGTERM', () => interrupt.abort());
let summary: Awaited<ReturnType<typeof runSoak>>;
try {
  summary = await runSoak(parsed.options, interrupt.signal);
} catch (error) {
  // The harness itself broke (not a node): still one JSON line, and a failure.
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stdout.write(`${JSON.stringify({ ok: false, failures: [`the soak harness failed: ${reason}`], options: parsed.options })}\n`);
  process.stderr.write(`soak: the harness failed: ${reason}\n`);
  process.exit(1);
}
process.stdout.write(`${parsed.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2)}\n`);
if (!parsed.json) {
  process.stderr.write(summary.ok ? 'soak: ok\n' : `soak: FAILED\n${summary.failures.map((f) => `  - ${f}`).join('\n')}\n`);
}
process.exitCode = summary.ok ? 0 : 1;
