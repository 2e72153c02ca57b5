import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** A node's home directory, laid out like CometBFT's: config/ and data/. */
export interface NodeHome {
  readonly root: string;
  readonly configFile: string;
  readonly nodeKeyFile: string;
  readonly dataDir: string;
}

/** `--home`, else $TMP2P_HOME, else ~/.tmp2p. */
export function nodeHome(flag?: string): NodeHome {
  const root = resolve(flag ?? process.env.TMP2P_HOME ?? join(homedir(), '.tmp2p'));
  return {
    root,
    configFile: join(root, 'config', 'config.toml'),
    nodeKeyFile: join(root, 'config', 'node_key.json'),
    dataDir: join(root, 'data'),
  };
}

/** Collects repeated `--set key=value` flags into a record. */
export function collectSet(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--set expects key=value (e.g. p2p.max_connections=20), got "${value}"`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}
