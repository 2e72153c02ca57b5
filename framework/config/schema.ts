import { z } from 'zod';
import { parseDuration } from '../util/duration.js';

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
const count = (min = 0) => z.int({ error: `expected an integer ≥ ${min}` }).min(min, { error: `expected an integer ≥ ${min}` });
const printable = z
  .string({ error: 'expected a string' })
  .regex(/^[\x20-\x7e]*$/, { error: 'expected printable ASCII (characters 32..126)' });
const pluginRef = z.string({ error: 'expected a plugin name or module path' }).min(1, { error: 'expected a plugin name or module path' });

/** The TOML file's shape (snake_case keys), validated strictly: unknown keys are errors. */
export const rawConfigSchema = z
  .object({
    moniker: printable.refine((v) => v.trim().length > 0, { error: 'expected a non-empty moniker' }),
    network: printable.min(1, { error: 'expected a non-empty chain ID' }),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    log_format: z.enum(['json', 'pretty']),
    p2p: z
      .object({
        laddr: z.string().regex(/^(memory|tcp:\/\/.+:\d{1,5}|[^:/]+:\d{1,5})$/, {
          error: 'expected "tcp://host:port", "host:port" or "memory"',
        }),
        external_address: z.string(),
        transports: z.array(pluginRef).min(1, { error: 'expected at least one transport' }),
        persistent_peers: z.string(),
        private_peer_ids: z.string(),
        max_connections: count(1),
        max_outgoing_connections: count(0),
        max_connected_upgrade: count(0),
        max_peers: count(0),
        min_retry_time: duration,
        max_retry_time: duration,
        max_retry_time_persistent: duration,
        retry_jitter: duration,
        disconnect_cooldown: duration,
        max_concurrent_dials: count(1),
        dial_timeout: duration,
        handshake_timeout: duration,
        max_concurrent_inbound_handshakes: count(1),
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
        ping_interval: duration,
        pong_timeout: duration,
        memory_virtual_address: z.string().regex(/^$|^(tcp:\/\/)?(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/, {
          error: 'expected "" (none) or an IP literal with a port, such as "10.0.0.1:26656" or "[fd00::1]:26656"',
        }),
      })
      .strict(),
    status: z
      .object({
        laddr: z.string().regex(/^$|^(tcp:\/\/)?(\[[^\]]+\]|[^:/]+):\d{1,5}$/, { error: 'expected "host:port" or "" (off)' }),
      })
      .strict(),
    instrumentation: z
      .object({
        prometheus: z.boolean({ error: 'expected true or false' }),
        prometheus_listen_addr: z.string().regex(/^(tcp:\/\/)?(\[[^\]]+\]|[^:/]*):\d{1,5}$/, { error: 'expected "host:port" or ":port"' }),
        namespace: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'expected a Prometheus name: letters, digits and _, not starting with a digit' }),
      })
      .strict(),
    reactors: z
      .object({ enabled: z.array(pluginRef) })
      .catchall(z.record(z.string(), z.unknown(), { error: 'expected a table of reactor options' })),
    plugins: z.object({ modules: z.array(pluginRef) }).strict(),
  })
  .strict();

export type RawConfig = z.infer<typeof rawConfigSchema>;
