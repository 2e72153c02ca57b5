import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
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

  it('its links, and those of every Markdown file of the repository, lead somewhere inside it', async () => {
    const problems: string[] = [];
    for (const file of await markdownFiles(root)) {
      const text = await readFile(join(root, file), 'utf8');
      const prose = text.replace(/^```[^]*?^```$/gm, '');
      const anchors = new Set(text.split('\n').filter((line) => /^#{1,6} /.test(line)).map((line) => slug(line.replace(/^#+ /, ''))));
      for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target!.startsWith('#')) {
          if (!anchors.has(target!.slice(1))) problems.push(`${file}: link to ${target}, which no heading of it makes`);
          continue;
        }
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const path = relative(root, join(root, dirname(file), target!.split('#')[0]!));
        if (path.startsWith('..')) problems.push(`${file}: link to ${target}, outside the repository`);
        else if (!existsSync(join(root, path))) problems.push(`${file}: link to ${target}, which does not exist`);
      }
      // Paths of the repository named in the text (`test/unit/…`, `node/config/schema.ts`, …) must exist.
      for (const [, named] of text.matchAll(/`((?:test|examples|node|framework|plugins|reactors|bench|scripts|proto)\/[\w./-]*)`/g)) {
        if (!existsSync(join(root, named!)) && !existsSync(join(root, dirname(file), named!))) problems.push(`${file}: names ${named}, which does not exist`);
      }
      if (text.includes('../shared')) problems.push(`${file}: points into ../shared`);
    }
    assert.deepEqual(problems, []);
  });

  it('the quick start has its commands and a tsconfig.json that parses', () => {
    assert.match(projectBlock(blocks, 'setup').body, /^npm install tmp2p$/m);
    const tsconfig = JSON.parse(projectBlock(blocks, 'tsconfig.json').body) as { compilerOptions: Record<string, unknown> };
    assert.equal(tsconfig.compilerOptions['experimentalDecorators'], true);
    assert.equal(tsconfig.compilerOptions['declaration'], true);
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Every Markdown file of the repository (not dependencies, build output or caches), relative to `dir`. */
async function markdownFiles(dir: string, under = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(dir, under), { withFileTypes: true })) {
    const path = join(under, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', '.git', '.cache'].includes(entry.name)) found.push(...(await markdownFiles(dir, path)));
    } else if (entry.name.endsWith('.md')) {
      found.push(path);
    }
  }
  return found;
}
