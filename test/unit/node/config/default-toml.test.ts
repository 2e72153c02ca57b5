import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../../../node/config/loader.js';
import { rawConfigSchema } from '../../../../node/config/schema.js';

type Table = Record<string, unknown>;

/** The object schema inside `schema` (through .optional()), or undefined for a leaf. */
function objectOf(schema: z.ZodType): z.ZodObject | undefined {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  return inner instanceof z.ZodObject ? inner : undefined;
}

/** Every key path the schema names explicitly ("p2p.laddr", "reactors.pex.seeds", …); tables left open for plugins' own keys end the walk. */
function schemaKeys(schema: z.ZodObject, prefix = ''): string[] {
  return Object.entries(schema.shape).flatMap(([key, field]) => {
    const table = objectOf(field as z.ZodType);
    return table === undefined ? [`${prefix}${key}`] : schemaKeys(table, `${prefix}${key}.`);
  });
}

function tomlKeys(table: Table, prefix = ''): string[] {
  return Object.entries(table).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? tomlKeys(value as Table, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

describe('config/default.toml and the config schema', () => {
  let text: string;
  let defaults: Table;
  before(async () => {
    text = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
    defaults = parseToml(text) as Table;
  });

  it('name the same keys: every default is checked at load, and every checked key has a documented default', () => {
    const inSchema = schemaKeys(rawConfigSchema).sort();
    const inFile = tomlKeys(defaults).sort();
    assert.deepEqual(inFile.filter((key) => !inSchema.includes(key)), [], 'keys of config/default.toml the schema does not know');
    assert.deepEqual(inSchema.filter((key) => !inFile.includes(key)), [], 'keys of the schema without a default in config/default.toml');
  });

  it('the defaults pass the schema', () => {
    const result = rawConfigSchema.safeParse(defaults);
    assert.ok(result.success, JSON.stringify(result.error?.issues));
    return loadConfig();
  });

  it('documents every key: each key line follows a comment, directly or after the keys it shares it with', () => {
    const undocumented: string[] = [];
    let section = '';
    let documented = false;
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) documented = true;
      else if (line.trim() === '') documented = false;
      else if (line.startsWith('[')) {
        section = line;
        documented = false;
      } else if (!documented) undocumented.push(`${section} ${line}`);
    }
    assert.deepEqual(undocumented, []);
  });
});
