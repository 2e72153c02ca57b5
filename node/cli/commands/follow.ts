import type { Command } from 'commander';
import { isErrorNamed } from '../../../framework/errors/base.js';
import { follow, DEFAULT_FOLLOW_CONNECT_TIMEOUT_MS } from '../../follow/follow.js';
import type { FollowedBlock } from '../../follow/block-stream.js';
import { durationFlag, durationOption, intOption } from '../options.js';
import { addLogOptions, loggerFromFlags, type LogFlags } from '../log-flags.js';
import { abortOnSignals } from '../interrupt.js';

interface FollowFlags extends LogFlags {
  peer: string;
  network: string;
  from?: number;
  json?: boolean;
  connectTimeout: number;
  maxBlockBytes?: number;
}

/** The line `tmp2p follow` prints for a block: height, hash (upper-case hex, as CometBFT), tx count, time. */
export function formatBlockLine(block: FollowedBlock): string {
  return `height=${block.height} hash=${block.hash} txs=${block.txs.length} time=${block.time}`;
}

/** The JSON line `tmp2p follow --json` prints for a block. */
export function blockJson(block: FollowedBlock): string {
  return JSON.stringify({ height: block.height, hash: block.hash, txs: block.txs.length, time: block.time });
}

/** A day: longer is surely a typo. */
const MAX_CONNECT_TIMEOUT_MS = 86_400_000;

/**
 * `tmp2p follow`: downloads and verifies blocks from one peer and prints a
 * line per verified block, until Ctrl-C; exits non-zero with the typed
 * error when a block fails verification.
 */
export function registerFollow(program: Command): void {
  const command = program
    .command('follow')
    .description('download and verify blocks from a CometBFT peer over blocksync, one line per verified block, and keep following new ones (Ctrl-C stops)')
    .requiredOption('--peer <id@host:port>', "the peer to follow: a CometBFT node's node_id@p2p address")
    .requiredOption('--network <chain-id>', "the peer's chain id")
    .option('--from <height>', "first height to download (default: the peer's base, the lowest block it keeps)", intOption('--from', 1, Number.MAX_SAFE_INTEGER))
    .option('--json', 'one JSON object per line: {"height","hash","txs","time"}')
    .addOption(durationFlag('--connect-timeout <duration>', 'how long the peer may take to connect ("30s", "2m", or milliseconds; 0 = no limit)', durationOption('--connect-timeout', MAX_CONNECT_TIMEOUT_MS), DEFAULT_FOLLOW_CONNECT_TIMEOUT_MS))
    .option('--max-block-bytes <bytes>', 'largest block accepted (default 4194304; CometBFT allows 104857600)', intOption('--max-block-bytes', 1024, 104_857_600));
  addLogOptions(command, 'warn').action(async (flags: FollowFlags) => {
    const interrupt = abortOnSignals();
    try {
      const blocks = follow(
        {
          peer: flags.peer,
          network: flags.network,
          from: flags.from,
          connectTimeoutMs: flags.connectTimeout,
          config: flags.maxBlockBytes === undefined ? undefined : { reactors: { blocksync: { max_block_bytes: flags.maxBlockBytes } } },
          logger: loggerFromFlags(flags, 'warn'),
        },
        { signal: interrupt.signal },
      );
      for await (const block of blocks) process.stdout.write((flags.json ? blockJson(block) : formatBlockLine(block)) + '\n');
    } catch (error) {
      // Ctrl-C is how following ends; anything else is a failure.
      if (interrupt.signal.aborted && isErrorNamed(error, 'AbortError')) return;
      throw error;
    } finally {
      interrupt.dispose();
    }
  });
}
