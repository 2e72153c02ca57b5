import { z } from 'zod';
import { parseDuration } from '../../framework/util/duration.js';
import { parseHostPort, parseListenHostPort } from '../../framework/address/host-port.js';
import { parseCidr } from '../../framework/gating/cidr.js';
import { parseNodeID } from '../../framework/identity/node-id.js';
import { NodeAddress } from '../../framework/address/node-address.js';

const duration = z.string({ error: 'expected a duration string such as "250ms", "5s" or "1m"' }).refine(
  (v) => {
    try {
      parseDuration(v);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a duration such as "250ms", "5s", "1m30s" or "2h"' },
);
/** A duration's ms, or Infinity when it does not parse (the `duration` check reports that). */
const durationMs = (v: string): number => {
  try {
    return parseDuration(v);
  } catch {
    return Infinity;
  }
};
const count = (min = 0) => z.int({ error: `expected an integer ≥ ${min}` }).min(min, { error: `expected an integer ≥ ${min}` });
const printable = z
  .string({ error: 'expected a string' })
  .regex(/^[\x20-\x7e]*$/, { error: 'expected printable ASCII (characters 32..126)' });
/** "" (advertise laddr) or a host:port peers can dial; the message says what is wrong with it. */
const externalAddress = z.string({ error: 'expected "host:port" or ""' }).check((ctx) => {
  if (ctx.value === '') return;
  const parsed = parseHostPort(ctx.value);
  if (!parsed.ok) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `expected "" (advertise laddr) or "host:port" / "tcp://host:port" that peers can dial (IPv6 in brackets): ${parsed.reason}`,
    });
  }
});
/**
 * A listen address, or one of `keywords`. `requireHost` refuses ":port"
 * (every interface), which must then be spelled out (0.0.0.0 / [::]).
 */
const listenAddress = (expected: string, options: { keywords?: readonly string[]; requireHost?: boolean } = {}) =>
  z.string({ error: `expected ${expected}` }).check((ctx) => {
    if (options.keywords?.includes(ctx.value)) return;
    const parsed = parseListenHostPort(ctx.value);
    const problem = !parsed.ok ? parsed.reason : options.requireHost && parsed.value.host === undefined ? 'it names no host' : undefined;
    if (problem !== undefined) ctx.issues.push({ code: 'custom', input: ctx.value, message: `expected ${expected}: ${problem}` });
  });
/** How long an operator endpoint's client may take over its request or stay idle. */
const clientTimeout = duration.refine((v) => durationMs(v) >= 1, { error: 'expected a duration of at least 1ms' });
const pluginRef = z.string({ error: 'expected a plugin name or module path' }).min(1, { error: 'expected a plugin name or module path' });
/** A string `parse` accepts; its error message (which names the entry and the problem) becomes the issue. */
const parsedBy = (parse: (value: string) => unknown, expected: string) =>
  z.string({ error: `expected ${expected}` }).superRefine((value, ctx) => {
    try {
      parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
const cidrList = z.array(parsedBy(parseCidr, 'a CIDR block such as "10.0.0.0/8" or "2001:db8::/32"'), { error: 'expected a list of CIDR blocks' });
const nodeIdList = z.array(parsedBy(parseNodeID, 'a node ID (40 lowercase hex characters)'), { error: 'expected a list of node IDs' });
const uniqueRefs = z.array(pluginRef).refine((refs) => new Set(refs).size === refs.length, { error: 'expected each gater at most once' });

/** A reactor's duration option: a duration string, or milliseconds as a number; at least `minMs`. */
const reactorDuration = (minMs: number) =>
  z
    .union([duration, z.number({ error: 'expected milliseconds or a duration string such as "15s"' })], { error: 'expected milliseconds or a duration string such as "15s"' })
    .refine((v) => (typeof v === 'number' ? v : durationMs(v)) >= minMs, { error: `expected a duration of at least ${minMs}ms` });
const int = (min: number, max: number) =>
  z.int({ error: `expected an integer from ${min} to ${max}` }).min(min, { error: `expected an integer from ${min} to ${max}` }).max(max, { error: `expected an integer from ${min} to ${max}` });

/** `[reactors.blocksync]` (reactors/blocksync/options.ts documents each key and checks it again). */
const blocksyncTable = z
  .object({
    // A height may come as text: --set and TMP2P_* keep the default's type, and the default is "latest".
    start_height: z.union([z.enum(['latest', 'base']), int(1, Number.MAX_SAFE_INTEGER), z.string().regex(/^[1-9]\d{0,15}$/)], {
      error: 'expected "latest", "base" or a height ≥ 1',
    }),
    max_block_bytes: int(1024, 104_857_600),
    max_requests_in_flight: int(1, 1000),
    request_timeout_ms: reactorDuration(1),
    status_interval_ms: reactorDuration(1),
  })
  .partial()
  .strict();

/** `[reactors.consensus-state]` (reactors/consensus-state/options.ts documents each key and checks it again). */
const consensusStateTable = z
  .object({
    initial_height: int(1, Number.MAX_SAFE_INTEGER),
    announce: z.boolean({ error: 'expected true or false' }),
    min_announce_interval_ms: reactorDuration(0),
  })
  .partial()
  .strict();

/** `[reactors.mempool]` (reactors/mempool/options.ts documents each key and checks it again). */
const mempoolTable = z
  .object({
    max_tx_bytes: int(1, 104_857_600),
    seen_cache_size: int(1, 10_000_000),
    relay: z.boolean({ error: 'expected true or false' }),
    max_txs_per_second: int(1, 1_000_000),
    max_txs_burst: int(1, 10_000_000),
    ban_duration_ms: reactorDuration(0),
  })
  .partial()
  .strict();

/** `[reactors.echo]` (reactors/echo/echo-reactor.ts documents each key). */
const echoTable = z
  .object({
    ping_interval: reactorDuration(1),
    content: z.string({ error: 'expected a string' }),
  })
  .partial()
  .strict();

/** `[reactors.pex]` (reactors/pex/options.ts documents each key and checks it again). */
const pexTable = z
  .object({
    request_interval_ms: reactorDuration(1),
    need_address_threshold: count(0),
    max_addresses_accepted: count(1),
    max_addresses_sent: count(0),
    seed_mode: z.boolean({ error: 'expected true or false' }),
    seeds: z.array(parsedBy((value) => NodeAddress.parse(value), 'a node address such as "<id>@host:26656"'), { error: 'expected a list of node addresses' }),
    ban_duration_ms: reactorDuration(0),
    seed_disconnect_delay_ms: reactorDuration(0),
    seed_cooldown_ms: reactorDuration(0),
    resolve_timeout_ms: reactorDuration(1),
    private_addresses: z.enum(['from-private-peers', 'accept', 'reject'], { error: 'expected "from-private-peers", "accept" or "reject"' }),
    learn_inbound_listen_addr: z.boolean({ error: 'expected true or false' }),
  })
  .partial()
  .strict();

/** `[reactors.flood]` (reactors/flood/flood-reactor.ts documents each key and checks it again). */
const floodTable = z
  .object({
    seen_capacity: int(1, 1_000_000),
    max_hops: int(1, 1_000),
  })
  .partial()
  .strict();

/** The TOML file's shape (snake_case keys), validated strictly: unknown keys are errors. */
export const rawConfigSchema = z
  .object({
    moniker: printable.refine((v) => v.trim().length > 0, { error: 'expected a non-empty moniker' }),
    network: printable.min(1, { error: 'expected a non-empty chain ID' }),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    log_format: z.enum(['json', 'pretty']),
    p2p: z
      .object({
        laddr: listenAddress('"tcp://host:port", "host:port" or "memory"', { keywords: ['memory'], requireHost: true }),
        external_address: externalAddress,
        transports: z.array(pluginRef).min(1, { error: 'expected at least one transport' }),
        persistent_peers: z.string(),
        private_peer_ids: z.string(),
        max_connections: count(1),
        max_outgoing_connections: count(0),
        max_inbound_connections: count(0),
        max_connected_upgrade: count(0),
        max_peers: count(0),
        min_retry_time: duration,
        max_dial_failures: count(0),
        max_retry_time: duration,
        max_retry_time_persistent: duration,
        retry_jitter: duration,
        disconnect_cooldown: duration,
        flap_window: duration,
        max_concurrent_dials: count(1),
        dial_timeout: duration,
        handshake_timeout: duration,
        max_concurrent_inbound_handshakes: count(1),
        max_concurrent_inbound_handshakes_per_ip: count(0),
        max_peer_errors: count(0),
        queue_type: pluginRef,
        peer_queue_capacity: count(1),
        peer_queue_capacity_bytes: count(1),
        peer_store: pluginRef,
        peer_store_path: z.string({ error: 'expected a directory path or "" (default)' }),
        peer_store_mongodb_uri: z.string().regex(/^$|^mongodb(\+srv)?:\/\/\S+$/, { error: 'expected a connection string "mongodb://host:port/" or "mongodb+srv://…", or "" (unset)' }),
        peer_store_mongodb_database: z.string().regex(/^[^/\\. "$\0]{1,63}$/, { error: 'expected a database name of 1-63 characters without / \\ . " $ or spaces' }),
        scoring: pluginRef,
        max_packet_msg_payload_size: count(1),
        send_rate: count(0),
        recv_rate: count(0),
        flush_throttle_timeout: duration,
        busy_poll: duration,
        ping_interval: duration,
        pong_timeout: duration,
        send_window: count(0),
        send_window_max: count(1),
        memory_virtual_address: z.string().regex(/^$|^(tcp:\/\/)?(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/, {
          error: 'expected "" (none) or an IP literal with a port, such as "10.0.0.1:26656" or "[fd00::1]:26656"',
        }),
      })
      .strict(),
    status: z
      .object({
        laddr: listenAddress('"host:port" or "" (off)', { keywords: [''], requireHost: true }),
        max_open_connections: count(0),
        client_timeout: clientTimeout,
      })
      .strict(),
    instrumentation: z
      .object({
        prometheus: z.boolean({ error: 'expected true or false' }),
        prometheus_listen_addr: listenAddress('"host:port" or ":port"'),
        namespace: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'expected a Prometheus name: letters, digits and _, not starting with a digit' }),
        max_open_connections: count(0),
        client_timeout: clientTimeout,
      })
      .strict(),
    gating: z
      .object({
        gaters: uniqueRefs,
        filter_timeout: duration.refine((v) => durationMs(v) >= 1, { error: 'expected a duration of at least 1ms' }),
        ipv6_prefix_length: count(32).max(128, { error: 'expected an integer from 32 to 128' }),
        cidr: z.object({ allow: cidrList, deny: cidrList }).strict(),
        node_id: z.object({ allow: nodeIdList, deny: nodeIdList }).strict(),
        per_ip: z.object({ max_connections: count(0), allow_duplicate_ip: z.boolean({ error: 'expected true or false' }), max_tracked_ips: count(1) }).strict(),
        attempt_window: z
          .object({
            window: duration.refine((v) => durationMs(v) === 0 || durationMs(v) >= 1, { error: 'expected "0s" (off) or a duration of at least 1ms' }),
            max_tracked_ips: count(1),
          })
          .strict(),
      })
      .catchall(z.record(z.string(), z.unknown(), { error: 'expected a table of gater options ([gating.<gater name>])' })),
    queues: z
      .object({
        priority: z.object({ capacity_bytes: count(1), block_when_full: z.boolean({ error: 'expected true or false' }) }).strict(),
        wdrr: z
          .object({ capacity_bytes: count(1), block_when_full: z.boolean({ error: 'expected true or false' }), quantum_per_priority: count(1) })
          .strict(),
      })
      .strict(),
    reactors: z
      .object({
        enabled: z.array(pluginRef),
        echo: echoTable.optional(),
        pex: pexTable.optional(),
        flood: floodTable.optional(),
        blocksync: blocksyncTable.optional(),
        'consensus-state': consensusStateTable.optional(),
        mempool: mempoolTable.optional(),
      })
      .catchall(z.record(z.string(), z.unknown(), { error: 'expected a table of reactor options' })),
    plugins: z.object({ modules: z.array(pluginRef) }).strict(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // Both transports would claim mconn:// addresses; a virtual address is for memory-only nodes.
    if (config.p2p.memory_virtual_address !== '' && config.p2p.transports.includes('mconn')) {
      ctx.addIssue({
        code: 'custom',
        path: ['p2p', 'memory_virtual_address'],
        message: `a virtual address cannot be used with the mconn transport also loaded (p2p.transports = ${JSON.stringify(config.p2p.transports)}): both would claim mconn:// addresses; it is for memory-only nodes`,
      });
    }
  });

export type RawConfig = z.infer<typeof rawConfigSchema>;
