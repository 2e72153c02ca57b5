import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultRawConfig, loadConfig } from '../../node/config/loader.js';
import { envName, leafPaths, parseTomlValue } from '../../node/config/overrides.js';
import { fuzzParameters, hostileText, typedOrResolved, typedOrResult } from './fuzz-kit.js';

/** Keys that reach an object's prototype when a merge follows them. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

const defaults = defaultRawConfig();
const keys = leafPaths(defaults).map((path) => path.join('.'));

/** A config value as an operator might type it: TOML values of every type, durations, addresses, garbage. */
const valueText = fc.oneof(
  fc.constantFrom('0', '-1', '1e309', 'nan', 'inf', '"5s"', '5s', '0s', '-5s', '1.5ms', '99999999999999999999h', 'true', 'yes', '[]', '["echo","pex"]', 'echo,pex', '{a=1}', '"', "'''", 'tcp://0.0.0.0:26656', '[::1]:1', 'memory', '""'),
  fc.integer().map(String),
  fc.double().map(String),
  hostileText('"\'[]{}=,.#\\ \n0123456789smhu'),
);

/** TOML documents: real sections and keys with hostile values, and text that is barely TOML. */
const tomlText = fc.oneof(
  fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.constantFrom(...PROTOTYPE_KEYS.flatMap((k) => [k, `${k}.x`, `p2p.${k}.x`, `${k}.constructor.name`]))), valueText), { maxLength: 6 }).map((pairs) =>
    pairs
      .map(([key, value]) => {
        const parts = key.split('.');
        return parts.length === 1 ? `${key} = ${value}` : `[${parts.slice(0, -1).join('.')}]\n${parts[parts.length - 1]} = ${value}`;
      })
      .join('\n'),
  ),
  hostileText('[]="\'.=#\n abc'),
);

/** Any JSON-like value where a config value goes. */
const anyValue = fc.oneof(fc.jsonValue(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 64, null, undefined));

/** Nothing the config loader did changed every object in the process. */
function assertPrototypeClean(): void {
  assert.deepEqual(Object.keys(Object.prototype), [], 'Object.prototype gained keys');
  assert.equal(Object.prototype.constructor, Object, 'Object.prototype.constructor was replaced');
}

describe('fuzz: config values (node/config: TOML, --set, environment, values)', () => {
  it('a TOML document loads or fails with a ConfigError', async () => {
    await fc.assert(
      fc.asyncProperty(tomlText, async (toml) => {
        await typedOrResolved('loadConfig({ toml })', () => loadConfig({ toml }));
        assertPrototypeClean();
      }),
      fuzzParameters(0.5),
    );
  });

  it('--set key=value overrides, known keys or not, load or fail with a ConfigError', async () => {
    const set = fc.dictionary(fc.oneof(fc.constantFrom(...keys), hostileText('.abcp2_'), fc.constantFrom('p2p', 'p2p.', '.', '__proto__.x', 'constructor.prototype.x', 'p2p.__proto__', 'toString', '__proto__.constructor.name', 'p2p.constructor.name')), valueText, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(set, async (overrides) => {
        await typedOrResolved('loadConfig({ set })', () => loadConfig({ set: overrides }));
        assertPrototypeClean();
      }),
      fuzzParameters(0.5),
    );
  });

  it('TMP2P_* environment variables load or fail with a ConfigError', async () => {
    const names = fc.oneof(fc.constantFrom(...keys).map((k) => envName(k.split('.'))), fc.string({ unit: fc.constantFrom(...'_ABCDEFGHIJKLMNOPQRSTUVWXYZ2'.split('')), maxLength: 40 }).map((n) => `TMP2P_${n}`));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(names, valueText, { maxKeys: 4 }), async (env) => {
        await typedOrResolved('loadConfig({ env })', () => loadConfig({ env }));
        assertPrototypeClean();
      }),
      fuzzParameters(0.5),
    );
  });

  it('already-parsed values of any shape load or fail with a ConfigError', async () => {
    const values = fc.oneof(
      fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.constantFrom(...PROTOTYPE_KEYS.flatMap((k) => [`${k}.x`, `p2p.${k}.x`]))), anyValue, { maxKeys: 4 }).map((flat) => {
        const nested: Record<string, unknown> = {};
        for (const [dotted, value] of Object.entries(flat)) {
          const parts = dotted.split('.');
          let table = nested;
          // defineProperty: an own "__proto__" key, as JSON.parse and TOML parsers make it.
          const own = (t: Record<string, unknown>, k: string, v: unknown) => Object.defineProperty(t, k, { value: v, enumerable: true, writable: true, configurable: true });
          for (const part of parts.slice(0, -1)) {
            if (!Object.hasOwn(table, part)) own(table, part, {});
            table = table[part] as Record<string, unknown>;
          }
          own(table, parts[parts.length - 1]!, value);
        }
        return nested;
      }),
      fc.object({ maxDepth: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(values, async (v) => {
        await typedOrResolved('loadConfig({ values })', () => loadConfig({ values: v as Record<string, unknown> }));
        assertPrototypeClean();
      }),
      fuzzParameters(0.5),
    );
  });

  it('parseTomlValue reads one TOML value or says it is none', () => {
    fc.assert(
      fc.property(valueText, (text) => {
        typedOrResult('parseTomlValue', () => parseTomlValue(text));
      }),
      fuzzParameters(),
    );
  });
});
