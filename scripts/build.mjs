// `npm run build`: protobuf code (regenerated only when a .proto changed), then an incremental
// TypeScript build (`tsc -b`, state in dist/.tsbuildinfo): an unchanged tree costs about a second.
// One line on stderr says what happens; tsc's own output shows only when it has diagnostics.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();
const say = (line) => process.stderr.write(`tmp2p build: ${line}\n`);

await import('./build-proto.mjs');

say('compiling TypeScript (incremental)…');
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.json', '--verbose'], {
  cwd: root,
  encoding: 'utf8',
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
// --verbose says why it builds; keep that to one word and pass every other line (diagnostics) on.
const progress = /^\s*(\d{1,2}:\d\d:\d\d( [AP]M)? - |\* tsconfig\.json$)/;
const output = `${tsc.stdout ?? ''}${tsc.stderr ?? ''}`;
const diagnostics = output.split('\n').filter((line) => line.trim() !== '' && !progress.test(line));
if (diagnostics.length > 0) process.stderr.write(diagnostics.join('\n') + '\n');
if (tsc.status !== 0 || tsc.error) {
  say(`failed after ${seconds} s${tsc.error ? `: ${tsc.error.message}` : ''}`);
  process.exit(tsc.status || 1);
}
// tsc -b never deletes the output of a source that is gone: a removed test would still run from
// dist/test, and a removed module would still be packed. Drop every output without its source.
const orphans = pruneOrphans(join(root, 'dist'));
const pruned = orphans > 0 ? `, ${orphans} output file(s) of deleted sources removed` : '';
say(/is up to date because/.test(output) ? `up to date (${seconds} s${pruned})` : `built in ${seconds} s${pruned}`);

/** Removes dist/<p>.{js,js.map,d.ts} whose source <p>.ts (or, for copied files such as proto/gen, <p>.<ext>) does not exist. */
function pruneOrphans(dir) {
  let removed = 0;
  for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += pruneOrphans(path);
      continue;
    }
    const output = /^(.*?)\.(js|js\.map|d\.ts)$/.exec(entry.name);
    if (output === null) continue;
    const source = join(root, relative(join(root, 'dist'), dir), output[1]);
    if (existsSync(`${source}.ts`) || existsSync(`${source}.${output[2]}`)) continue;
    rmSync(path);
    removed++;
  }
  return removed;
}
