import { parseDuration } from '../../framework/util/duration.js';
import { ConfigError } from './errors.js';
import type { CidrGaterOptions } from '../../plugins/gating/cidr.js';
import type { NodeIdGaterOptions } from '../../plugins/gating/node-id.js';
import type { PerIpGaterOptions } from '../../plugins/gating/per-ip.js';
import type { AttemptWindowGaterOptions } from '../../plugins/gating/attempt-window.js';


/** The validated `[gating]` section. */
export interface GatingConfig {
  /** Gaters to run, in order: built-in names or module paths. */
  readonly gaters: readonly string[];
  /** See GatingOptions.filterTimeoutMs. Default 5000 ms. */
  readonly filterTimeoutMs: number;
  /** See GatingOptions.ipv6PrefixLength. Default 64. */
  readonly ipv6PrefixLength: number;
  readonly cidr: CidrGaterOptions;
  readonly nodeId: NodeIdGaterOptions;
  readonly perIp: PerIpGaterOptions;
  readonly attemptWindow: AttemptWindowGaterOptions;
  /** Other `[gating.<name>]` tables, for the gater of that name, keys camelCased. */
  readonly options: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The raw `[gating]` table as the schema validated it (snake_case). */
export interface RawGatingConfig {
  readonly gaters: readonly string[];
  readonly filter_timeout: string;
  readonly ipv6_prefix_length: number;
  readonly cidr: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly node_id: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly per_ip: { readonly max_connections: number; readonly allow_duplicate_ip: boolean; readonly max_tracked_ips: number };
  readonly attempt_window: { readonly window: string; readonly max_tracked_ips: number };
  readonly [gater: string]: unknown;
}

const BUILT_IN_TABLES = { cidr: 'cidr', node_id: 'node-id', per_ip: 'per-ip', attempt_window: 'attempt-window' } as const;

const camelCase = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function toGatingConfig(raw: RawGatingConfig): GatingConfig {
  const { gaters, filter_timeout, ipv6_prefix_length, cidr, node_id, per_ip, attempt_window, ...others } = raw;
  const options: Record<string, Record<string, unknown>> = {};
  for (const [name, table] of Object.entries(others)) {
    options[name] = Object.fromEntries(Object.entries(table as Record<string, unknown>).map(([k, v]) => [camelCase(k), v]));
  }
  return {
    gaters: [...gaters],
    filterTimeoutMs: parseDuration(filter_timeout),
    ipv6PrefixLength: ipv6_prefix_length,
    cidr: { allow: [...cidr.allow], deny: [...cidr.deny] },
    nodeId: { allow: [...node_id.allow], deny: [...node_id.deny] },
    perIp: { maxConnections: per_ip.max_connections, allowDuplicateIp: per_ip.allow_duplicate_ip, maxTrackedIps: per_ip.max_tracked_ips },
    attemptWindow: { windowMs: parseDuration(attempt_window.window), maxTrackedIps: attempt_window.max_tracked_ips },
    options,
  };
}

/**
 * Catches settings that would silently do nothing: a built-in gater's table
 * changed from its defaults while that gater is not in `gating.gaters`, and a
 * `[gating.<name>]` table no running gater is named after. `defaults` is the
 * embedded default configuration; `running` the names of the gaters built.
 */
export function checkGatingConfig(config: GatingConfig, defaults: GatingConfig, running: readonly string[]): void {
  const tables = { cidr: config.cidr, node_id: config.nodeId, per_ip: config.perIp, attempt_window: config.attemptWindow };
  const defaultTables = { cidr: defaults.cidr, node_id: defaults.nodeId, per_ip: defaults.perIp, attempt_window: defaults.attemptWindow };
  for (const [table, gater] of Object.entries(BUILT_IN_TABLES) as [keyof typeof BUILT_IN_TABLES, string][]) {
    if (config.gaters.includes(gater) || JSON.stringify(tables[table]) === JSON.stringify(defaultTables[table])) continue;
    throw new ConfigError(
      `config key "gating.${table}" is set but the "${gater}" gater is not in gating.gaters (${JSON.stringify(config.gaters)}): add "${gater}" there or drop the table`,
      `gating.${table}`,
    );
  }
  for (const name of Object.keys(config.options)) {
    if (running.includes(name)) continue;
    throw new ConfigError(
      `config key "gating.${name}" names no running gater; running: ${running.join(', ') || '(none)'}; built-in tables: ${Object.keys(BUILT_IN_TABLES).join(', ')}`,
      `gating.${name}`,
    );
  }
}
