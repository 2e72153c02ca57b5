import 'reflect-metadata';
import { buildProgram } from './program.js';
import { wantsStackTraces } from './log-flags.js';

/** After the command ended, how long a stray handle (a socket, a timer) may keep the process alive. */
const EXIT_GRACE_MS = 1_000;

/** Entry point of the `tmp2p` command. */
export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}

stopWhenOutputCloses();

main().then(
  () => {
    process.exitCode ??= 0;
    exitSoon();
  },
  (error: Error) => {
    process.stderr.write(describeFailure(error));
    process.exitCode = 1;
    exitSoon();
  },
);

/**
 * One line, `tmp2p: Name: message` (the message names the config key where
 * one is concerned); with --log-level debug or trace, the stack and every cause.
 */
function describeFailure(error: Error): string {
  if (!wantsStackTraces()) return `tmp2p: ${error.name === 'Error' ? '' : error.name + ': '}${error.message}\n`;
  let text = `tmp2p: ${error.stack ?? error.message}\n`;
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) text += `caused by: ${cause.stack ?? cause.message}\n`;
  return text;
}

/**
 * The command has ended: nodes stopped, output written. Anything still open
 * (a handle nobody closed) must not keep the process alive, so exit after a
 * short grace (unref'd: a clean process exits at once without it).
 */
function exitSoon(): void {
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

/**
 * A reader that goes away (`tmp2p follow | head -3`) closes stdout, and the
 * next write fails with EPIPE. That ends the command as Ctrl-C would — every
 * long-running command stops cleanly on SIGINT — instead of crashing on an
 * unhandled 'error' event; a command without a SIGINT handler just exits.
 */
function stopWhenOutputCloses(): void {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    if (error.code !== 'EPIPE') {
      process.stderr.write(`tmp2p: cannot write the output: ${error.message}\n`);
      process.exitCode = 1;
    }
    if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
    else exitSoon();
  });
}
