import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ENTRY = fileURLToPath(new URL('../../../node/index.js', import.meta.url));
const PLUGINS_ENTRY = fileURLToPath(new URL('../../../plugins/index.js', import.meta.url));

/** A resolve hook that writes every module URL the child loads to stderr, one per line. */
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  writeSync(2, 'loaded ' + result.url + '\\n');
  return result;
}`)}`;

/** Runs `body` (an async function body with `tmp2p` in scope) in a fresh Node process; returns every module it loaded. */
async function modulesLoadedBy(body: string, entry = ENTRY): Promise<string[]> {
  const script = `
    import { register } from 'node:module';
    register(${JSON.stringify(HOOK)});
    const tmp2p = await import(${JSON.stringify(entry)});
    ${body}
    // require() (how native addons load) does not pass through the resolve hook: list CommonJS modules too.
    const { createRequire } = await import('node:module');
    for (const file of Object.keys(createRequire(import.meta.url).cache)) process.stderr.write('loaded file://' + file + '\\n');
  `;
  const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
  return stderr.split('\n').filter((l) => l.startsWith('loaded ')).map((l) => l.slice('loaded '.length));
}

const NATIVE_OR_HEAVY = /\/node_modules\/(mongodb|classic-level|libsodium|sodium-native)\/|\.node$/;

describe("built-in plugins load lazily: what a node's configuration does not name is never imported", function () {
  this.timeout(60_000);
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'tmp2p-lazy-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("import 'tmp2p' loads no plugin, no reactor, no MongoDB driver and no native module", async () => {
    const loaded = await modulesLoadedBy('');
    assert.ok(loaded.some((url) => url.endsWith('/node/index.js')), 'the hook saw the entry itself');
    assert.deepEqual(loaded.filter((url) => NATIVE_OR_HEAVY.test(url) || /\/dist\/(plugins|reactors)\//.test(url)), []);
  });

  it("import 'tmp2p/plugins' loads every built-in plugin's module but neither the MongoDB driver nor LevelDB (they load when a store first opens)", async () => {
    const loaded = await modulesLoadedBy('', PLUGINS_ENTRY);
    assert.ok(loaded.some((url) => /peer-stores\/mongodb\/mongo-peer-store\.js$/.test(url)), 'the MongoDB store class itself is there to extend');
    assert.ok(loaded.some((url) => /peer-stores\/leveldb\.js$/.test(url)));
    assert.deepEqual(loaded.filter((url) => /\/node_modules\/(mongodb|classic-level)\//.test(url)), []);
  });

  it('a node with the memory store and transport loads neither the MongoDB driver nor LevelDB', async () => {
    const loaded = await modulesLoadedBy(`
      const node = await tmp2p.createNode({ values: { p2p: { laddr: 'memory', transports: ['memory'], peer_store: 'memory' } } }, { logger: tmp2p.silentLogger() });
      await node.stop();
    `);
    assert.ok(loaded.some((url) => url.includes('/plugins/transports/memory/')), 'the memory transport it names was loaded');
    assert.ok(loaded.some((url) => url.includes('/reactors/pex/')), 'the PEX reactor it enables by default was loaded');
    assert.deepEqual(loaded.filter((url) => /\/node_modules\/(mongodb|classic-level)\//.test(url) || /peer-stores\/(leveldb|mongodb)/.test(url)), []);
  });

  it('a node whose config names the leveldb store loads LevelDB (and still not MongoDB)', async () => {
    const loaded = await modulesLoadedBy(`
      const node = await tmp2p.createNode(
        { values: { p2p: { laddr: 'memory', transports: ['memory'], peer_store: 'leveldb', peer_store_path: ${JSON.stringify(join(home, 'peers'))} } } },
        { logger: tmp2p.silentLogger() },
      );
      await node.stop();
    `);
    assert.ok(loaded.some((url) => url.includes('/node_modules/classic-level/')));
    assert.deepEqual(loaded.filter((url) => url.includes('/node_modules/mongodb/')), []);
  });
});
