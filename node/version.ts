import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TIE_BREAK_SOFTWARE_PREFIX } from '../framework/router/tie-break.js';

/** package.json of this package, from the compiled (dist/node) or source (node) location. */
const packageJson = ['../../package.json', '../package.json']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as { name?: string }).name === 'tmp2p');

/** tmp2p's software version (package.json). */
export const TMP2P_VERSION: string = packageJson ? (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version : '0.0.0';

/**
 * NodeInfo.version: "tmp2p/" and the software version. The prefix tells a
 * peer that this node resolves simultaneous dials by the shared rule.
 */
export const NODE_INFO_VERSION = `${TIE_BREAK_SOFTWARE_PREFIX}${TMP2P_VERSION}`;

/** Protocol versions sent in NodeInfo; `block` must match CometBFT v0.38 chains (11) to interoperate. */
export const PROTOCOL_VERSION = { p2p: 8, block: 11, app: 0 } as const;
