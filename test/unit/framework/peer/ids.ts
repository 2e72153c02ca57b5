import type { NodeID } from '../../../../framework/identity/node-id.js';

/** A deterministic node ID for test peer `n` (decimal digits are valid hex). */
export function nid(n: number): NodeID {
  return String(n).padStart(40, '0') as NodeID;
}

/** The ID of the node under test. */
export const SELF = nid(999_999);
