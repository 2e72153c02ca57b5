import assert from 'node:assert/strict';
import { MIN_REQUEST_INTERVAL_MS, PexPeerState } from '../../../../reactors/pex/peer-state.js';
import { nid } from './helpers.js';

const state = (hasPex = true) => new PexPeerState(nid(1), 'outbound', hasPex, undefined, false);

describe('PEX per-peer pacing', () => {
  describe('incoming requests (CometBFT receiveRequest)', () => {
    it('lets the first two through back to back, then requires 10 s after the previous one', () => {
      const s = state();
      assert.deepEqual(s.checkRequest(0), { ok: true });
      assert.deepEqual(s.checkRequest(1), { ok: true });
      assert.deepEqual(s.checkRequest(2), { ok: false, sinceLastMs: 1 });
    });

    it('measures from the second request, not the first', () => {
      const s = state();
      s.checkRequest(0);
      s.checkRequest(5_000);
      assert.equal(s.checkRequest(5_000 + MIN_REQUEST_INTERVAL_MS - 1).ok, false);
    });

    it('accepts requests exactly 10 s apart indefinitely', () => {
      const s = state();
      let t = 0;
      s.checkRequest(t);
      s.checkRequest(t);
      for (let i = 0; i < 5; i++) {
        t += MIN_REQUEST_INTERVAL_MS;
        assert.equal(s.checkRequest(t).ok, true, `request ${i + 3}`);
      }
    });
  });

  describe('outgoing requests', () => {
    it('allows one outstanding request at a time', () => {
      const s = state();
      assert.equal(s.canRequest(0), true);
      s.requested(0);
      assert.equal(s.canRequest(60_000), false, 'still outstanding a minute later');
    });

    it('waits 10 s after the answer before asking again', () => {
      const s = state();
      s.requested(0);
      assert.equal(s.answered(3_000), true);
      assert.equal(s.canRequest(3_000 + MIN_REQUEST_INTERVAL_MS - 1), false);
      assert.equal(s.canRequest(3_000 + MIN_REQUEST_INTERVAL_MS), true);
    });

    it('reports an answer without a request as unsolicited, and the second answer to one request too', () => {
      const s = state();
      assert.equal(s.answered(0), false);
      s.requested(1);
      assert.equal(s.answered(2), true);
      assert.equal(s.answered(3), false);
      assert.equal(s.responses, 1);
    });

    it('never asks a peer without the PEX channel', () => {
      assert.equal(state(false).canRequest(0), false);
    });
  });
});
