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
    assert.equal(ledger.pending, 1, "a's ping is written off at once");
    assert.equal(ledger.counts.lostToDisconnect, 0, 'settled when the peer comes back');
    ledger.peerUp(a, false);
    assert.equal(ledger.counts.lostToDisconnect, 1);
    assert.deepEqual(ledger.counts.disconnects, { duringRestart: 1, duplicateReplaced: 0, unexplained: 1 });
    assert.equal(ledger.counts.unexplainedDetails[0]!.reason, 'PongTimeoutError: no pong');
    assert.equal(ledger.pending, 1, "b's ping is still in flight");
  });

  it('writes off, as explained, the pings on a connection the router replaced because both ends dialed at once', () => {
    const ledger = new EchoLedger('0');
    const { send } = recorder();
    ledger.ping(a, send);
    ledger.peerDown(a, 'DuplicateConnectionError: replaced by the inbound connection');
    assert.equal(ledger.counts.lostToRestart, 1);
    assert.equal(ledger.counts.lostToDisconnect, 0);
    assert.deepEqual(ledger.counts.disconnects, { duringRestart: 0, duplicateReplaced: 1, unexplained: 0 });
  });

  it('explains a down that ends with the winner of a simultaneous dial the peer settled first, and nothing else', () => {
    const ledger = new EchoLedger('0');
    const { send } = recorder();
    ledger.ping(a, send);
    ledger.ping(b, send);
    ledger.peerDown(a, 'ConnectionClosedError: connection closed by the remote');
    ledger.peerDown(b, 'ConnectionClosedError: connection closed by the remote');
    ledger.peerUp(a, true);
    ledger.peerUp(b, false);
    assert.deepEqual(ledger.counts.disconnects, { duringRestart: 0, duplicateReplaced: 1, unexplained: 1 });
    assert.deepEqual({ restart: ledger.counts.lostToRestart, disconnect: ledger.counts.lostToDisconnect }, { restart: 1, disconnect: 1 });
    assert.equal(ledger.counts.unexplainedDetails[0]!.peer, b);

    // A down with no return, or a second down first, is unexplained.
    ledger.ping(a, send);
    ledger.peerDown(a, 'ConnectionClosedError: again');
    ledger.peerDown(a, 'ConnectionClosedError: and again');
    ledger.peerUp(a, true);
    assert.equal(ledger.counts.disconnects.unexplained, 2, 'the first of the two downs');
    assert.equal(ledger.counts.disconnects.duplicateReplaced, 2, 'the second ended in the swap');
    ledger.peerDown(b, 'ConnectionClosedError: gone');
    ledger.close();
    assert.equal(ledger.counts.disconnects.unexplained, 3, 'no return by the end');
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
