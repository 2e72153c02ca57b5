import type { LogFormat, LogLevel } from '../../framework/logging/logger.js';
import { parseDuration } from '../../framework/util/duration.js';
import type { RawConfig } from './schema.js';
import { toGatingConfig, type GatingConfig, type RawGatingConfig } from './gating-config.js';

/** The validated configuration a node boots from (durations in ms, lists split). */
export interface NodeConfig {
  readonly moniker: string;
  readonly network: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Node home directory (keys, data); set by the CLI, undefined for in-memory nodes. */
  readonly home?: string;
  /**
   * Directory that relative module paths in this configuration (plugins,
   * reactors, queue policies, …) resolve against: the directory of the config
   * file it was loaded from, else the working directory at load time.
   */
  readonly baseDir: string;
  readonly p2p: P2PConfig;
  /** Operator status endpoint; empty laddr = off. maxOpenConnections 0 = no limit. */
  readonly status: { readonly laddr: string; readonly maxOpenConnections: number; readonly clientTimeoutMs: number };
  /** Prometheus metrics endpoint (CometBFT's `[instrumentation]` keys). maxOpenConnections 0 = no limit. */
  readonly instrumentation: {
    readonly prometheus: boolean;
    readonly prometheusListenAddr: string;
    readonly namespace: string;
    readonly maxOpenConnections: number;
    readonly clientTimeoutMs: number;
  };
  /** Connection gating: which gaters run and their settings. */
  readonly gating: GatingConfig;
  /** Settings of the built-in lossy queue policies (`[queues.priority]`, `[queues.wdrr]`). */
  readonly queues: QueuesConfig;
  readonly reactors: { readonly enabled: readonly string[]; readonly options: Readonly<Record<string, Record<string, unknown>>> };
  readonly plugins: { readonly modules: readonly string[] };
}

/** One flow-scheduled queue policy's settings. */
export interface FlowQueueConfig {
  readonly capacityBytes: number;
  readonly blockWhenFull: boolean;
}

export interface QueuesConfig {
  readonly priority: FlowQueueConfig;
  readonly wdrr: FlowQueueConfig & { readonly quantumPerPriority: number };
}

export interface P2PConfig {
  readonly laddr: string;
  readonly externalAddress: string;
  readonly transports: readonly string[];
  readonly persistentPeers: readonly string[];
  readonly privatePeerIds: readonly string[];
  readonly maxConnections: number;
  readonly maxOutgoingConnections: number;
  readonly maxInboundConnections: number;
  readonly maxConnectedUpgrade: number;
  readonly maxPeers: number;
  readonly minRetryTimeMs: number;
  readonly maxDialFailures: number;
  readonly maxRetryTimeMs: number;
  readonly maxRetryTimePersistentMs: number;
  readonly retryJitterMs: number;
  readonly disconnectCooldownMs: number;
  readonly flapWindowMs: number;
  readonly maxConcurrentDials: number;
  readonly dialTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxConcurrentInboundHandshakes: number;
  readonly maxConcurrentInboundHandshakesPerIp: number;
  readonly maxPeerErrors: number;
  readonly queueType: string;
  readonly peerQueueCapacity: number;
  readonly peerQueueCapacityBytes: number;
  readonly peerStore: string;
  /** LevelDB directory; "" = `<home>/data/peerstore`; relative paths resolve against the home. */
  readonly peerStorePath: string;
  /** MongoDB connection string for the mongodb store; "" = unset. */
  readonly peerStoreMongodbUri: string;
  readonly peerStoreMongodbDatabase: string;
  readonly scoring: string;
  readonly maxPacketMsgPayloadSize: number;
  readonly sendRate: number;
  readonly recvRate: number;
  readonly flushThrottleMs: number;
  /** Busy-poll window after socket activity, µs (0 = off). */
  readonly busyPollUs: number;
  readonly sendWindowMinBytes: number;
  readonly sendWindowMaxBytes: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** Memory transport: a virtual `ip:port` to listen on inside its MemoryNetwork; "" = none. */
  readonly memoryVirtualAddress: string;
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export const camelCase = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function toNodeConfig(raw: RawConfig, home?: string, baseDir: string = process.cwd()): NodeConfig {
  const p = raw.p2p;
  const { enabled, ...reactorTables } = raw.reactors;
  const options: Record<string, Record<string, unknown>> = {};
  for (const [name, table] of Object.entries(reactorTables)) {
    options[name] = Object.fromEntries(Object.entries(table as Record<string, unknown>).map(([k, v]) => [camelCase(k), v]));
  }
  return {
    moniker: raw.moniker,
    network: raw.network,
    logLevel: raw.log_level,
    logFormat: raw.log_format,
    home,
    baseDir,
    p2p: {
      laddr: p.laddr,
      externalAddress: p.external_address,
      transports: p.transports,
      persistentPeers: list(p.persistent_peers),
      privatePeerIds: list(p.private_peer_ids),
      maxConnections: p.max_connections,
      maxOutgoingConnections: p.max_outgoing_connections,
      maxInboundConnections: p.max_inbound_connections,
      maxConnectedUpgrade: p.max_connected_upgrade,
      maxPeers: p.max_peers,
      minRetryTimeMs: parseDuration(p.min_retry_time),
      maxDialFailures: p.max_dial_failures,
      maxRetryTimeMs: parseDuration(p.max_retry_time),
      maxRetryTimePersistentMs: parseDuration(p.max_retry_time_persistent),
      retryJitterMs: parseDuration(p.retry_jitter),
      disconnectCooldownMs: parseDuration(p.disconnect_cooldown),
      flapWindowMs: parseDuration(p.flap_window),
      maxConcurrentDials: p.max_concurrent_dials,
      dialTimeoutMs: parseDuration(p.dial_timeout),
      handshakeTimeoutMs: parseDuration(p.handshake_timeout),
      maxConcurrentInboundHandshakes: p.max_concurrent_inbound_handshakes,
      maxConcurrentInboundHandshakesPerIp: p.max_concurrent_inbound_handshakes_per_ip,
      maxPeerErrors: p.max_peer_errors,
      queueType: p.queue_type,
      peerQueueCapacity: p.peer_queue_capacity,
      peerQueueCapacityBytes: p.peer_queue_capacity_bytes,
      peerStore: p.peer_store,
      peerStorePath: p.peer_store_path,
      peerStoreMongodbUri: p.peer_store_mongodb_uri,
      peerStoreMongodbDatabase: p.peer_store_mongodb_database,
      scoring: p.scoring,
      maxPacketMsgPayloadSize: p.max_packet_msg_payload_size,
      sendRate: p.send_rate,
      recvRate: p.recv_rate,
      flushThrottleMs: parseDuration(p.flush_throttle_timeout),
      busyPollUs: Math.round(parseDuration(p.busy_poll) * 1000),
      pingIntervalMs: parseDuration(p.ping_interval),
      pongTimeoutMs: parseDuration(p.pong_timeout),
      sendWindowMinBytes: p.send_window,
      sendWindowMaxBytes: p.send_window_max,
      memoryVirtualAddress: p.memory_virtual_address,
    },
    status: {
      laddr: raw.status.laddr,
      maxOpenConnections: raw.status.max_open_connections,
      clientTimeoutMs: parseDuration(raw.status.client_timeout),
    },
    instrumentation: {
      prometheus: raw.instrumentation.prometheus,
      prometheusListenAddr: raw.instrumentation.prometheus_listen_addr,
      namespace: raw.instrumentation.namespace,
      maxOpenConnections: raw.instrumentation.max_open_connections,
      clientTimeoutMs: parseDuration(raw.instrumentation.client_timeout),
    },
    gating: toGatingConfig(raw.gating as RawGatingConfig),
    queues: {
      priority: { capacityBytes: raw.queues.priority.capacity_bytes, blockWhenFull: raw.queues.priority.block_when_full },
      wdrr: {
        capacityBytes: raw.queues.wdrr.capacity_bytes,
        blockWhenFull: raw.queues.wdrr.block_when_full,
        quantumPerPriority: raw.queues.wdrr.quantum_per_priority,
      },
    },
    reactors: { enabled, options },
    plugins: { modules: raw.plugins.modules },
  };
}
