import { CometBFTNode, type CometBFTNodeOptions } from './cometbft-node.js';
import { CometBFTHarnessError } from './errors.js';

export interface CometBFTNetworkOptions {
  /** Path of the cometbft binary (from `ensureCometBFT()`). */
  readonly binary: string;
  /** Non-validator full nodes besides the validator. Default 2. */
  readonly fullNodes?: number;
  /** Moniker prefix: nodes are `<prefix>-validator`, `<prefix>-full-1`, …. Default "cometbft". */
  readonly monikerPrefix?: string;
  /** CometBFT `log_level` of every node. Default "pex:debug,*:info" (every PEX message is logged, with its peer). */
  readonly logLevel?: string;
  /** How long start-up (blocks, full nodes connected) may take. Default 60000 ms. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Node options a test may set for a node it adds to the network (the chain's genesis is always shared). */
export type AddNodeOptions = Omit<CometBFTNodeOptions, 'binary' | 'genesisFile' | 'chainId'>;

const DEFAULT_LOG_LEVEL = 'pex:debug,*:info';

/**
 * A small CometBFT v0.38 network on loopback: one kvstore validator and a few non-validator full
 * nodes on its genesis, each with the validator as its persistent peer, PEX on, several nodes per
 * IP allowed and loopback addresses accepted into address books (`allow_duplicate_ip`,
 * `addr_book_strict = false`; see node-config.ts). The validator adds each full node's listen
 * address to its address book when the full node connects (CometBFT does that for every inbound
 * peer), so it has the others to hand out in PEX. `cleanup()` stops every node it started.
 */
export class CometBFTNetwork {
  private readonly all: CometBFTNode[] = [];
  private readonly full: CometBFTNode[] = [];

  private constructor(
    private readonly binary: string,
    private readonly logLevel: string,
  ) {}

  /** Starts the validator, waits for its first block, then starts and connects the full nodes. */
  static async start(options: CometBFTNetworkOptions): Promise<CometBFTNetwork> {
    const { binary, signal } = options;
    const fullNodes = options.fullNodes ?? 2;
    if (!Number.isInteger(fullNodes) || fullNodes < 0 || fullNodes > 16) {
      throw new CometBFTHarnessError(`fullNodes must be an integer in [0, 16], got ${fullNodes}`);
    }
    const prefix = options.monikerPrefix ?? 'cometbft';
    const timeoutMs = options.timeoutMs ?? 60_000;
    const net = new CometBFTNetwork(binary, options.logLevel ?? DEFAULT_LOG_LEVEL);
    try {
      const validator = await CometBFTNode.create({ binary, moniker: `${prefix}-validator`, logLevel: net.logLevel, signal });
      net.all.push(validator);
      await validator.start({ timeoutMs, signal });
      await validator.waitForHeight(1, { timeoutMs, signal });
      const created: CometBFTNode[] = [];
      for (let i = 1; i <= fullNodes; i++) {
        const node = await net.create({ moniker: `${prefix}-full-${i}`, persistentPeers: [validator.p2pAddress], signal });
        created.push(node);
        net.full.push(node);
      }
      await Promise.all(created.map((node) => node.start({ timeoutMs, signal })));
      await Promise.all(created.map((node) => validator.waitForPeer(node.nodeId, { timeoutMs, signal })));
      // Block sync from the validator: proof that they are on one chain, not just connected.
      await Promise.all(created.map((node) => node.waitForHeight(1, { timeoutMs, signal })));
      return net;
    } catch (error) {
      await net.cleanup().catch(() => undefined);
      throw error;
    }
  }

  /** The first node: the only validator. */
  get validator(): CometBFTNode {
    return this.all[0]!;
  }

  /** Every node, validator first, then the full nodes in creation order, then nodes added later. */
  get nodes(): readonly CometBFTNode[] {
    return this.all;
  }

  /** The full nodes started with the network (not those added later). */
  get fullNodes(): readonly CometBFTNode[] {
    return this.full;
  }

  get chainId(): string {
    return this.validator.chainId;
  }

  /**
   * Creates and starts another node on the chain's genesis. Unlike the full nodes it knows nobody
   * unless `options` says so (`persistentPeers`, `seeds`), e.g. a node whose only contact is a tmp2p
   * seed. It is stopped by `cleanup()` like the others.
   */
  async addNode(options: AddNodeOptions & { readonly timeoutMs?: number }): Promise<CometBFTNode> {
    const node = await this.create(options);
    await node.start({ timeoutMs: options.timeoutMs, signal: options.signal });
    return node;
  }

  /** Each node's last `lines` log lines, headed by its moniker and log file, for failure output. */
  logTails(lines = 80): string {
    return this.all.map((n) => `--- CometBFT ${n.moniker} (${n.nodeId}) log tail (${n.logFile}) ---\n${n.logTail(lines)}`).join('\n');
  }

  /** Stops every node and deletes its home (see CometBFTNode.cleanup); the first failure is rethrown after all are done. */
  async cleanup(): Promise<void> {
    const results = await Promise.allSettled(this.all.map((n) => n.cleanup()));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  private async create(options: AddNodeOptions): Promise<CometBFTNode> {
    const node = await CometBFTNode.create({ logLevel: this.logLevel, ...options, binary: this.binary, genesisFile: this.validator.genesisFile });
    this.all.push(node);
    return node;
  }
}
