import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** package.json of this package, from the compiled (dist/node) or source (node) location. */
const packageJson = ['../../package.json', '../package.json']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as { name?: string }).name === 'tmp2p');

/** tmp2p's software version (package.json), sent in NodeInfo.version. */
export const TMP2P_VERSION: string = packageJson ? (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version : '0.0.0';

/** Protocol versions sent in NodeInfo; `block` must match CometBFT v0.38 chains (11) to interoperate. */
export const PROTOCOL_VERSION = { p2p: 8, block: 11, app: 0 } as const;
