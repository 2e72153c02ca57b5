import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { LOOPBACK_TESTNET_SETTINGS } from '../../../node/config/loopback-testnet.js';
import { createNode } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { parseNodeID, type NodeID } from '../../../framework/identity/node-id.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import type { PeerConnection } from '../../../framework/router/peer-connection.js';
import { MConnConnection, type MConnConnectionStats } from '../../../plugins/transports/mconn/mconn-connection.js';
import { CometBFTHarnessError } from './errors.js';
import { pollUntil, type PollOptions } from './poll.js';
import { getFreePort } from './ports.js';

/** Events kept per node; a test run produces a few dozen, the bound only guards a runaway loop. */
const EVENT_CAPACITY = 10_000;

export interface Tmp2pNodeOptions {
  /** Moniker sent in NodeInfo (what CometBFT's /net_info shows). */
  readonly moniker: string;
  /** Chain id sent in NodeInfo.network; CometBFT only accepts its own genesis chain_id. */
  readonly network: string;
  /** `id@host:port` peers the node keeps dialing. Default none. */
  readonly persistentPeers?: readonly string[];
  /** Reactors to enable by name. Default `['echo', 'pex']` (PEX is the channel CometBFT shares with us). */
  readonly reactors?: readonly string[];
  /** MConnection keepalive. Defaults 2 s / 1 s: short, so a 90 s run sends ~45 pings. */
  readonly pingInterval?: string;
  readonly pongTimeout?: string;
  /** Directory for the node's JSON log file (`<moniker>.log`). */
  readonly logDir: string;
  /** pino level for that file. Default "debug". */
  readonly logLevel?: string;
  /** Listen port on 127.0.0.1. Default: a free port. */
  readonly port?: number;
  /** `p2p.external_address`, the address NodeInfo advertises and PEX gossips for this node. Default "" (laddr). */
  readonly externalAddress?: string;
  /** `[reactors.pex]` options (snake_case, as in config.toml), e.g. `{ request_interval_ms: '12s' }`. Default none. */
  readonly pex?: Readonly<Record<string, unknown>>;
  /** `p2p.handshake_timeout`. Default the node's (6 s). */
  readonly handshakeTimeout?: string;
  readonly signal?: AbortSignal;
}

/**
 * A tmp2p node on the mconn (TCP) transport listening on a fixed free loopback port, with every
 * router event recorded so a test can ask "did X ever happen" after the fact.
 */
export class Tmp2pInteropNode {
  /** Router events in arrival order (the first {@link EVENT_CAPACITY}). */
  readonly events: RouterEvent[] = [];
  private readonly subscription: Subscription;
  private stopped = false;

  private constructor(
    readonly node: Node,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.subscription = node.events$.subscribe((event) => {
      if (this.events.length < EVENT_CAPACITY) this.events.push(event);
    });
  }

  static async start(options: Tmp2pNodeOptions): Promise<Tmp2pInteropNode> {
    const port = options.port ?? (await getFreePort({ signal: options.signal }));
    const logFile = join(options.logDir, `${options.moniker}.log`);
    const logger = pino({ level: options.logLevel ?? 'debug', base: null }, pino.destination({ dest: logFile, sync: true, mkdir: true }));
    const node = await createNode(
      {
        values: {
          moniker: options.moniker,
          network: options.network,
          log_level: options.logLevel ?? 'debug',
          // Every node of these networks is on 127.0.0.1: a loopback testnet.
          p2p: {
            ...LOOPBACK_TESTNET_SETTINGS.p2p,
            transports: ['mconn'],
            laddr: `tcp://127.0.0.1:${port}`,
            external_address: options.externalAddress ?? '',
            persistent_peers: (options.persistentPeers ?? []).join(','),
            ping_interval: options.pingInterval ?? '2s',
            pong_timeout: options.pongTimeout ?? '1s',
            // Redial a dropped CometBFT peer quickly rather than after minutes of backoff.
            max_retry_time_persistent: '5s',
            ...(options.handshakeTimeout === undefined ? {} : { handshake_timeout: options.handshakeTimeout }),
          },
          gating: LOOPBACK_TESTNET_SETTINGS.gating,
          reactors: { enabled: [...(options.reactors ?? ['echo', 'pex'])], pex: { ...options.pex } },
        },
      },
      { logger },
    );
    return new Tmp2pInteropNode(node, port, logFile);
  }

  get nodeId(): NodeID {
    return this.node.nodeId;
  }

  /** `id@127.0.0.1:port`, the form CometBFT's persistent_peers and /dial_peers take. */
  get p2pAddress(): string {
    return `${this.nodeId}@127.0.0.1:${this.port}`;
  }

  /** The routed peer `nodeId`, if it is connected and ready. */
  peer(nodeId: string): PeerConnection | undefined {
    return this.node.router.peer(parseNodeID(nodeId));
  }

  /** MConnection-level stats (pings, pongs, bytes) of the connection to `nodeId`; undefined if not connected. */
  connectionStats(nodeId: string): MConnConnectionStats | undefined {
    const connection = this.peer(nodeId)?.connection;
    if (connection === undefined) return undefined;
    if (!(connection instanceof MConnConnection)) {
      throw new CometBFTHarnessError(`peer ${nodeId} is not on the mconn transport (${String(connection)})`);
    }
    return connection.stats();
  }

  /** Resolves with the routed peer once `nodeId` is connected and ready. Default timeout 30 s. */
  waitForPeer(nodeId: string, options: PollOptions = {}): Promise<PeerConnection> {
    return pollUntil(
      async () => this.peer(nodeId),
      () => `${this.node.config.moniker} never had ${nodeId} as a ready peer; events: ${this.describeEvents()}`,
      { intervalMs: 50, ...options },
    );
  }

  /** Resolves with the first recorded event (past or future) matching `match`. Default timeout 30 s. */
  waitForEvent<E extends RouterEvent>(match: (event: RouterEvent) => event is E, options?: PollOptions): Promise<E>;
  waitForEvent(match: (event: RouterEvent) => boolean, options?: PollOptions): Promise<RouterEvent>;
  waitForEvent(match: (event: RouterEvent) => boolean, options: PollOptions = {}): Promise<RouterEvent> {
    return pollUntil(
      async () => this.events.find(match),
      () => `${this.node.config.moniker} saw no matching router event; events: ${this.describeEvents()}`,
      { intervalMs: 50, ...options },
    );
  }

  /** Recorded events as one line each, for assertion messages. */
  describeEvents(): string {
    if (this.events.length === 0) return '(none)';
    return this.events.map((e) => `\n  ${describeEvent(e)}`).join('');
  }

  /** The last `n` lines of the node's log file, for failure output. */
  async logTail(n = 60): Promise<string> {
    const ring: string[] = [];
    try {
      const stream = createReadStream(this.logFile, { encoding: 'utf8' });
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        ring.push(line);
        if (ring.length > n) ring.shift();
      }
    } catch (error) {
      return `(cannot read ${this.logFile}: ${(error as Error).message})`;
    }
    return ring.join('\n');
  }

  /** Stops the node (idempotent). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.node.stop();
    } finally {
      this.subscription.unsubscribe();
    }
  }
}

export function describeEvent(event: RouterEvent): string {
  switch (event.type) {
    case 'peer-up':
      return `peer-up ${event.nodeId} (${event.direction})`;
    case 'peer-down':
      return `peer-down ${event.nodeId}: ${event.reason ? `${event.reason.name}: ${event.reason.message}` : 'no reason'}`;
    case 'dial-failed':
      return `dial-failed ${event.address}: ${event.error.name}: ${event.error.message}`;
    case 'connection-rejected':
      return `connection-rejected (${event.direction}): ${event.error.name}: ${event.error.message}`;
    case 'peer-error':
      return `peer-error ${event.nodeId}${event.fatal ? ' (fatal)' : ''}: ${event.error.name}: ${event.error.message}`;
    case 'loop-error':
      return `loop-error ${event.loop}: ${event.error.name}: ${event.error.message}`;
  }
}
