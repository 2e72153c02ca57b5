import type * as MongoDriver from 'mongodb';

export type { MongoDriver };

let loaded: typeof MongoDriver | undefined;

/**
 * The MongoDB driver, imported when a MongoPeerStore first connects: it is a
 * large module tree, and importing `tmp2p/plugins` (or a node that names
 * another store) must not load it.
 */
export async function mongoDriver(): Promise<typeof MongoDriver> {
  return (loaded ??= await import('mongodb'));
}

/** The driver once a store has loaded it; errors of the driver's classes can only exist then. */
export function loadedMongoDriver(): typeof MongoDriver | undefined {
  return loaded;
}
