import { Command } from 'commander';
import { registerCrawl } from './commands/crawl.js';
import { registerDemo } from './commands/demo.js';
import { registerFollow } from './commands/follow.js';
import { registerNodeCommands } from './commands/node-commands.js';
import { registerPeersCommand } from './commands/peers.js';
import { registerSendTx } from './commands/send-tx.js';
import { registerSimulate } from './commands/simulate.js';
import { TMP2P_VERSION } from '../version.js';

/** The `tmp2p` command and its subcommands, ready to parse (main.ts runs it). */
export function buildProgram(): Command {
  const program = new Command();
  program.name('tmp2p').description('tmp2p: an ADR-062 peer-to-peer framework, wire-compatible with CometBFT v0.38').version(TMP2P_VERSION);
  registerDemo(program);
  registerFollow(program);
  registerNodeCommands(program);
  registerPeersCommand(program);
  registerSimulate(program);
  registerSendTx(program);
  registerCrawl(program);
  return program;
}
