import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { LevelPeerStore, levelKeyOf } from '../../../../plugins/peer-stores/leveldb.js';
import type { LevelPeerStoreOptions } from '../../../../plugins/peer-stores/level-options.js';
import type { StoreHarness } from './compliance.js';
import { fullRecord, nid } from './fixtures.js';

/** Temporary directories made by these tests; `removeTempDirs` deletes them. */
const dirs: string[] = [];

export async function tempDir(prefix = 'tmp2p-level-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Writes raw key/value pairs into a closed store's database (the store holds LevelDB's lock while open). */
export async function writeRaw(path: string, entries: readonly [string, string | Buffer][]): Promise<void> {
  const db = new ClassicLevel<string, string | Buffer>(path, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  try {
    await db.batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value: Buffer.isBuffer(value) ? value : Buffer.from(value) })));
  } finally {
    await db.close();
  }
}

/** Reads a raw value from a closed store's database. */
export async function readRaw(path: string, key: string): Promise<string | undefined> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    return await db.get(key);
  } finally {
    await db.close();
  }
}

/**
 * Writes `total` peers through the real store the way a node does across a
 * restart: 95 % of them, a reopen (LevelDB then moves them from its write
 * log into a table file), the rest, which stay in the write log.
 */
export async function fillAcrossRestart(path: string, total: number): Promise<{ inTable: number; inLog: number }> {
  const first = Math.floor(total * 0.95);
  let store = new LevelPeerStore({ path });
  await store.load();
  await store.saveMany(Array.from({ length: first }, (_, i) => fullRecord(i + 1)));
  await store.close();
  store = new LevelPeerStore({ path });
  assert.equal((await store.load()).length, first);
  await store.saveMany(Array.from({ length: total - first }, (_, i) => fullRecord(100_000 + i)));
  await store.close();
  return { inTable: first, inLog: total - first };
}

/** The path of the one file in `path` whose name matches `pattern`. */
export async function fileOf(path: string, pattern: RegExp): Promise<string> {
  const name = (await readdir(path)).find((n) => pattern.test(n));
  assert.ok(name, `no file matching ${pattern} in ${path}`);
  return join(path, name);
}

/** Inverts `count` bytes of `file` starting at `fraction` of its length. */
export async function flipBytes(file: string, fraction: number, count: number): Promise<void> {
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length * fraction);
  for (let i = at; i < at + count; i++) bytes[i]! ^= 0xff;
  await writeFile(file, bytes);
}

export function levelHarness(options: Omit<LevelPeerStoreOptions, 'path'> = {}): StoreHarness<LevelPeerStore> {
  return {
    create: async () => new LevelPeerStore({ ...options, path: join(await tempDir(), 'peerstore') }),
    reopen: async (store) => new LevelPeerStore({ ...options, path: store.path }),
    injectCorrupt: async (store, ids: readonly NodeID[]) => {
      await store.close();
      const [a, b, c, d] = ids;
      await writeRaw(store.path, [
        [levelKeyOf(a!), Buffer.from([0xff, 0x00, 0x7b, 0x22])], // not JSON, not even UTF-8
        [levelKeyOf(b!), JSON.stringify({ v: 1, nodeId: b, addresses: 'none' })],
        [levelKeyOf(c!), JSON.stringify({ v: 1, nodeId: nid(0xc0ffee), addresses: [] })], // under another node's key
        [levelKeyOf(d!), JSON.stringify({ v: 2, nodeId: d, addresses: [] })], // a future format
        ['peer/not-a-node-id', JSON.stringify({ v: 1, nodeId: d, addresses: [] })],
      ]);
      return new LevelPeerStore({ ...options, path: store.path });
    },
    loadSkipsCorrupt: true,
  };
}
