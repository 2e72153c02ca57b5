import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { MongoServerStartError, MongoUnavailableError } from './errors.js';

/** Host mongodb-memory-server downloads mongod from (unless MONGOMS_DOWNLOAD_URL/MIRROR say otherwise). */
const DOWNLOAD_HOST = 'fastdl.mongodb.org';
/** Budget of the "can we download at all?" probe, so an offline machine moves on quickly. */
const PROBE_TIMEOUT_MS = 3000;

export interface MemoryServerHandle {
  readonly uri: string;
  suspend(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts mongod through mongodb-memory-server, but only when that cannot
 * hang: a mongod is already on disk (MONGOMS_SYSTEM_BINARY or its cache), or
 * the download host answers within a few seconds. Throws MongoUnavailableError
 * (with the reason) otherwise.
 */
export async function tryMemoryServer(): Promise<MemoryServerHandle> {
  let mms: typeof import('mongodb-memory-server');
  try {
    mms = await import('mongodb-memory-server');
  } catch (cause) {
    throw new MongoUnavailableError(`mongodb-memory-server is not installed: ${(cause as Error).message}`, { cause });
  }
  const { MongoMemoryServer, DryMongoBinary } = (mms as unknown as { default?: typeof mms }).default ?? mms;
  const located = await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions({})).catch(() => undefined);
  if (located === undefined && !process.env.MONGOMS_DOWNLOAD_URL && !process.env.MONGOMS_DOWNLOAD_MIRROR) {
    const problem = await downloadHostProblem();
    if (problem !== undefined) throw new MongoUnavailableError(`mongodb-memory-server has no mongod on disk and cannot download one: ${problem}`);
  }
  let server: InstanceType<typeof MongoMemoryServer>;
  try {
    server = await MongoMemoryServer.create();
  } catch (cause) {
    throw new MongoUnavailableError(`mongodb-memory-server could not start mongod: ${(cause as Error).message}`, { cause });
  }
  return {
    uri: server.getUri(),
    suspend: async () => {
      await server.stop({ doCleanup: false });
    },
    resume: async () => {
      try {
        await server.start(true);
      } catch (cause) {
        throw new MongoServerStartError(`mongodb-memory-server could not restart mongod: ${(cause as Error).message}`, { cause });
      }
    },
    stop: async () => {
      await server.stop({ doCleanup: true, force: true });
    },
  };
}

/** Why the download host is out of reach (DNS or TCP within PROBE_TIMEOUT_MS), or undefined when it answers. */
async function downloadHostProblem(): Promise<string | undefined> {
  let address: string;
  try {
    address = (await withTimeout(lookup(DOWNLOAD_HOST), PROBE_TIMEOUT_MS, `DNS lookup of ${DOWNLOAD_HOST} timed out`)).address;
  } catch (error) {
    return `${DOWNLOAD_HOST} does not resolve (${(error as Error).message})`;
  }
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: address, port: 443 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  return reachable ? undefined : `${DOWNLOAD_HOST} (${address}) is not reachable on port 443`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
