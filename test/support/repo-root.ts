import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest ancestor of `start` that holds `marker` (a path relative to the
 * root). Tests run both from test/ under tsx and from dist/test/ after tsc, so depth is never fixed.
 * Returns undefined when no ancestor holds it; callers throw their own typed error.
 */
export function findAncestorWith(marker: string, start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, marker))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The repository root (the directory holding package.json and framework/). */
export function repoRoot(): string {
  const root = findAncestorWith(join('framework', 'tokens.ts'));
  if (root === undefined) throw new Error('no tmp2p repository root above this test');
  return root;
}

/** Path of an upstream test-vector file kept in test/vectors/. */
export function vectorPath(name: string): string {
  return join(repoRoot(), 'test', 'vectors', name);
}
