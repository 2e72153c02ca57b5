import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installOffline, type PackedTarball } from '../support/package/offline-install.js';
import { projectBlock, readmeBlocks } from '../support/readme.js';

const exec = promisify(execFile);
// The repository root, from dist/test/package (npm test) or test/package (tsx).
const root = ['../../..', '../..'].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((dir) => existsSync(join(dir, 'examples')))!;

/** The environment of the npm commands: none of the npm_* variables of the `npm test` that may be running us, but its cache. */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') || keep.has(key)));
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (bounded by `timeout`), never rejecting: the test reads code and output. */
async function run(command: string, args: readonly string[], options: { cwd: string; timeout?: number }): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(command, args, { cwd: options.cwd, env: npmEnv(), timeout: options.timeout ?? 120_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : null, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
  }
}

/** A run's outcome for a failure message; each output line is prefixed so that a child mocha's "N passing" is not taken for ours. */
const shown = (r: Run) => {
  const quote = (text: string) => text.replace(/^/gm, '  | ');
  return `exit ${r.code}\n--- stdout\n${quote(r.stdout)}\n--- stderr\n${quote(r.stderr)}`;
};

/**
 * What a new user gets: `npm pack` of this repository, installed into an
 * empty project by the README's quick start, with its tsconfig.json. One
 * pack and one install for the whole suite.
 */
describe('the npm package, installed into a new project', function () {
  this.timeout(300_000);
  let work: string;
  let project: string;
  let tarball: PackedTarball;
  let packedFiles: string[];

  before(async function () {
    const npm = await run('npm', ['--version'], { cwd: root, timeout: 30_000 });
    if (npm.code !== 0) {
      console.warn(`\n  SKIPPED: npm does not run here, so the package cannot be packed and installed:\n${shown(npm)}\n`);
      this.skip();
    }
    work = await mkdtemp(join(tmpdir(), 'tmp2p-package-'));
    project = join(work, 'project');
    await mkdir(project);

    // --ignore-scripts: `prepack` would clean and rebuild dist/ under the running tests; `npm test` has just built it.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root });
    assert.equal(pack.code, 0, `npm pack failed: ${shown(pack)}`);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; name: string; version: string; integrity: string; files: { path: string }[] }[];
    tarball = { path: join(work, packed!.filename), name: packed!.name, version: packed!.version, integrity: packed!.integrity };
    packedFiles = packed!.files.map((f) => f.path);

    // The README's commands: `npm init`/`npm pkg` as written; each `npm install` from the npm cache (see installOffline).
    const blocks = readmeBlocks(await readFile(join(root, 'README.md'), 'utf8'));
    const dependencies: string[] = [];
    const devDependencies: string[] = [];
    for (const line of projectBlock(blocks, 'setup').body.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const [tool, command, ...rest] = line.split(/\s+/);
      assert.equal(tool, 'npm', `the README's setup runs only npm, not: ${line}`);
      if (command === 'install') {
        const dev = rest.includes('--save-dev') || rest.includes('-D');
        const names = rest.filter((word) => !word.startsWith('-'));
        (dev ? devDependencies : dependencies).push(...names);
        continue;
      }
      const step = await run('npm', [command!, ...rest], { cwd: project });
      assert.equal(step.code, 0, `${line}: ${shown(step)}`);
    }
    assert.ok(dependencies.includes('tmp2p'), 'the README installs tmp2p');
    try {
      await installOffline({
        projectDir: project,
        repoLockPath: join(root, 'package-lock.json'),
        tarball,
        dependencies: dependencies.filter((name) => name !== 'tmp2p'),
        devDependencies,
        env: npmEnv(),
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      assert.fail(`installing offline failed (ENOTCACHED: run \`npm ci\` in the repository first, which fills the npm cache): ${e.stderr || e.message}`);
    }

    // The README's tsconfig.json, and examples/ as the project's src/.
    await writeFile(join(project, 'tsconfig.json'), projectBlock(blocks, 'tsconfig.json').body);
    await cp(join(root, 'examples'), join(project, 'src'), { recursive: true });
  });

  after(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('packs compiled code, generated protobuf code, declarations, the bin, the default config, LICENSE and README, and no tests or build state', () => {
    for (const file of [
      'package.json', 'README.md', 'LICENSE', 'bin/tmp2p.js', 'config/default.toml', 'dist/node/index.js', 'dist/node/index.d.ts',
      'dist/node/testing/index.js', 'dist/plugins/index.js', 'dist/reactors/index.d.ts', 'dist/proto/gen/messages.js', 'dist/proto/gen/messages.d.ts',
    ]) {
      assert.ok(packedFiles.includes(file), `${file} is missing from the tarball`);
    }
    const stray = packedFiles.filter(
      (f) => /^dist\/(test|bench|examples|scripts)\//.test(f) || /^(test|bench|examples|scripts)\//.test(f) || (/\.ts$/.test(f) && !f.endsWith('.d.ts')) || f.endsWith('.tsbuildinfo'),
    );
    assert.deepEqual(stray, [], 'tests, benchmarks, examples, sources and the incremental build state stay out of the package');
  });

  it('its tmp2p command runs the demo', async () => {
    const demo = await run(join(project, 'node_modules', '.bin', 'tmp2p'), ['demo', '--nodes', '2', '--duration', '2', '--json'], { cwd: project });
    assert.equal(demo.code, 0, shown(demo));
    const summary = JSON.parse(demo.stdout.trim().split('\n').at(-1)!) as { nodes: number; peersUp: number; pongsReceived: number; errors: number };
    assert.equal(summary.nodes, 2);
    assert.equal(summary.peersUp, 2);
    assert.ok(summary.pongsReceived > 0, demo.stdout);
    assert.equal(summary.errors, 0);
  });

  it('log_format = "pretty" works without installing anything else', async () => {
    const bin = join(project, 'node_modules', '.bin', 'tmp2p');
    const home = join(work, 'home');
    assert.equal((await run(bin, ['init', '--home', home], { cwd: project })).code, 0);
    const node = spawn(bin, ['start', '--home', home, '--set', 'log_format=pretty', '--set', 'p2p.transports=memory', '--set', 'p2p.laddr=memory', '--set', 'status.laddr='], {
      cwd: project,
      env: npmEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => node.once('exit', resolve));
    const started = await new Promise<boolean>((resolve) => {
      node.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (/INFO.*node started/.test(stderr)) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    node.kill('SIGTERM');
    const code = await exited;
    assert.ok(started, `no pretty "node started" line:\n${stderr}`);
    assert.doesNotMatch(stderr, /^\{"level"/m, 'pretty, not JSON');
    assert.equal(code, 0, stderr);
  });

  describe('the examples, built with the README\'s tsconfig.json', () => {
    before(async function () {
      const tsc = await run(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: project, timeout: 240_000 });
      assert.equal(tsc.code, 0, `the examples do not build in a new project: ${shown(tsc)}`);
    });

    it('declare exported types through tmp2p\'s entries (declaration: true)', async () => {
      const declarations = await readFile(join(project, 'dist', 'declare-reactor.d.ts'), 'utf8');
      assert.match(declarations, /export declare const HelloChannel: import\("tmp2p"\)\.ChannelDefinition<import\("tmp2p\/proto"\)\.tmp2p\.echo\.EchoMessage/);
    });

    it('run-nodes: two nodes from config.toml exchange pings and pongs over TCP', async () => {
      const result = await run(process.execPath, ['dist/run-nodes.js', 'src/config.toml', '3'], { cwd: project });
      assert.equal(result.code, 0, shown(result));
      for (const moniker of ['first', 'second']) {
        const line = new RegExp(`^${moniker}: 1 peer\\(s\\), (\\d+) pings and (\\d+) pongs received$`, 'm').exec(result.stdout);
        assert.ok(line, `no line for ${moniker}: ${shown(result)}`);
        assert.ok(Number(line[1]) > 0 && Number(line[2]) > 0, line[0]);
      }
      assert.equal(result.stderr, '', 'nothing logged at warn or above');
    });

    it('custom-plugins: the queue policy, transport, scoring strategy and gater named by module path are the ones used', async () => {
      const result = await run(process.execPath, ['dist/custom-plugins.js', 'src/custom-plugins.toml', '3'], { cwd: project });
      assert.equal(result.code, 0, shown(result));
      const out = result.stdout;
      // node0 and node1 are in the registry and connect over the unix transport; node2 is refused by node0's gater.
      assert.match(out, /^node0 at unix:[0-9a-f]{40}: 1 peer\(s\), [1-9]\d* pings and [1-9]\d* pongs received$/m, out);
      assert.match(out, /^node1 at unix:[0-9a-f]{40}: 1 peer\(s\), [1-9]\d* pings and [1-9]\d* pongs received$/m, out);
      assert.match(out, /^node2 at unix:[0-9a-f]{40}: 0 peer\(s\)/m, out);
      const policies = [...out.matchAll(/^ {2}drop-oldest queue policy: (\d+) queues; unix transport: (\{.*\})$/gm)];
      assert.equal(policies.length, 3, out);
      assert.ok(policies.every((m) => Number(m[1]) > 0), out);
      const transports = policies.map((m) => JSON.parse(m[2]!) as { accepted: number; dialed: number });
      assert.ok(transports[0]!.accepted >= 2 && transports[1]!.dialed >= 1 && transports[2]!.dialed >= 1, out);
      assert.match(out, /^ {2}peer [0-9a-f]{8} ready, score \{"uptime":0,"persistent":0,"failures":0,"behaviour":0\}$/m, 'scores have the strategy\'s parts');
      assert.match(out, /^ {2}refused inbound: \{"registry":[1-9]\d*\}$/m, out);
      assert.equal(result.stderr, '', 'nothing logged at warn or above');
    });

    it('my-echo.test: the mocha example passes', async () => {
      const result = await run(join(project, 'node_modules', '.bin', 'mocha'), ['dist/my-echo.test.js'], { cwd: project });
      assert.equal(result.code, 0, shown(result));
      assert.match(result.stdout, /2 passing/);
    });

    it('lossy-links.test: the mocha example over slow, lossy links between virtual IPs passes', async () => {
      const result = await run(join(project, 'node_modules', '.bin', 'mocha'), ['dist/lossy-links.test.js'], { cwd: project });
      assert.equal(result.code, 0, shown(result));
      assert.match(result.stdout, /1 passing/);
    });
  });
});
