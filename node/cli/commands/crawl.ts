import { Option, type Command } from 'commander';
import { crawl } from '../../crawl/index.js';
import { DEFAULT_CRAWL_OPTIONS as D, resolveCrawlOptions } from '../../crawl/options.js';
import { formatCrawlTable } from '../../crawl/table.js';
import type { PrivateAddressPolicy } from '../../../reactors/pex/options.js';
import { addLogOptions, loggerFromFlags, type LogFlags } from '../log-flags.js';
import { durationOption, intOption, numberOption } from '../options.js';
import { abortOnSignals } from '../interrupt.js';

interface CrawlFlags extends LogFlags {
  seeds: string[];
  network: string;
  duration: number;
  concurrency: number;
  maxNodes: number;
  maxAddresses: number;
  dialTimeout: number;
  handshakeTimeout: number;
  pexTimeout: number;
  privateAddresses: PrivateAddressPolicy;
  moniker: string;
  json?: boolean;
}

/** `--seeds a,b --seeds c`: every address, in order. */
function collectSeeds(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

/** A `--x-timeout <duration>` option whose help shows its default as a duration ("3s"). */
function timeoutOption(flag: string, description: string, defaultMs: number): Option {
  return new Option(`${flag} <duration>`, `${description} ("500ms", "10s", or milliseconds)`)
    .argParser(durationOption(flag, 3_600_000, 1))
    .default(defaultMs, `${defaultMs / 1000}s`);
}

/**
 * `tmp2p crawl`: walks a CometBFT (or tmp2p) network through PEX from the
 * seeds and prints every node found — reachable or not, its NodeInfo, who
 * advertised it — as a table, or as one JSON object with `--json`.
 */
export function registerCrawl(program: Command): void {
  const command = program
    .command('crawl')
    .description('walk a CometBFT network through PEX from seed nodes and report every node found (NodeInfo, reachability, who advertised whom)')
    .requiredOption('--seeds <id@host:port,...>', 'where to start (repeatable, comma-separated)', collectSeeds)
    .requiredOption('--network <chain-id>', 'the chain ID (nodes of other networks refuse us)')
    .option('-d, --duration <seconds>', 'stop after this many seconds with what was found', numberOption('--duration', 0.001, 2_000_000), D.durationMs / 1000)
    .option('--concurrency <n>', 'nodes visited at once', intOption('--concurrency', 1, 1_000), D.concurrency)
    .option('--max-nodes <n>', 'nodes recorded in all; addresses of further nodes are dropped (and counted)', intOption('--max-nodes', 1, 10_000_000), D.maxNodes)
    .option('--max-addresses <n>', 'entries taken from one PEX answer (the rest are dropped and counted)', intOption('--max-addresses', 0, 1_000_000), D.maxAddressesPerResponse)
    .addOption(timeoutOption('--dial-timeout', 'TCP connect deadline per address', D.dialTimeoutMs))
    .addOption(timeoutOption('--handshake-timeout', 'SecretConnection + NodeInfo handshake deadline', D.handshakeTimeoutMs))
    .addOption(timeoutOption('--pex-timeout', 'how long a node has to answer our PEX request', D.pexTimeoutMs))
    .addOption(
      new Option('--private-addresses <policy>', 'which advertised private-range addresses are dialed: only those private to the advertiser we reached at a private IP, all, none')
        .choices(['from-private-peers', 'accept', 'reject'])
        .default(D.privateAddresses),
    )
    .option('--moniker <name>', 'the moniker our NodeInfo announces', D.moniker)
    .option('--json', 'print one JSON object {network, crawler, finished, stats, nodes, edges} instead of the table');
  addLogOptions(command, 'warn').action(async (flags: CrawlFlags) => {
    const interrupt = abortOnSignals();
    try {
      const options = {
        seeds: flags.seeds,
        network: flags.network,
        durationMs: Math.max(1, Math.round(flags.duration * 1000)),
        concurrency: flags.concurrency,
        maxNodes: flags.maxNodes,
        maxAddressesPerResponse: flags.maxAddresses,
        dialTimeoutMs: flags.dialTimeout,
        handshakeTimeoutMs: flags.handshakeTimeout,
        pexTimeoutMs: flags.pexTimeout,
        privateAddresses: flags.privateAddresses,
        moniker: flags.moniker,
        logger: loggerFromFlags(flags, 'warn'),
      };
      resolveCrawlOptions(options); // a bad seed is refused before anything is printed
      if (!flags.json) process.stdout.write(`crawling ${flags.network} from ${flags.seeds.length} seed(s) for up to ${flags.duration} s …\n`);
      const result = await crawl(options, { signal: interrupt.signal });
      process.stdout.write(flags.json ? JSON.stringify(result) + '\n' : formatCrawlTable(result));
      if (!result.nodes.some((n) => n.status === 'reachable')) {
        process.stderr.write('tmp2p: no node could be reached (see each seed\'s error)\n');
        process.exitCode = 1;
      }
    } finally {
      interrupt.dispose();
    }
  });
}
