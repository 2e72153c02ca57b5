import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A fenced code block of README.md, with the HTML comment marking it on the
 * line above, if any: `<!-- example: examples/x.ts -->` (the block is that
 * file), `<!-- example: examples/x.ts#name -->` (the lines between
 * `// #region name` and `// #endregion name` of that file), or
 * `<!-- project: name -->` (a file or commands of a new project).
 */
export interface ReadmeBlock {
  readonly lang: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly marker?: { readonly kind: string; readonly target: string };
}

const MARKER = /^<!--\s*([a-z-]+):\s*(\S+)\s*-->$/;
const FENCE = /^```(\S*)\s*$/;

export function readmeBlocks(text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((line, j) => j > i && line === '```');
    if (end < 0) throw new Error(`README.md line ${i + 1}: code block never closed`);
    const above = MARKER.exec(lines[i - 1] ?? '');
    blocks.push({
      lang: open[1]!,
      body: lines.slice(i + 1, end).join('\n'),
      line: i + 1,
      ...(above ? { marker: { kind: above[1]!, target: above[2]! } } : {}),
    });
    i = end;
  }
  return blocks;
}

/** The block of a `<!-- project: name -->` marker; throws when README.md has none or several. */
export function projectBlock(blocks: readonly ReadmeBlock[], name: string): ReadmeBlock {
  const found = blocks.filter((b) => b.marker?.kind === 'project' && b.marker.target === name);
  if (found.length !== 1) throw new Error(`README.md needs exactly one block marked <!-- project: ${name} --> (found ${found.length})`);
  return found[0]!;
}

/** What an example marker's block must be: the whole file (without its final newline) or one region of it. */
export async function exampleText(root: string, target: string): Promise<string> {
  const [path, region] = target.split('#') as [string, string | undefined];
  const text = (await readFile(join(root, path), 'utf8')).replace(/\n$/, '');
  if (region === undefined) return text;
  const lines = text.split('\n');
  const is = (tag: string) => (line: string) => new RegExp(`^\\s*(//|#)\\s*#${tag} ${region}\\s*$`).test(line);
  const start = lines.findIndex(is('region'));
  const end = lines.findIndex(is('endregion'));
  if (start < 0 || end < start) throw new Error(`${path} has no region "${region}" (// #region ${region} … // #endregion ${region})`);
  return lines.slice(start + 1, end).join('\n');
}
