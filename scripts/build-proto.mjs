// Generates static protobufjs code (ESM + .d.ts) for every .proto under proto/.
// Output goes to proto/gen (imported by TypeScript) and is copied to dist/proto/gen. Skipped when the
// generated files are newer than every .proto and this script.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protoDir = join(root, 'proto');
const genDir = join(protoDir, 'gen');

function protoFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (p === genDir) return [];
    if (statSync(p).isDirectory()) return protoFiles(p);
    return name.endsWith('.proto') ? [relative(protoDir, p)] : [];
  });
}

const files = protoFiles(protoDir).sort();
const newest = Math.max(...files.map((f) => statSync(join(protoDir, f)).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
const outJs = join(genDir, 'messages.js');
const outDts = join(genDir, 'messages.d.ts');
const upToDate = existsSync(outJs) && existsSync(outDts) && statSync(outDts).mtimeMs >= newest;

if (!upToDate) {
  process.stderr.write('tmp2p build: generating protobuf code from proto/**/*.proto…\n');
  mkdirSync(genDir, { recursive: true });
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'es6', '--es6', '--force-number', '--no-verify', '--no-delimited', '--no-service', '-p', protoDir, '-o', outJs, ...files.map((f) => join(protoDir, f))], { cwd: protoDir, stdio: 'inherit' });
  // Node's ESM resolver needs the explicit file extension. Our 64-bit fields (protocol versions,
  // microsecond timestamps) stay below 2^53, so they decode to plain numbers rather than Long objects.
  const js = readFileSync(outJs, 'utf8').replace(/from "protobufjs\/minimal"/g, 'from "protobufjs/minimal.js"');
  writeFileSync(
    outJs,
    js.replace(
      'import $protobuf from "protobufjs/minimal.js";',
      'import $protobuf from "protobufjs/minimal.js";\n$protobuf.util.Long = undefined;\n$protobuf.configure();',
    ),
  );
  execFileSync(bin('pbts'), ['--no-comments', '-o', outDts, outJs], { stdio: 'inherit' });
  writeFileSync(outDts, readFileSync(outDts, 'utf8').replace(/from "protobufjs"/g, 'from "protobufjs/minimal.js"'));
}
const distGen = join(root, 'dist', 'proto', 'gen');
mkdirSync(distGen, { recursive: true });
copyFileSync(outJs, join(distGen, 'messages.js'));
copyFileSync(outDts, join(distGen, 'messages.d.ts'));
