import type { Subscription } from 'rxjs';
import type { NodeID } from '../../framework/identity/node-id.js';
import { reasonOf } from '../../framework/util/abort.js';
import type { tendermint } from '../../proto/gen/messages.js';
import type { BlockId } from '../../reactors/blocksync/block-hash.js';
import type { BlocksyncReactor, ReceivedBlock } from '../../reactors/blocksync/blocksync-reactor.js';

/** A block `follow` verified, as it hands it out. */
export interface FollowedBlock {
  readonly height: number;
  /** The header hash, upper-case hex as CometBFT prints it (RPC `/block` `block_id.hash`). */
  readonly hash: string;
  /** The block id the next block commits to (hash and part set header). */
  readonly id: BlockId;
  /** The header time, RFC 3339 with nanoseconds as CometBFT prints it. */
  readonly time: string;
  readonly txs: readonly Uint8Array[];
  /** The peer it came from. */
  readonly peer: NodeID;
  /** The whole block as decoded from the wire. */
  readonly block: tendermint.types.Block.$Properties;
}

/** Blocks a stream buffers for a slow consumer before it pauses downloading; it resumes at half. */
export const FOLLOW_BUFFER_BLOCKS = 64;

export function followedBlock(block: ReceivedBlock): FollowedBlock {
  // Formatted here rather than with the reactor's hashHex: `import 'tmp2p'` must load no reactor module.
  const hash = Buffer.from(block.id.hash.buffer, block.id.hash.byteOffset, block.id.hash.byteLength).toString('hex').toUpperCase();
  return { height: block.height, hash, id: block.id, time: block.time, txs: block.txs, peer: block.from, block: block.block };
}

/**
 * The blocks `reactor` verifies from the moment it is created, as an async
 * iterable in height order (iterate it once). It buffers at most
 * FOLLOW_BUFFER_BLOCKS (plus the reactor's in-flight window) for a consumer
 * slower than the download, pausing the reactor meanwhile, and resuming it
 * at half. Iteration throws the first error given to `fail` (e.g. a
 * BlockVerificationError) once the blocks verified before it are handed
 * out, or the signal's reason as soon as `signal` aborts.
 * `close()` detaches it from the reactor.
 */
export class BlockStream implements AsyncIterable<FollowedBlock> {
  private readonly buffer: FollowedBlock[] = [];
  private readonly subscriptions: Subscription[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly onAbort = () => this.fail(reasonOf(this.signal));

  constructor(
    private readonly reactor: BlocksyncReactor,
    private readonly signal: AbortSignal,
  ) {
    this.subscriptions.push(
      reactor.blocks$.subscribe((block) => {
        this.buffer.push(followedBlock(block));
        if (this.buffer.length >= FOLLOW_BUFFER_BLOCKS) reactor.pause();
        this.notify();
      }),
    );
    if (signal.aborted) this.onAbort();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Ends the iteration with `error` (the first one given wins). */
  fail(error: Error): void {
    this.failure ??= error;
    this.notify();
  }

  /** Also watch `subscription`'s source; it is unsubscribed on close. */
  add(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  close(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions.length = 0;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<FollowedBlock> {
    try {
      for (;;) {
        // Blocks verified before a failure are still handed out; an abort ends the iteration at once.
        if (this.failure !== undefined && (this.buffer.length === 0 || this.signal.aborted)) throw this.failure;
        const next = this.buffer.shift();
        if (next !== undefined) {
          if (this.buffer.length <= FOLLOW_BUFFER_BLOCKS / 2) this.reactor.resume();
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.close();
    }
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}
