import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config/loader.js';
import { createNode } from '../../create-node.js';
import { nodeHome, collectSet } from '../home.js';

/** `tmp2p init`, `tmp2p show-node-id`, `tmp2p start`: one node from its home directory. */
export function registerNodeCommands(program: Command): void {
  program
    .command('init')
    .description('create a node home: config/config.toml and a CometBFT-compatible config/node_key.json')
    .option('--home <dir>', 'node home directory (default $TMP2P_HOME or ~/.tmp2p)')
    .option('--moniker <name>', 'node name written into the config')
    .option('--network <chain-id>', 'chain ID written into the config')
    .action(async (opts: { home?: string; moniker?: string; network?: string }) => {
      const home = nodeHome(opts.home);
      const key = NodeKey.generate();
      // save() refuses to overwrite: an existing identity must never be replaced by accident.
      await key.save(home.nodeKeyFile);
      await mkdir(home.dataDir, { recursive: true });
      if (existsSync(home.configFile)) {
        process.stdout.write(`kept existing ${home.configFile}\n`);
      } else {
        let toml = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
        if (opts.moniker) toml = toml.replace(/^moniker = .*$/m, `moniker = ${JSON.stringify(opts.moniker)}`);
        if (opts.network) toml = toml.replace(/^network = .*$/m, `network = ${JSON.stringify(opts.network)}`);
        // A real node gets the operator endpoint that `tmp2p peers` reads, and remembers its peers on disk.
        toml = toml.replace(/^\[status\]\n((?:#.*\n)*)laddr = ""$/m, '[status]\n$1laddr = "127.0.0.1:26680"');
        toml = toml.replace(/^peer_store = "memory"$/m, 'peer_store = "leveldb"');
        await mkdir(dirname(home.configFile), { recursive: true });
        await writeFile(home.configFile, toml);
        await loadConfig({ file: home.configFile }); // what we wrote must load
        process.stdout.write(`wrote ${home.configFile}\n`);
      }
      process.stdout.write(`wrote ${home.nodeKeyFile}\nnode ID ${key.nodeId}\n`);
    });

  program
    .command('show-node-id')
    .description("print the node's ID (from config/node_key.json)")
    .option('--home <dir>', 'node home directory')
    .action(async (opts: { home?: string }) => {
      const key = await NodeKey.load(nodeHome(opts.home).nodeKeyFile);
      process.stdout.write(`${key.nodeId}\n`);
    });

  program
    .command('start')
    .description('run one node from its home directory until SIGINT/SIGTERM')
    .option('--home <dir>', 'node home directory')
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set p2p.laddr=tcp://0.0.0.0:26656', collectSet, {})
    .action(async (opts: { home?: string; set: Record<string, string> }) => {
      // Listen for the signals before anything else: one that arrives while the node boots (or
      // right after it says it is listening) must still end in a clean stop, not the default exit.
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const home = nodeHome(opts.home);
      const config = await loadConfig({
        // A node run from a home remembers its peers there, even without a config file.
        defaults: { p2p: { peer_store: 'leveldb' } },
        file: existsSync(home.configFile) ? home.configFile : undefined,
        env: process.env,
        set: opts.set,
        home: home.root,
      });
      const node = await createNode(config, { baseDir: dirname(home.configFile) });
      process.stdout.write(`node ${node.nodeId} listening on ${node.addresses().map(String).join(', ')}\n`);
      if (node.statusUrl) process.stdout.write(`status endpoint ${node.statusUrl}/status, /peers, /metrics\n`);
      if (node.metricsUrl) process.stdout.write(`prometheus metrics ${node.metricsUrl}\n`);
      await stopRequested;
      process.stdout.write('shutting down\n');
      await node.stop();
    });
}
