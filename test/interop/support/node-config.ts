import { randomBytes } from 'node:crypto';
import { CometBFTHarnessError } from './errors.js';
import type { TomlEdits, TomlScalar } from './toml-edit.js';

/** CometBFT rejects a genesis whose chain_id is longer than this (types.MaxChainIDLen). */
export const MAX_CHAIN_ID_LENGTH = 50;
/** Default consensus.timeout_commit: short, so a single-validator chain produces ~2 blocks/s. */
export const DEFAULT_TIMEOUT_COMMIT = '500ms';

const PEER_ADDRESS = /^[0-9a-f]{40}@[^\s@:,]+:\d{1,5}$/;

/** The settings from which a node's config.toml edits are derived. */
export interface NodeConfigInput {
  readonly moniker: string;
  readonly p2pPort: number;
  readonly rpcPort: number;
  /** `id@host:port` entries. Default none. */
  readonly persistentPeers?: readonly string[];
  /** Peer exchange reactor. Default true (CometBFT's default). */
  readonly pex?: boolean;
  /** Seed mode (crawl and hand out addresses, then disconnect). Default false. */
  readonly seedMode?: boolean;
  /** `id@host:port` seed nodes. Default none. */
  readonly seeds?: readonly string[];
  /** Applied last, overriding the keys above: `"section.key"` (or a top-level `"key"`) → value. */
  readonly extraConfig?: Readonly<Record<string, TomlScalar>>;
}

/** A fresh chain id per node set, so nodes of different tests can never join each other's network. */
export function uniqueChainId(): string {
  return `tmp2p-test-${randomBytes(6).toString('hex')}`;
}

/**
 * The config.toml edits that make a node usable in a loopback test: fixed loopback ports, several
 * nodes allowed on one IP and in each other's address books, fast blocks, unsafe RPC (for
 * `dial_peers`), and no metrics or pprof listeners that could clash between nodes.
 */
export function nodeConfigEdits(input: NodeConfigInput): TomlEdits {
  checkPort('p2pPort', input.p2pPort);
  checkPort('rpcPort', input.rpcPort);
  checkMoniker(input.moniker);
  const persistentPeers = checkPeerList('persistentPeers', input.persistentPeers ?? []);
  const seeds = checkPeerList('seeds', input.seeds ?? []);
  return {
    moniker: input.moniker,
    'p2p.laddr': `tcp://127.0.0.1:${input.p2pPort}`,
    'p2p.external_address': `127.0.0.1:${input.p2pPort}`,
    'p2p.allow_duplicate_ip': true,
    'p2p.addr_book_strict': false,
    'p2p.persistent_peers': persistentPeers.join(','),
    'p2p.pex': input.pex ?? true,
    'p2p.seed_mode': input.seedMode ?? false,
    'p2p.seeds': seeds.join(','),
    'rpc.laddr': `tcp://127.0.0.1:${input.rpcPort}`,
    'rpc.unsafe': true,
    'rpc.pprof_laddr': '',
    'consensus.timeout_commit': DEFAULT_TIMEOUT_COMMIT,
    'instrumentation.prometheus': false,
    ...input.extraConfig,
  };
}

/** Returns genesis.json text with `chain_id` replaced; every other field is kept as is. */
export function setGenesisChainId(genesisJson: string, chainId: string): string {
  checkChainId(chainId);
  let genesis: unknown;
  try {
    genesis = JSON.parse(genesisJson);
  } catch (cause) {
    throw new CometBFTHarnessError(`genesis.json is not valid JSON: ${String(cause)}`, { cause });
  }
  if (genesis === null || typeof genesis !== 'object' || Array.isArray(genesis) || !('chain_id' in genesis)) {
    throw new CometBFTHarnessError('genesis.json is not an object with a chain_id field');
  }
  return `${JSON.stringify({ ...genesis, chain_id: chainId }, null, 2)}\n`;
}

export function checkChainId(chainId: string): void {
  if (chainId.length === 0 || chainId.length > MAX_CHAIN_ID_LENGTH || !/^[\x21-\x7e]+$/.test(chainId)) {
    throw new CometBFTHarnessError(
      `chain id ${JSON.stringify(chainId)} is invalid: need 1..${MAX_CHAIN_ID_LENGTH} printable ASCII characters without spaces`,
    );
  }
}

function checkMoniker(moniker: string): void {
  // CometBFT peers reject a NodeInfo whose moniker is empty, all spaces or not printable ASCII.
  if (!/^[\x20-\x7e]+$/.test(moniker) || moniker.trim() === '') {
    throw new CometBFTHarnessError(`moniker ${JSON.stringify(moniker)} must be non-blank printable ASCII`);
  }
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CometBFTHarnessError(`${name} must be an integer in [1, 65535], got ${port}`);
  }
}

function checkPeerList(name: string, peers: readonly string[]): readonly string[] {
  for (const peer of peers) {
    const port = Number(peer.slice(peer.lastIndexOf(':') + 1));
    if (!PEER_ADDRESS.test(peer) || port < 1 || port > 65535) {
      throw new CometBFTHarnessError(
        `${name} entry ${JSON.stringify(peer)} is not "id@host:port" (id = 40 lowercase hex, port 1..65535)`,
      );
    }
  }
  return peers;
}
