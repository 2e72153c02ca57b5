import { MongoClient } from 'mongodb';
import { MongoServerStartError, MongoUnavailableError } from './errors.js';
import { ensureFerretDB, startFerretDB } from './ferretdb.js';
import { tryMemoryServer } from './memory-server.js';

export { MongoServerStartError, MongoUnavailableError } from './errors.js';

/** Which kind of server `startMongo` found. */
export type MongoServerKind = 'external' | 'memory-server' | 'ferretdb';

/** A MongoDB-compatible server for tests. */
export interface StartedMongo {
  /** Connection string, e.g. "mongodb://127.0.0.1:40123/". */
  readonly uri: string;
  readonly kind: MongoServerKind;
  /** What the server is, from buildInfo (a MONGODB_URI may point at either). */
  readonly flavor: 'mongodb' | 'ferretdb';
  /** Stops a server this process started (and deletes its data); a no-op for MONGODB_URI. */
  stop(): Promise<void>;
  /** Only for servers this process started: stop the process but keep its data (an outage). */
  readonly suspend?: () => Promise<void>;
  /** Start a suspended server again at the same address, with its data. */
  readonly resume?: () => Promise<void>;
}

export interface StartMongoOptions {
  /** Aborts a FerretDB build or start. */
  readonly signal?: AbortSignal;
  /** Ignore MONGODB_URI (tests that must own the server, e.g. to stop it). Default false. */
  readonly ownServer?: boolean;
}

/** Reasons the cheaper paths were not taken, remembered so later calls in this process go straight to what works. */
let memoryServerProblem: string | undefined;

/**
 * A MongoDB-compatible server, taking the first path that works:
 * 1. `MONGODB_URI` (checked with a ping; not for `ownServer`);
 * 2. mongodb-memory-server, if it has a mongod on disk or can download one
 *    (decided within seconds, never a long hang);
 * 3. FerretDB v1.24.2 built from the Go module proxy (scripts/ferretdb/
 *    install-ferretdb.sh, cached in <repo>/.cache/bin), SQLite backend, free
 *    ports, data in a temp dir.
 * `TMP2P_TEST_MONGO=memory-server|ferretdb` forces one of 2/3. Throws
 * MongoUnavailableError when none is possible (callers skip on it).
 */
export async function startMongo(options: StartMongoOptions = {}): Promise<StartedMongo> {
  const external = process.env.MONGODB_URI;
  if (external && !options.ownServer) {
    const flavor = await ping(external);
    return { uri: external, kind: 'external', flavor, stop: async () => {} };
  }
  const forced = process.env.TMP2P_TEST_MONGO;
  if (forced !== undefined && forced !== '' && forced !== 'memory-server' && forced !== 'ferretdb') {
    throw new MongoServerStartError(`TMP2P_TEST_MONGO=${forced} is not supported; use memory-server or ferretdb`);
  }
  if (forced !== 'ferretdb' && memoryServerProblem === undefined) {
    try {
      const server = await tryMemoryServer();
      return { kind: 'memory-server', flavor: 'mongodb', uri: server.uri, stop: server.stop, suspend: server.suspend, resume: server.resume };
    } catch (error) {
      if (!(error instanceof MongoUnavailableError) || forced === 'memory-server') throw error;
      memoryServerProblem = error.message;
    }
  }
  let binary: string;
  try {
    binary = await ensureFerretDB(options.signal);
  } catch (error) {
    if (!(error instanceof MongoUnavailableError)) throw error;
    throw new MongoUnavailableError(
      `no MongoDB-compatible server: MONGODB_URI is not set; ${memoryServerProblem ?? 'mongodb-memory-server was not tried'}; ${error.message}`,
      { cause: error },
    );
  }
  const server = await startFerretDB(binary, options.signal);
  await ping(server.uri).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  return { kind: 'ferretdb', flavor: 'ferretdb', uri: server.uri, stop: server.stop, suspend: server.suspend, resume: server.resume };
}

/** Whether a MongoUnavailableError should fail the run instead of skipping (CI that must exercise MongoDB). */
export function mongoRequired(): boolean {
  return process.env.TMP2P_REQUIRE_MONGODB === '1';
}

/** Pings the server and tells FerretDB (buildInfo.ferretdbVersion) from MongoDB. */
async function ping(uri: string): Promise<'mongodb' | 'ferretdb'> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.db('admin').command({ ping: 1 });
    const info = await client.db('admin').command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb';
  } catch (cause) {
    throw new MongoServerStartError(`the MongoDB server at ${uri.replace(/\/\/[^@/]*@/, '//***@')} does not answer a ping: ${(cause as Error).message}`, { cause });
  } finally {
    await client.close();
  }
}
