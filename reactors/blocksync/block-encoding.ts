import type { tendermint } from '../../proto/gen/messages.js';
import { encodeCommit, encodeData, encodeHeader } from './canonical-encoding.js';
import { encodeEvidence } from './evidence-encoding.js';
import { encodeWith } from './proto-writer.js';

/**
 * `tendermint.types.Block` as CometBFT serialises it before cutting it into
 * parts: header, data and evidence list always written (non-nullable),
 * last_commit when present.
 */
export function encodeBlock(b: tendermint.types.Block.$Properties): Uint8Array {
  return encodeWith((w) => {
    w.message(1, encodeHeader(b.header)).message(2, encodeData(b.data));
    w.message(
      3,
      encodeWith((list) => {
        for (const ev of b.evidence?.evidence ?? []) list.message(1, encodeEvidence(ev));
      }),
    );
    if (b.lastCommit !== null && b.lastCommit !== undefined) w.message(4, encodeCommit(b.lastCommit));
  });
}
