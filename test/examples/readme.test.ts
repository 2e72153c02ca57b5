import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { exampleText, projectBlock, readmeBlocks, type ReadmeBlock } from '../support/readme.js';

// The repository root, from dist/test/examples (npm test) or test/examples (tsx).
const root = ['../../..', '../..'].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((dir) => existsSync(`${dir}/examples`))!;

describe('README examples are the files of examples/', () => {
  let readme: string;
  let blocks: ReadmeBlock[];
  before(async () => {
    readme = await readFile(`${root}/README.md`, 'utf8');
    blocks = readmeBlocks(readme);
  });

  it('each block marked <!-- example: … --> is its file (or region), character for character', async () => {
    const examples = blocks.filter((b) => b.marker?.kind === 'example');
    assert.ok(examples.length >= 8, `only ${examples.length} example blocks found`);
    for (const block of examples) {
      const expected = await exampleText(root, block.marker!.target);
      assert.equal(block.body, expected, `README.md line ${block.line} differs from ${block.marker!.target}: copy the file into the block (or the block into the file)`);
    }
  });

  it('every TypeScript block that is a module (it imports) is marked as an example', () => {
    const unmarked = blocks.filter((b) => b.lang === 'ts' && /^import /m.test(b.body) && b.marker?.kind !== 'example');
    assert.deepEqual(unmarked.map((b) => `README.md line ${b.line}`), [], 'put the code in examples/ and mark the block <!-- example: examples/<file> -->');
  });

  it('README.md names every file of examples/', async () => {
    const files = (await readdir(`${root}/examples`)).sort();
    assert.deepEqual(files.filter((f) => !readme.includes(`examples/${f}`)), []);
  });

  it('its tables of config keys give the defaults of config/default.toml', async () => {
    const defaults = parseToml(await readFile(`${root}/config/default.toml`, 'utf8'));
    const cells = (line: string) => line.split('|').slice(1, -1).map((cell) => cell.trim());
    const checked: string[] = [];
    let table: string | undefined; // "" for a `| key | default |` table, "reactors.x." under `| [reactors.x] | default |`
    for (const line of readme.split('\n')) {
      if (!line.startsWith('|')) {
        table = undefined;
        continue;
      }
      const [first, second] = cells(line);
      if (second === 'default' && (first === 'key' || /^`\[[\w.-]+\]`$/.test(first!))) {
        table = first === 'key' ? '' : `${first!.slice(2, -2)}.`;
        continue;
      }
      const key = /^`([\w.-]+)`$/.exec(first ?? '')?.[1];
      if (table === undefined || key === undefined) continue;
      const path = `${table}${key}`;
      const value = path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], defaults);
      assert.notEqual(value, undefined, `README.md names ${path}, which config/default.toml does not have`);
      assert.equal(second!.replace(/`/g, ''), JSON.stringify(value), `README.md gives ${path} the default ${second}`);
      checked.push(path);
    }
    assert.ok(checked.length >= 15, `only ${checked.length} keys found in tables: ${checked.join(', ')}`);
  });

  it('the quick start has its commands and a tsconfig.json that parses', () => {
    assert.match(projectBlock(blocks, 'setup').body, /^npm install tmp2p$/m);
    const tsconfig = JSON.parse(projectBlock(blocks, 'tsconfig.json').body) as { compilerOptions: Record<string, unknown> };
    assert.equal(tsconfig.compilerOptions['experimentalDecorators'], true);
    assert.equal(tsconfig.compilerOptions['declaration'], true);
  });
});
