import { InvalidArgumentError } from 'commander';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { P2PError } from '../../framework/errors/base.js';

/** A node's home directory, laid out like CometBFT's: config/ and data/. */
export interface NodeHome {
  readonly root: string;
  readonly configFile: string;
  readonly nodeKeyFile: string;
  readonly dataDir: string;
  /**
   * Written by `tmp2p start` while the node runs: the status endpoint's
   * actual host:port (the port may have been chosen at start), read by
   * `tmp2p peers --home`.
   */
  readonly statusAddressFile: string;
}

/** `tmp2p init` on a home that already has a node key. */
export class HomeExistsError extends P2PError {
  override name = 'HomeExistsError';
}

/** `tmp2p start` on a home without a node key (and without --create-key). */
export class MissingNodeKeyError extends P2PError {
  override name = 'MissingNodeKeyError';
}

/** `--home`, else $TMP2P_HOME, else ~/.tmp2p. */
export function nodeHome(flag?: string): NodeHome {
  const root = resolve(flag ?? process.env.TMP2P_HOME ?? join(homedir(), '.tmp2p'));
  const dataDir = join(root, 'data');
  return {
    root,
    configFile: join(root, 'config', 'config.toml'),
    nodeKeyFile: join(root, 'config', 'node_key.json'),
    dataDir,
    statusAddressFile: join(dataDir, 'status.addr'),
  };
}

/** Collects repeated `--set key=value` flags into a record (values are read as TOML by loadConfig). */
export function collectSet(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--set expects key=value (e.g. p2p.max_connections=20), got "${value}"`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** The repeatable `--set` option's help text, shared by every command that loads a node's config. */
export const SET_HELP = 'override a config key (repeatable); the value is TOML when it parses as TOML, else text: --set p2p.max_connections=20 --set reactors.enabled=\'["echo","pex"]\' --set p2p.laddr=tcp://0.0.0.0:26656';

/** The `--home` option's help text: where the home is when the flag is absent. */
export const HOME_HELP = 'node home directory (default: $TMP2P_HOME, else ~/.tmp2p)';
