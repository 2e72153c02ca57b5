import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { loadConfig } from '../../node/config/loader.js';
import { NON_CONFIG_ENV_VARS } from '../../node/config/overrides.js';
import { buildProgram } from '../../node/cli/program.js';
import type { Command, Option } from 'commander';
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

  it('every TOML block loads as a node\'s config', async () => {
    const tomls = blocks.filter((b) => b.lang === 'toml');
    assert.ok(tomls.length >= 4, `only ${tomls.length} TOML blocks found`);
    for (const block of tomls) {
      await loadConfig({ toml: block.body }).catch((error: Error) => assert.fail(`README.md line ${block.line}: ${error.message}`));
    }
  });

  it('every tmp2p command line it shows names a command and flags that command has', () => {
    const program = buildProgram();
    const lines = blocks
      .filter((b) => b.lang === 'sh')
      .flatMap((b) => b.body.replace(/\\\n\s*/g, ' ').split('\n'))
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line.startsWith('npx tmp2p '));
    assert.ok(lines.length >= 15, `only ${lines.length} command lines found`);
    for (const line of lines) {
      const [, , name, ...words] = line.split(/\s+/);
      const command = program.commands.find((c) => c.name() === name);
      assert.ok(command, `README.md shows "${line}": tmp2p has no command ${name}`);
      for (const flag of words.filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]!)) {
        assert.ok(command.options.some((o) => o.long === flag || o.short === flag), `README.md shows "${line}": tmp2p ${name} has no flag ${flag}`);
      }
    }
  });

  it('its tables of command options name flags of that command, with the defaults its --help shows', () => {
    const program = buildProgram();
    const commandOf: Record<string, string> = { 'Simulating a network': 'simulate', 'Crawling a network': 'crawl' };
    let command: Command | undefined;
    let checked = 0;
    for (const line of readme.split('\n')) {
      const heading = /^## (.+)$/.exec(line);
      if (heading) command = program.commands.find((c) => c.name() === commandOf[heading[1]!]);
      if (command === undefined || !line.startsWith('| `--')) continue;
      const [flagsCell, defaultCell] = line.split('|').slice(1, 3).map((cell) => cell.trim());
      const flags = [...flagsCell!.matchAll(/`(--[\w-]+)/g)].map((m) => m[1]!);
      const defaults = defaultCell!.split(/\s*[,/]\s*/).map((d) => d.replace(/`/g, ''));
      for (const [i, flag] of flags.entries()) {
        const option: Option | undefined = command.options.find((o) => o.long === flag);
        assert.ok(option, `README.md: tmp2p ${command.name()} has no flag ${flag}`);
        const expected = defaults.length === flags.length ? defaults[i] : defaults[0];
        const shown: string = option.mandatory ? 'required' : option.defaultValue === undefined || typeof option.defaultValue === 'object' ? '' : (option.defaultValueDescription ?? String(option.defaultValue)).replace(/"/g, '');
        assert.equal(expected, shown, `README.md: the default of tmp2p ${command.name()} ${flag}`);
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} options checked`);
  });

  it('names every TMP2P_* variable that is not a config key', () => {
    assert.deepEqual([...NON_CONFIG_ENV_VARS].filter((name) => !readme.includes(`\`${name}\``)), []);
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
