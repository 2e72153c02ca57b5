import { parse as parseToml } from 'smol-toml';
import { ConfigError } from './errors.js';

type Table = Record<string, unknown>;

/** Prefix of the environment variables that override config keys (TMP2P_P2P_MAX_CONNECTIONS → p2p.max_connections). */
export const ENV_PREFIX = 'TMP2P_';

/**
 * TMP2P_* variables that are not config keys but are read elsewhere (the CLI's
 * home, the frame AEAD choice, test-suite switches). Every other TMP2P_*
 * variable must name a config key: a typo is an error, not a silent default.
 * Add a name here when a new one is read.
 */
export const NON_CONFIG_ENV_VARS: ReadonlySet<string> = new Set([
  'TMP2P_HOME',
  'TMP2P_FRAME_AEAD',
  'TMP2P_SODIUM_NATIVE',
  'TMP2P_TEST_MONGO',
  'TMP2P_REQUIRE_MONGODB',
  'TMP2P_KEEP_COMETBFT_HOME',
  'TMP2P_FUZZ_RUNS',
  'TMP2P_FUZZ_SEED',
]);

/** The environment variable of a config key: ["p2p", "max_connections"] → TMP2P_P2P_MAX_CONNECTIONS. */
export function envName(path: readonly string[]): string {
  return `${ENV_PREFIX}${path.join('_').toUpperCase()}`;
}

/**
 * Applies TMP2P_* overrides for every key `defaults` defines. A TMP2P_* name
 * that is neither such a key nor in NON_CONFIG_ENV_VARS is a ConfigError
 * naming the closest key, so a misspelt override is never silently ignored.
 */
export function applyEnv(target: Table, env: NodeJS.ProcessEnv, defaults: Table, sources?: OverrideSources): void {
  const keys = new Map(leafPaths(defaults).map((path) => [envName(path), path.join('.')]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const key = keys.get(name);
    if (key !== undefined) {
      setOverride(target, key, value, `environment variable ${name}`, defaults, sources);
    } else if (!NON_CONFIG_ENV_VARS.has(name)) {
      const closest = closestKey(name, [...keys.keys()]);
      const hint = closest === undefined ? '' : `; did you mean ${closest} (${keys.get(closest)})?`;
      throw new ConfigError(`environment variable ${name} is not a config key${hint}`, undefined);
    }
  }
}

/** Where each overridden key's value came from ("--set p2p.laddr", "environment variable TMP2P_…"), for error messages. */
export type OverrideSources = Map<string, string>;

/**
 * Sets one override (`--set key=value`, an environment variable) at a dotted
 * path. The value is read as a TOML value when it is one — `["echo","pex"]`,
 * `20`, `true`, `"quoted text"` — else as plain text, so
 * `p2p.laddr=tcp://0.0.0.0:26656` needs no quotes. A string key keeps the
 * text as typed. The schema then checks it, so a value of the wrong type is
 * refused with the key's own rule ("expected an integer ≥ 1"); `sources`
 * records where it came from, for that message.
 */
export function setOverride(target: Table, dotted: string, value: string, source: string, defaults: Table, sources?: OverrideSources): void {
  const path = dotted.split('.');
  const template = getByPath(defaults, path);
  if (template === undefined) throw new ConfigError(`${source}: unknown config key "${dotted}"`, dotted);
  const invalid = (expected: string) =>
    new ConfigError(`${source}: config key "${dotted}" = ${JSON.stringify(value)} is invalid: ${expected}`, dotted);
  const parsed = parseTomlValue(value);
  let converted: unknown;
  if (typeof template === 'string') {
    converted = typeof parsed === 'string' ? parsed : value;
  } else if (typeof template === 'number' || typeof template === 'boolean') {
    // Not a number (or boolean): left as typed for the schema to refuse with the key's rule.
    converted = parsed ?? value;
  } else if (Array.isArray(template)) {
    // A TOML array, else the older comma-separated form ("echo,pex").
    converted = Array.isArray(parsed) ? parsed : value.split(',').map((s) => s.trim()).filter(Boolean);
  } else {
    throw invalid(`"${dotted}" is a table; set its keys one by one (e.g. ${dotted}.${Object.keys(template as Table)[0] ?? 'key'}=…)`);
  }
  let node = target;
  for (const part of path.slice(0, -1)) {
    // The path is a key of the defaults (checked above), so every part is an own key, never "__proto__".
    if (!Object.hasOwn(node, part) || !node[part] || typeof node[part] !== 'object') node[part] = {};
    node = node[part] as Table;
  }
  node[path[path.length - 1]!] = converted;
  sources?.set(dotted, source);
}

/** The TOML value `text` spells, or undefined when it is not one (bare words, URLs, durations like 5s). */
export function parseTomlValue(text: string): unknown {
  let document: Table;
  try {
    document = parseToml(`value = ${text}`);
  } catch {
    return undefined;
  }
  // "1\nother = 2" is a document, not a value.
  return Object.keys(document).length === 1 ? document.value : undefined;
}

/** The candidate nearest to `name` by edit distance (the first of equals); undefined without candidates. */
export function closestKey(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions), two rows of memory. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function leafPaths(table: Table, prefix: string[] = []): string[][] {
  return Object.entries(table).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? leafPaths(v as Table, [...prefix, k]) : [[...prefix, k]],
  );
}

export function getByPath(table: unknown, path: readonly string[]): unknown {
  let node = table;
  for (const part of path) {
    // Own keys only: "__proto__", "constructor" and the like are no config keys, and following them
    // would let `--set __proto__.constructor.name=x` write into Object.prototype.
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Table)[part];
  }
  return node;
}
