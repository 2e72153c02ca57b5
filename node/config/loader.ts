import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve as resolvePath } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from './errors.js';
import { rawConfigSchema, type RawConfig } from './schema.js';
import { toNodeConfig, type NodeConfig } from './node-config.js';
import { applyEnv, getByPath, setOverride, type OverrideSources } from './overrides.js';

type Table = Record<string, unknown>;

/** config/default.toml, found from the compiled (dist/node/config, also in an installed package) or source (node/config) location. */
export const DEFAULT_CONFIG_PATH = ['../../../config/default.toml', '../../config/default.toml']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path)) ?? fileURLToPath(new URL('../../../config/default.toml', import.meta.url));

let defaultsCache: Table | undefined;

/** The embedded defaults (config/default.toml), parsed once. */
export function defaultRawConfig(): Table {
  defaultsCache ??= parseToml(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Table;
  return structuredClone(defaultsCache);
}

export interface LoadConfigOptions {
  /**
   * The embedding application's own defaults, nested like the TOML: above the
   * embedded defaults, below everything else (e.g. `tmp2p start` keeps peers in
   * LevelDB unless the node's config says otherwise).
   */
  readonly defaults?: Table;
  /** A TOML file whose keys override the defaults. */
  readonly file?: string;
  /** TOML text (instead of, or after, `file`). */
  readonly toml?: string;
  /** Already-parsed overrides, nested like the TOML (snake_case keys). */
  readonly values?: Table;
  /**
   * Environment to read TMP2P_* overrides from (TMP2P_P2P_MAX_CONNECTIONS → p2p.max_connections,
   * values read like `set`'s). A TMP2P_* name that is no config key is a ConfigError naming the
   * closest one, apart from NON_CONFIG_ENV_VARS. Default: none. Pass process.env from the CLI.
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Dotted-key overrides from the command line, e.g. { "p2p.max_connections": "20" }. Each value is
   * read as a TOML value when it is one (`["echo","pex"]`, `20`, `true`, `"text"`), else as plain
   * text (`tcp://0.0.0.0:26656`, `5s`); list keys also take the comma-separated form `echo,pex`.
   */
  readonly set?: Readonly<Record<string, string>>;
  readonly home?: string;
  /**
   * Directory relative module paths in the configuration resolve against.
   * Default: the directory of `file`, else the working directory.
   */
  readonly baseDir?: string;
}

/**
 * Builds a NodeConfig: embedded defaults ← application defaults ← file ← toml
 * ← values ← environment ← --set,
 * then validates everything. Every problem is a ConfigError naming the key,
 * the bad value and what is allowed.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<NodeConfig> {
  const merged = defaultRawConfig();
  if (options.defaults) deepMerge(merged, structuredClone(options.defaults));
  if (options.file) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(cause as Error).message}`, undefined, { cause });
    }
    deepMerge(merged, parseTomlText(text, options.file));
  }
  if (options.toml) deepMerge(merged, parseTomlText(options.toml, 'inline TOML'));
  if (options.values) deepMerge(merged, structuredClone(options.values));
  const sources: OverrideSources = new Map();
  if (options.env) applyEnv(merged, options.env, defaultRawConfig(), sources);
  for (const [key, value] of Object.entries(options.set ?? {})) setOverride(merged, key, value, `--set ${key}`, defaultRawConfig(), sources);
  return toNodeConfig(validateRaw(merged, sources), options.home, options.baseDir ?? (options.file ? dirname(resolvePath(options.file)) : process.cwd()));
}

/**
 * Checks raw config against the schema; the first problem is a ConfigError
 * naming the key, the value and the rule, prefixed with where the value came
 * from when `sources` knows (`--set p2p.max_connections: …`).
 */
export function validateRaw(raw: Table, sources?: OverrideSources): RawConfig {
  const result = rawConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = issue.path.map(String);
  let detail = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0]!];
    detail = `unknown key; allowed keys here: ${allowedKeys(issue.path.map(String)).join(', ')}`;
  }
  const key = path.join('.');
  const value = getByPath(raw, path);
  // The override that set this key, or the table or list it is in (reactors.enabled.0 → reactors.enabled).
  const source = path.map((_, i) => sources?.get(path.slice(0, path.length - i).join('.'))).find((s) => s !== undefined);
  throw new ConfigError(`${source === undefined ? '' : `${source}: `}config key "${key}" = ${JSON.stringify(value)} is invalid: ${detail}`, key);
}

function parseTomlText(text: string, source: string): Table {
  try {
    return parseToml(text) as Table;
  } catch (cause) {
    const where = cause instanceof TomlError ? ` at line ${cause.line}, column ${cause.column}` : '';
    throw new ConfigError(`${source} is not valid TOML${where}: ${(cause as Error).message.split('\n')[0]}`, undefined, { cause });
  }
}

function allowedKeys(path: string[]): string[] {
  const node = getByPath(defaultRawConfig(), path);
  return node && typeof node === 'object' ? Object.keys(node as Table) : [];
}

/**
 * Merges `source` into `target`. A "__proto__" key (JSON.parse and TOML make
 * it an ordinary own key) is refused: assigning or merging through it would
 * reach Object.prototype and change every object in the process.
 */
function deepMerge(target: Table, source: Table, path: readonly string[] = []): void {
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__') {
      const dotted = [...path, key].join('.');
      throw new ConfigError(`config key "${dotted}" is not allowed: "__proto__" is no config key and would reach every object's prototype`, dotted);
    }
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object' && !Array.isArray(existing)) {
      deepMerge(existing as Table, value as Table, [...path, key]);
    } else {
      target[key] = value;
    }
  }
}
