import 'reflect-metadata';
import { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerNodeCommands } from './commands/node-commands.js';
import { registerPeersCommand } from './commands/peers.js';
import { registerSimulate } from './commands/simulate.js';
import { TMP2P_VERSION } from '../version.js';

/** Entry point of the `tmp2p` command. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = new Command();
  program.name('tmp2p').description('tmp2p: an ADR-062 peer-to-peer framework, wire-compatible with CometBFT v0.38').version(TMP2P_VERSION);
  registerDemo(program);
  registerNodeCommands(program);
  registerPeersCommand(program);
  registerSimulate(program);
  await program.parseAsync(argv);
}

main().then(
  () => {
    // Nodes stopped cleanly; anything left (a stray handle) must not keep the CLI alive.
    process.exitCode ??= 0;
  },
  (error: Error) => {
    process.stderr.write(`tmp2p: ${error.name === 'Error' ? '' : error.name + ': '}${error.message}\n`);
    process.exitCode = 1;
  },
);
