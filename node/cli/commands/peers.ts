import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../config/loader.js';
import type { PeerSnapshot } from '../../../framework/peer/snapshot.js';
import { collectSet, HOME_HELP, nodeHome, SET_HELP } from '../home.js';
import { addLogOptions } from '../log-flags.js';

/** `tmp2p peers`: a running node's peers, from its status endpoint. */
export function registerPeersCommand(program: Command): void {
  addLogOptions(
    program
      .command('peers')
      .description("show every peer a running node knows: state, score, failures (reads the node's status endpoint)")
      .option('--home <dir>', `${HOME_HELP}: the address its running node wrote to data/status.addr, else its config's status.laddr`)
      .option('--status <host:port>', 'status endpoint address (overrides the home)')
      .option('--set <key=value>', SET_HELP, collectSet)
      .option('--json', 'print the raw snapshot as JSON'),
  ).action(async (opts: { home?: string; status?: string; set?: Record<string, string>; json?: boolean }) => {
    const address = await statusAddress(opts);
    const url = `http://${address.replace(/^tcp:\/\//, '')}/peers`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    } catch (cause) {
      throw new Error(`cannot reach the node at ${url}: ${(cause as Error).message} (is it running?)`, { cause });
    }
    const peers = (await response.json()) as PeerSnapshot[];
    if (opts.json) {
      process.stdout.write(JSON.stringify(peers, null, 2) + '\n');
      return;
    }
    process.stdout.write(formatPeers(peers));
  });
}

/**
 * Where the node's status endpoint is: `--status`, else a `--set status.laddr`,
 * else what the home's running node wrote (its port may have been chosen at
 * start), else the home's config as `start` would load it (file, TMP2P_*, --set).
 */
async function statusAddress(opts: { home?: string; status?: string; set?: Record<string, string> }): Promise<string> {
  if (opts.status) return opts.status;
  const home = nodeHome(opts.home);
  const config = await loadConfig({ file: existsSync(home.configFile) ? home.configFile : undefined, env: process.env, set: opts.set, home: home.root });
  if (opts.set?.['status.laddr'] === undefined && existsSync(home.statusAddressFile)) {
    return (await readFile(home.statusAddressFile, 'utf8')).trim();
  }
  const address = config.status.laddr;
  if (!address) {
    if (!existsSync(home.configFile)) throw new Error(`no status endpoint: ${home.root} has no config file (${home.configFile}); pass the --home of a node made by \`tmp2p init\`, or --status host:port`);
    throw new Error(`no status endpoint: status.laddr is empty in ${home.configFile}; set it (then restart the node), or pass --status host:port`);
  }
  if (/:0$/.test(address)) throw new Error(`status.laddr ${address} picks its port at start, and ${home.statusAddressFile} does not exist: is the node running? (or pass --status host:port)`);
  return address;
}

export function formatPeers(peers: readonly PeerSnapshot[]): string {
  if (peers.length === 0) return 'no known peers\n';
  const rows = peers.map((p) => [
    p.nodeId.slice(0, 12),
    p.state,
    p.direction ?? '',
    String(Math.round(p.score.total)),
    Object.entries(p.score.parts)
      .map(([k, v]) => `${k}=${Math.round(v)}`)
      .join(' '),
    String(p.dialFailures),
    p.persistent ? 'yes' : '',
    p.addresses[0] ?? '',
  ]);
  const header = ['peer', 'state', 'dir', 'score', 'score parts', 'fails', 'persistent', 'address'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}
