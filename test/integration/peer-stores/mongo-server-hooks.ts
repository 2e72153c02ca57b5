import { MongoClient } from 'mongodb';
import { MongoUnavailableError, mongoRequired, startMongo, type StartMongoOptions, type StartedMongo } from '../../support/mongodb/server.js';

/** First use may build FerretDB from source: minutes on a cold Go cache. */
const SERVER_START_TIMEOUT_MS = 20 * 60_000;

export interface MongoFixture {
  /** The running server (valid inside tests). */
  server(): StartedMongo;
  /** A database name unique to this run; dropped in after(). */
  database(label: string): string;
}

let sequence = 0;

/**
 * Registers before/after hooks that start a MongoDB-compatible server for the
 * enclosing describe() and stop it (dropping the databases it handed out).
 * When no server can be had, the whole describe() is skipped with the reason,
 * unless TMP2P_REQUIRE_MONGODB=1 makes that a failure.
 */
export function useMongo(options: StartMongoOptions = {}): MongoFixture {
  let server: StartedMongo | undefined;
  const databases: string[] = [];
  before(async function () {
    this.timeout(SERVER_START_TIMEOUT_MS);
    try {
      server = await startMongo(options);
    } catch (error) {
      if (error instanceof MongoUnavailableError && !mongoRequired()) {
        process.stderr.write(`      (skipping MongoDB tests: ${error.message.split('\n')[0]})\n`);
        this.skip();
      }
      throw error;
    }
  });
  after(async function () {
    this.timeout(60_000);
    if (server === undefined) return;
    if (server.kind === 'external' && databases.length > 0) {
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
      try {
        for (const name of databases) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    }
    await server.stop();
  });
  return {
    server: () => server!,
    database: (label) => {
      const name = `tmp2p_${label}_${process.pid}_${++sequence}`;
      databases.push(name);
      return name;
    },
  };
}
