import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { isErrorNamed } from '../../../framework/errors/base.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config/loader.js';
import { LOOPBACK_TESTNET_SETTINGS } from '../../config/loopback-testnet.js';
import { createNode } from '../../create-node.js';
import type { Node } from '../../node.js';
import { nodeHome, collectSet, HOME_HELP, HomeExistsError, MissingNodeKeyError, SET_HELP, type NodeHome } from '../home.js';
import { addLogOptions, logOverrides, noteLogLevel, type LogFlags } from '../log-flags.js';

/** `tmp2p init`, `tmp2p show-node-id`, `tmp2p start`: one node from its home directory. */
export function registerNodeCommands(program: Command): void {
  addLogOptions(
    program
      .command('init')
      .description('create a node home: config/config.toml (free loopback ports for P2P and status) and a CometBFT-compatible config/node_key.json')
      .option('--home <dir>', HOME_HELP)
      .option('--moniker <name>', 'node name written into the config')
      .option('--network <chain-id>', 'chain ID written into the config')
      .option('--loopback-testnet', 'write the loopback testnet settings (no per-IP limits), for several nodes on one host; never for a node other hosts can reach'),
  ).action(async (opts: { home?: string; moniker?: string; network?: string; loopbackTestnet?: boolean }) => {
    const home = nodeHome(opts.home);
    const key = NodeKey.generate();
    // save() refuses to overwrite: an existing identity must never be replaced by accident.
    try {
      await key.save(home.nodeKeyFile);
    } catch (error) {
      if (!isErrorNamed(error, 'NodeKeyExistsError')) throw error;
      throw new HomeExistsError(`${home.root} is already initialised: it has a node key (${home.nodeKeyFile}), which init never replaces; nothing was changed`, { cause: error });
    }
    await mkdir(home.dataDir, { recursive: true });
    if (existsSync(home.configFile)) {
      process.stdout.write(`kept existing ${home.configFile}\n`);
    } else {
      const [p2pPort, statusPort] = await freeLoopbackPorts(2);
      let toml = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
      if (opts.moniker) toml = toml.replace(/^moniker = .*$/m, `moniker = ${JSON.stringify(opts.moniker)}`);
      if (opts.network) toml = toml.replace(/^network = .*$/m, `network = ${JSON.stringify(opts.network)}`);
      // Ports of their own, so several homes on one machine can all start; a real node gets the
      // operator endpoint that `tmp2p peers` reads, and remembers its peers on disk.
      toml = replaceKey(toml, 'p2p', 'laddr', `"tcp://127.0.0.1:${p2pPort}"`);
      toml = replaceKey(toml, 'status', 'laddr', `"127.0.0.1:${statusPort}"`);
      toml = replaceKey(toml, 'p2p', 'peer_store', '"leveldb"');
      if (opts.loopbackTestnet) toml = withSettings(toml, LOOPBACK_TESTNET_SETTINGS);
      await mkdir(dirname(home.configFile), { recursive: true });
      await writeFile(home.configFile, toml);
      await loadConfig({ file: home.configFile }); // what we wrote must load
      process.stdout.write(`wrote ${home.configFile} (p2p.laddr tcp://127.0.0.1:${p2pPort}, status.laddr 127.0.0.1:${statusPort})\n`);
    }
    process.stdout.write(`wrote ${home.nodeKeyFile}\nnode ID ${key.nodeId}\n`);
  });

  addLogOptions(
    program
      .command('show-node-id')
      .description("print the node's ID (from config/node_key.json)")
      .option('--home <dir>', HOME_HELP),
  ).action(async (opts: { home?: string }) => {
    const key = await NodeKey.load(nodeHome(opts.home).nodeKeyFile);
    process.stdout.write(`${key.nodeId}\n`);
  });

  addLogOptions(
    program
      .command('start')
      .description('run one node from its home directory until SIGINT/SIGTERM (a second signal exits at once)')
      .option('--home <dir>', HOME_HELP)
      .option('--create-key', 'create config/node_key.json when the home has none (default: refuse, as the home was not initialised)')
      .option('--set <key=value>', SET_HELP, collectSet),
  ).action(async (opts: { home?: string; createKey?: boolean; set?: Record<string, string> } & LogFlags) => {
    // Listen for the signals before anything else: one that arrives while the node boots must stop
    // what already started and exit cleanly, not be ignored until boot ends; a second one exits at once.
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        process.stderr.write(`tmp2p: ${signal} again; exiting without a clean stop\n`);
        process.exit(130);
      }
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const home = nodeHome(opts.home);
      const config = await loadConfig({
        // A node run from a home remembers its peers there, even without a config file.
        defaults: { p2p: { peer_store: 'leveldb' } },
        file: existsSync(home.configFile) ? home.configFile : undefined,
        env: process.env,
        set: { ...opts.set, ...logOverrides(opts) },
        home: home.root,
      });
      noteLogLevel(config.logLevel);
      if (!opts.createKey && !existsSync(home.nodeKeyFile)) {
        throw new MissingNodeKeyError(`${home.root} has no node key (${home.nodeKeyFile}): run "tmp2p init --home ${home.root}" first, or pass --create-key to make one`);
      }
      let node: Node;
      try {
        node = await createNode(config, { signal: stop.signal });
      } catch (error) {
        if (stop.signal.aborted && isErrorNamed(error, 'AbortError')) {
          process.stdout.write('stopped while starting\n');
          return;
        }
        throw error;
      }
      try {
        process.stdout.write(`node ${node.nodeId} listening on ${node.addresses().map(String).join(', ')}\n`);
        if (node.statusUrl) {
          process.stdout.write(`status endpoint ${node.statusUrl}/status, /peers, /metrics\n`);
          await writeStatusAddress(home, node.statusUrl);
        }
        if (node.metricsUrl) process.stdout.write(`prometheus metrics ${node.metricsUrl}\n`);
        await new Promise<void>((resolve) => {
          if (stop.signal.aborted) resolve();
          else stop.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        process.stdout.write('shutting down\n');
      } finally {
        await rm(home.statusAddressFile, { force: true });
        await node.stop();
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}

/** Replaces `key = …` inside `[table]` of the default config's text. */
function replaceKey(toml: string, table: string, key: string, value: string): string {
  const section = new RegExp(`(^\\[${table}\\]\\n(?:(?!\\[).*\\n)*?)${key} = .*$`, 'm');
  if (!section.test(toml)) throw new Error(`config/default.toml has no ${table}.${key}`);
  return toml.replace(section, `$1${key} = ${value}`);
}

/** Ports free on 127.0.0.1 right now, chosen by the OS (distinct: all are held until every one is known). */
async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** `<home>/data/status.addr`: the status endpoint's host:port while the node runs, for `tmp2p peers --home`. */
async function writeStatusAddress(home: NodeHome, statusUrl: string): Promise<void> {
  await mkdir(dirname(home.statusAddressFile), { recursive: true });
  await writeFile(home.statusAddressFile, `${statusUrl.replace(/^http:\/\//, '')}\n`);
}

/**
 * Sets existing keys of the default config text to `settings` (nested like
 * the TOML), keeping every comment; the caller loads the result to check it.
 */
function withSettings(toml: string, settings: object, table = ''): string {
  let text = toml;
  for (const [key, value] of Object.entries(settings)) {
    if (typeof value === 'object' && value !== null) {
      text = withSettings(text, value as object, table === '' ? key : `${table}.${key}`);
      continue;
    }
    const header = `[${table}]\n`;
    const start = text.indexOf(header);
    const end = text.indexOf('\n[', start + header.length);
    const section = text.slice(start, end === -1 ? undefined : end);
    const line = new RegExp(`^${key} = .*$`, 'm');
    if (start === -1 || !line.test(section)) throw new Error(`the default config has no key ${table}.${key}`);
    text = text.slice(0, start) + section.replace(line, `${key} = ${JSON.stringify(value)}`) + (end === -1 ? '' : text.slice(end));
  }
  return text;
}
