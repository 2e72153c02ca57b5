import assert from 'node:assert/strict';
import type { SendOutcome } from '../../../framework/router/channel.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { EchoLedger } from '../../support/soak/echo-ledger.js';

const [a, b] = ['a', 'b'] as NodeID[];

/** A send that records what went out and answers with `outcome`. */
function recorder(outcome: SendOutcome = 'queued') {
  const sent: Array<{ peer: string; content: string }> = [];
  return { sent, send: (peer: string, content: string) => (sent.push({ peer, content }), outcome) };
}

describe('soak echo ledger', () => {
  it('matches each pong with its ping', () => {
    const ledger = new EchoLedger('0');
    const { sent, send } = recorder();
    ledger.ping(a, send);
    ledger.ping(b, send);
    assert.equal(ledger.pending, 2);
    ledger.answer(b, sent[1]!.content);
    ledger.answer(a, sent[0]!.content);
    assert.equal(ledger.pending, 0);
    assert.deepEqual({ sent: ledger.counts.sent, answered: ledger.counts.answered }, { sent: 2, answered: 2 });
  });

  it('counts a pong twice over, from the wrong peer or for no ping as unmatched, and ignores pongs that are not its own', () => {
    const ledger = new EchoLedger('0');
    const { sent, send } = recorder();
    ledger.ping(a, send);
    ledger.answer(b, sent[0]!.content);
    ledger.answer(a, sent[0]!.content);
    ledger.answer(a, sent[0]!.content);
    ledger.answer(a, 'soak:0:999');
    ledger.answer(a, 'hello');
    assert.equal(ledger.counts.answered, 1);
    assert.equal(ledger.counts.unmatchedPongs, 3);
  });

  it('counts pings the router did not queue by outcome, not as sent', () => {
    const ledger = new EchoLedger('0');
    ledger.ping(a, recorder('peer-queue-full').send);
    ledger.ping(a, recorder('unknown-peer').send);
    ledger.ping(a, recorder('unknown-peer').send);
    assert.equal(ledger.counts.sent, 0);
    assert.deepEqual(ledger.counts.notQueued, { 'peer-queue-full': 1, 'unknown-peer': 2 });
  });

  it('writes off the pings to a peer that went down: to its restart when announced, else as lost', () => {
    const ledger = new EchoLedger('0');
    const { send } = recorder();
    ledger.ping(a, send);
    ledger.ping(a, send);
    ledger.ping(b, send);
    ledger.peerRestarting(a);
    ledger.peerDown(a);
    assert.equal(ledger.counts.lostToRestart, 2);
    ledger.peerBack(a);
    ledger.ping(a, send);
    ledger.peerDown(a, 'PongTimeoutError: no pong');
    assert.equal(ledger.counts.lostToDisconnect, 1);
    assert.deepEqual(ledger.counts.disconnects, { duringRestart: 1, unexplained: 1 });
    assert.equal(ledger.counts.unexplainedDetails[0]!.reason, 'PongTimeoutError: no pong');
    assert.equal(ledger.pending, 1, "b's ping is still in flight");
  });

  it('writes off everything in flight at its own restart, and what is left at the end as unanswered', () => {
    const ledger = new EchoLedger('0');
    const { send } = recorder();
    ledger.ping(a, send);
    ledger.ping(b, send);
    ledger.selfRestarting();
    assert.equal(ledger.counts.lostToRestart, 2);
    ledger.ping(a, send);
    assert.equal(ledger.close(), 1);
    assert.equal(ledger.counts.unanswered, 1);
    assert.equal(ledger.pending, 0);
  });
});
