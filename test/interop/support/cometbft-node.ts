import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AbortError } from '../../../framework/errors/base.js';
import { trackChild } from './child-reaper.js';
import { CometBFTHarnessError, CometBFTStartError } from './errors.js';
import { LineRing, LineSplitter } from './log-lines.js';
import { checkChainId, nodeConfigEdits, setGenesisChainId, uniqueChainId } from './node-config.js';
import { pollUntil, sleep, type PollOptions } from './poll.js';
import { getFreePorts } from './ports.js';
import { CometBFTRpcClient, type CallOptions, type DialPeersOptions, type DialPeersResult, type NetInfo, type NetInfoPeer, type Status } from './rpc.js';
import { setTomlKeys, type TomlScalar } from './toml-edit.js';

export interface CometBFTNodeOptions {
  /** Path of the cometbft binary (from `ensureCometBFT()`). */
  readonly binary: string;
  /**
   * Genesis chain id. Default: the chain id of `genesisFile` when given, else a fresh
   * `tmp2p-test-<random>` per node.
   */
  readonly chainId?: string;
  /**
   * A genesis.json to copy instead of the one `cometbft init` writes, typically `other.genesisFile`.
   * Nodes that peer and gossip blocks should share one genesis: nodes with the same chain id but
   * their own genesis each run a separate one-validator chain and reject each other's votes
   * ("failed to process message ... error adding vote"). Default: the node's own genesis (it is the
   * only validator).
   */
  readonly genesisFile?: string;
  /** Node moniker. Default `cometbft-<n>` (a per-process counter). */
  readonly moniker?: string;
  /** P2P listen port on 127.0.0.1. Default: a free port. */
  readonly p2pPort?: number;
  /** RPC listen port on 127.0.0.1. Default: a free port. */
  readonly rpcPort?: number;
  /** `id@host:port` persistent peers. Default none. */
  readonly persistentPeers?: readonly string[];
  /** Peer exchange. Default true. */
  readonly pex?: boolean;
  /** Seed mode. Default false. */
  readonly seedMode?: boolean;
  /** `id@host:port` seeds. Default none. */
  readonly seeds?: readonly string[];
  /**
   * CometBFT `log_level`, e.g. `"info"` or per module `"p2p:debug,pex:debug,*:info"`. Default "info".
   * Note "Added peer" is a p2p *debug* line; at info level a new peer shows up only as
   * `service start ... msg="Starting Peer service"`. p2p:debug also logs every packet (noisy).
   */
  readonly logLevel?: string;
  /** Extra config.toml keys, `"section.key"` (or top-level `"key"`) → value, applied last. Default none. */
  readonly extraConfig?: Readonly<Record<string, TomlScalar>>;
  readonly signal?: AbortSignal;
}

export interface StartOptions {
  /** How long to wait for RPC to answer and the P2P listener to be up. Default 60000 ms. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface StopOptions {
  /** Time between SIGTERM and SIGKILL. Default 10000 ms. */
  readonly graceMs?: number;
}

/** How long `cometbft init` / `show-node-id` may take before we call them hung. */
const CLI_TIMEOUT_MS = 30_000;
/** Log lines included in error messages. */
const ERROR_TAIL_LINES = 40;
/** Set to 1 to keep node home directories after `cleanup()` (for post-mortem debugging). */
const KEEP_HOME_ENV = 'TMP2P_KEEP_COMETBFT_HOME';

let monikerCounter = 0;

/** One real CometBFT v0.38 node (built-in kvstore app, single validator) in a throwaway home dir. */
export class CometBFTNode {
  readonly rpc: CometBFTRpcClient;
  readonly p2pAddress: string;
  readonly rpcUrl: string;
  /** stdout and stderr of every run of this node, appended. */
  readonly logFile: string;
  private readonly ring = new LineRing({ capacity: 2000 });
  private child: ChildProcess | undefined;
  private closed: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly binary: string,
    readonly home: string,
    readonly nodeId: string,
    readonly chainId: string,
    readonly moniker: string,
    readonly p2pPort: number,
    readonly rpcPort: number,
  ) {
    this.p2pAddress = `${nodeId}@127.0.0.1:${p2pPort}`;
    this.rpcUrl = `http://127.0.0.1:${rpcPort}`;
    this.rpc = new CometBFTRpcClient(this.rpcUrl);
    this.logFile = join(home, 'cometbft.log');
  }

  /** Creates and configures the home directory (`cometbft init` + config edits); does not start. */
  static async create(options: CometBFTNodeOptions): Promise<CometBFTNode> {
    const { binary, signal } = options;
    await access(binary, constants.X_OK).catch((cause: unknown) => {
      throw new CometBFTHarnessError(`cometbft binary ${binary} is missing or not executable`, { cause });
    });
    const sharedGenesis = options.genesisFile === undefined ? undefined : await readGenesis(options.genesisFile);
    const chainId = options.chainId ?? sharedGenesis?.chainId ?? uniqueChainId();
    checkChainId(chainId);
    const moniker = options.moniker ?? `cometbft-${++monikerCounter}`;
    const missing = [options.p2pPort, options.rpcPort].filter((p) => p === undefined).length;
    const free = missing > 0 ? await getFreePorts(missing, { signal }) : [];
    const p2pPort = options.p2pPort ?? free.shift()!;
    const rpcPort = options.rpcPort ?? free.shift()!;
    const edits = nodeConfigEdits({
      ...options,
      moniker,
      p2pPort,
      rpcPort,
      extraConfig: { log_level: options.logLevel ?? 'info', ...options.extraConfig },
    });

    const home = await mkdtemp(join(tmpdir(), 'tmp2p-cometbft-'));
    try {
      await runCli(binary, ['init', '--home', home], signal);
      const configPath = join(home, 'config', 'config.toml');
      await writeFile(configPath, setTomlKeys(await readFile(configPath, 'utf8'), edits));
      const genesisPath = join(home, 'config', 'genesis.json');
      await writeFile(genesisPath, setGenesisChainId(sharedGenesis?.text ?? (await readFile(genesisPath, 'utf8')), chainId));
      const nodeId = (await runCli(binary, ['show-node-id', '--home', home], signal)).trim();
      if (!/^[0-9a-f]{40}$/.test(nodeId)) {
        throw new CometBFTHarnessError(`cometbft show-node-id printed ${JSON.stringify(nodeId)}, not a 40-hex node id`);
      }
      return new CometBFTNode(binary, home, nodeId, chainId, moniker, p2pPort, rpcPort);
    } catch (error) {
      await rm(home, { recursive: true, force: true });
      throw error;
    }
  }

  /** This node's genesis.json, e.g. for `CometBFTNode.create({ genesisFile: first.genesisFile })`. */
  get genesisFile(): string {
    return join(this.home, 'config', 'genesis.json');
  }

  /** PID of the running process, undefined when not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Spawns `cometbft start --proxy_app=kvstore` and resolves once RPC answers and the P2P listener
   * is bound (RPC comes up first, so RPC alone would race the first dial). On failure the process
   * is killed and the error carries the log tail.
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.running) return;
    if (this.stopping) await this.stopping;
    const timeoutMs = options.timeoutMs ?? 60_000;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(this.binary, ['start', '--home', this.home, '--proxy_app=kvstore'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    trackChild(child);
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    this.closed = capture(child, log, this.ring);

    // Polling stops as soon as the process dies; a dead node is final, no point waiting out the timeout.
    const stopPolling = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stopPolling.signal]) : stopPolling.signal;
    const ready = pollUntil(
      async (s) => ((await this.rpc.netInfo({ signal: s })).listening ? ('ready' as const) : undefined),
      (last) => `RPC /net_info did not report a bound P2P listener (last probe: ${describeError(last)})`,
      { timeoutMs, intervalMs: 100, signal },
    );
    ready.catch(() => undefined);
    const died = this.closed.then(() =>
      spawnError
        ? `failed to spawn ${this.binary}: ${spawnError.message}`
        : `exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`,
    );
    try {
      const outcome = await Promise.race([ready, died]);
      if (outcome !== 'ready') throw new CometBFTStartError(outcome);
    } catch (error) {
      stopPolling.abort();
      await this.stop({ graceMs: 2000 });
      if (options.signal?.aborted) throw new AbortError('CometBFT start aborted', { cause: options.signal.reason });
      throw new CometBFTStartError(
        `CometBFT node ${this.moniker} (home ${this.home}) failed to start: ${describeError(error)}\n` +
          `--- last log lines ---\n${this.logTail()}`,
        { cause: error },
      );
    }
    stopPolling.abort();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Idempotent. */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    const child = this.child;
    const closed = this.closed;
    if (!child || !closed) return Promise.resolve();
    const graceMs = options.graceMs ?? 10_000;
    this.stopping = (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // The grace timer is cancelled on exit so it cannot hold the event loop (and mocha) open.
        const grace = new AbortController();
        const exitedInTime = await Promise.race([
          closed.then(() => true),
          sleep(graceMs, grace.signal).then(
            () => false,
            () => true,
          ),
        ]);
        grace.abort();
        if (!exitedInTime) {
          this.ring.push(`[harness] no exit ${graceMs} ms after SIGTERM; sending SIGKILL`);
          child.kill('SIGKILL');
        }
      }
      await closed;
    })().finally(() => {
      this.stopping = undefined;
      if (this.child === child) this.child = undefined;
    });
    return this.stopping;
  }

  /** Stops the node and deletes its home directory (kept when TMP2P_KEEP_COMETBFT_HOME=1). */
  async cleanup(): Promise<void> {
    await this.stop();
    if (process.env[KEEP_HOME_ENV] === '1') {
      process.stderr.write(`[cometbft harness] keeping ${this.home} (${KEEP_HOME_ENV}=1)\n`);
      return;
    }
    await rm(this.home, { recursive: true, force: true });
  }

  status(options?: CallOptions): Promise<Status> {
    return this.rpc.status(options);
  }

  netInfo(options?: CallOptions): Promise<NetInfo> {
    return this.rpc.netInfo(options);
  }

  /** Asks the node to dial `peers` (`id@host:port`) via the unsafe `/dial_peers` RPC. */
  dialPeers(peers: readonly string[], persistent: boolean, options?: DialPeersOptions): Promise<DialPeersResult> {
    return this.rpc.dialPeers(peers, persistent, options);
  }

  /** Resolves with the `/net_info` entry of `nodeId` once it is connected. Default timeout 30 s. */
  waitForPeer(nodeId: string, options: PollOptions = {}): Promise<NetInfoPeer> {
    let seen: string[] = [];
    return pollUntil(
      async (signal) => {
        const info = await this.rpc.netInfo({ signal });
        seen = info.peers.map((p) => p.node_info.id);
        return info.peers.find((p) => p.node_info.id === nodeId);
      },
      (last) => `${this.moniker} never listed peer ${nodeId} (peers: [${seen.join(', ')}]; ${describeError(last)})\n${this.logTail()}`,
      options,
    );
  }

  /** Resolves once `nodeId` is no longer in `/net_info`. Default timeout 30 s. */
  async waitForPeerGone(nodeId: string, options: PollOptions = {}): Promise<void> {
    await pollUntil(
      async (signal) => {
        const info = await this.rpc.netInfo({ signal });
        return info.peers.some((p) => p.node_info.id === nodeId) ? undefined : true;
      },
      (last) => `${this.moniker} still lists peer ${nodeId} (${describeError(last)})\n${this.logTail()}`,
      options,
    );
  }

  /** Resolves with the latest height once it is at least `height`. Default timeout 30 s. */
  waitForHeight(height: number, options: PollOptions = {}): Promise<number> {
    let latest = -1;
    return pollUntil(
      async (signal) => {
        latest = (await this.rpc.status({ signal })).sync_info.latest_block_height;
        return latest >= height ? latest : undefined;
      },
      (last) => `${this.moniker} stayed at height ${latest}, wanted ${height} (${describeError(last)})\n${this.logTail()}`,
      options,
    );
  }

  /** The last (up to 2000) log lines, oldest first. */
  logLines(): string[] {
    return this.ring.lines();
  }

  /** Log lines matching `pattern`, e.g. `/Stopping peer for error/`. */
  grepLog(pattern: RegExp): string[] {
    return this.ring.grep(pattern);
  }

  /**
   * Log lines matching `pattern` from the whole log file (every run of this node), for assertions
   * that something was *never* logged even after the ring dropped old lines. At most `limit`
   * matches are returned (default 10000).
   */
  async grepLogFile(pattern: RegExp, limit = 10_000): Promise<string[]> {
    const matches: string[] = [];
    let stream;
    try {
      stream = createReadStream(this.logFile, { encoding: 'utf8' });
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        pattern.lastIndex = 0;
        if (pattern.test(line)) matches.push(line);
        if (matches.length >= limit) break;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // never started
      throw new CometBFTHarnessError(`cannot read ${this.logFile}`, { cause: error });
    } finally {
      stream?.destroy();
    }
    return matches;
  }

  /** The last `n` log lines as one string, for error messages. */
  logTail(n = ERROR_TAIL_LINES): string {
    return this.ring.tail(n).join('\n');
  }
}

/** Pipes stdout/stderr into the log file and ring; resolves when the process and its pipes closed. */
function capture(child: ChildProcess, log: WriteStream, ring: LineRing): Promise<void> {
  const splitters = [child.stdout, child.stderr].map((stream) => {
    const splitter = new LineSplitter((line) => ring.push(line));
    stream?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      splitter.write(chunk);
    });
    return splitter;
  });
  return new Promise<void>((resolve) => {
    const finish = (): void => {
      splitters.forEach((s) => s.end());
      log.end(() => resolve());
    };
    // 'close' follows 'exit' once the pipes are drained; a spawn failure only emits 'error' + 'close'.
    child.once('close', finish);
  });
}

async function readGenesis(path: string): Promise<{ text: string; chainId: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CometBFTHarnessError(`cannot read genesis file ${path}`, { cause });
  }
  let chainId: unknown;
  try {
    chainId = (JSON.parse(text) as { chain_id?: unknown }).chain_id;
  } catch (cause) {
    throw new CometBFTHarnessError(`genesis file ${path} is not valid JSON`, { cause });
  }
  if (typeof chainId !== 'string') throw new CometBFTHarnessError(`genesis file ${path} has no string chain_id`);
  return { text, chainId };
}

function runCli(binary: string, args: string[], signal: AbortSignal | undefined): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(binary, args, { timeout: CLI_TIMEOUT_MS, signal, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if (signal?.aborted) return reject(new AbortError(`cometbft ${args[0]} aborted`, { cause: signal.reason }));
      reject(new CometBFTHarnessError(`cometbft ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`, { cause: error }));
    });
  });
}

function describeError(error: unknown): string {
  if (error === undefined) return 'no error reported';
  return error instanceof Error ? error.message : String(error);
}
