import type { Logger } from 'pino';
import { filter, firstValueFrom } from 'rxjs';
import { Router } from '../../framework/router/router.js';
import { resolveRouterOptions, type RouterOptions } from '../../framework/router/options.js';
import type { RouterEvent } from '../../framework/router/events.js';
import type { ChannelDefinition } from '../../framework/router/channel-definition.js';
import { PeerManager } from '../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions, type PeerManagerOptionsInput } from '../../framework/peer/options.js';
import { ConnectionGate } from '../../framework/gating/connection-gate.js';
import { resolveGatingOptions, type GatingOptions } from '../../framework/gating/options.js';
import type { ConnectionGater } from '../../framework/gating/gater.js';
import type { HostLookup } from '../../framework/address/node-address.js';
import { NodeKey } from '../../framework/identity/node-key.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import type { QueueFactory } from '../../framework/queue/queue.js';
import { MemoryPeerStore } from '../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../plugins/scoring/default.js';
import { FifoQueueFactory } from '../../plugins/queues/fifo.js';
import { FAKE_NETWORK, FakeTransport, fakePeer, type FakeConnection, type FakePeer } from './fake-transport.js';
import { FakeClock, FixedRandom } from './fakes.js';
import type { Clock } from '../../framework/peer/types.js';
import { makeNodeInfo } from './node-info.js';
import { countingLogger, type LogSink } from './log-sink.js';

/** One JSON log line the rig's logger wrote. */
export interface LogRecord {
  readonly level: number;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export const LOG_LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export interface RouterRigOptions {
  readonly router?: Partial<RouterOptions>;
  readonly gating?: Partial<GatingOptions>;
  readonly gaters?: readonly ConnectionGater[];
  readonly peerManager?: Partial<PeerManagerOptionsInput>;
  /** Channels opened before start. */
  readonly channels?: readonly ChannelDefinition<any, any>[];
  /** Default: one FakeTransport of protocol "memory". */
  readonly transports?: readonly FakeTransport[];
  readonly queues?: QueueFactory;
  readonly hostLookup?: HostLookup;
  /** NodeInfo listen address of the node under test. Default `tcp://127.0.0.1:26656`. */
  readonly listenAddr?: string;
  /** The PeerManager's clock. Default: a FakeClock pinned a day ahead of the wall clock (see RouterRig). */
  readonly clock?: Clock;
  /** Start the router (default true). */
  readonly start?: boolean;
}

/**
 * A real Router over fake transports, a real PeerManager over the memory
 * store, and a FakeClock pinned a day ahead of the wall clock: the router
 * sleeps until the PeerManager's next retry time measured against Date.now(),
 * so no retry ever comes due on its own and every dial is one the test caused.
 */
export class RouterRig {
  readonly key = NodeKey.generate();
  readonly clock: Clock;
  readonly transports: readonly FakeTransport[];
  readonly pm: PeerManager;
  readonly router: Router;
  readonly events: RouterEvent[] = [];
  readonly logger: Logger;
  private readonly sink: LogSink;

  constructor(options: RouterRigOptions = {}) {
    ({ logger: this.logger, sink: this.sink } = countingLogger('debug'));
    this.clock = options.clock ?? new FakeClock(Date.now() + 24 * 3600_000);
    this.transports = options.transports ?? [new FakeTransport()];
    this.pm = new PeerManager(
      resolvePeerManagerOptions({ selfId: this.key.nodeId, retryJitterMs: 0, maxOutgoing: 0, ...options.peerManager }),
      new MemoryPeerStore(),
      new DefaultScoringStrategy(),
      this.clock,
      new FixedRandom(0.5),
      this.logger,
    );
    const template: Omit<NodeInfo, 'channels'> = makeNodeInfo({
      nodeId: this.key.nodeId,
      network: FAKE_NETWORK,
      listenAddr: options.listenAddr ?? 'tcp://127.0.0.1:26656',
      moniker: 'under-test',
    });
    this.router = new Router(
      [...this.transports],
      this.pm,
      options.queues ?? new FifoQueueFactory(),
      this.key,
      template,
      resolveRouterOptions(options.router),
      new ConnectionGate(options.gaters, resolveGatingOptions(options.gating), this.logger),
      this.logger,
      options.hostLookup,
    );
    this.router.events$.subscribe((event) => this.events.push(event));
    for (const definition of options.channels ?? []) this.router.openChannel(definition);
  }

  static async start(options: RouterRigOptions = {}): Promise<RouterRig> {
    const rig = new RouterRig(options);
    await rig.pm.start();
    if (options.start ?? true) await rig.router.start();
    return rig;
  }

  get transport(): FakeTransport {
    return this.transports[0]!;
  }

  /** Stops the router, then the peer manager. */
  async stop(): Promise<void> {
    await this.router.stop();
    await this.pm.close();
  }

  /** A new remote connects to us and is routed; resolves once its `peer-up` is published. */
  async routeInbound(options: { channels?: number[] } = {}): Promise<{ peer: FakePeer; connection: FakeConnection }> {
    const peer = fakePeer(options);
    const up = this.nextEvent('peer-up', (e) => e.nodeId === peer.nodeId);
    const connection = this.transport.incoming(peer);
    await up;
    return { peer, connection };
  }

  /** The next router event of `type` (matching `where`) published from now on. */
  nextEvent<T extends RouterEvent['type']>(type: T, where: (event: Extract<RouterEvent, { type: T }>) => boolean = () => true): Promise<Extract<RouterEvent, { type: T }>> {
    return firstValueFrom(this.router.events$.pipe(filter((e): e is Extract<RouterEvent, { type: T }> => e.type === type && where(e as Extract<RouterEvent, { type: T }>))));
  }

  eventsOf<T extends RouterEvent['type']>(type: T): Extract<RouterEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<RouterEvent, { type: T }> => e.type === type);
  }

  /** Every line logged so far (debug and above), parsed. */
  get logs(): LogRecord[] {
    return this.sink.entries() as LogRecord[];
  }

  /** Log lines at `level` or above. */
  logsAtLeast(level: keyof typeof LOG_LEVEL): LogRecord[] {
    return this.logs.filter((l) => l.level >= LOG_LEVEL[level]);
  }
}

/**
 * Waits until `predicate` holds, checking after every macrotask turn. The
 * deadline only turns a hang into a readable failure; nothing here measures time.
 */
export async function until(predicate: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  while (!predicate()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Lets every already-queued promise job and I/O callback run. */
export function settle(turns = 5): Promise<void> {
  return (async () => {
    for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  })();
}
