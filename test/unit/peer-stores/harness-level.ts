import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { LevelPeerStore, levelKeyOf, type LevelPeerStoreOptions } from '../../../plugins/peer-stores/leveldb.js';
import type { StoreHarness } from './compliance.js';
import { nid } from './fixtures.js';

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
