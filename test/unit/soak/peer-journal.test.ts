import assert from 'node:assert/strict';
import { PeerJournal } from '../../support/soak/peer-journal.js';
import type { NodeID } from '../../../framework/identity/node-id.js';

const A = 'a'.repeat(40) as NodeID;
const B = 'b'.repeat(40) as NodeID;

describe('soak PeerJournal', () => {
  it('keeps what it was told, oldest first, with the time it was told', () => {
    const journal = new PeerJournal();
    const before = Date.now();
    journal.add(A, 'up (outgoing)');
    journal.add(B, 'down: ConnectionClosedError: remote closed the connection');
    const entries = journal.list();
    assert.deepEqual(
      entries.map((e) => [e.peer, e.what]),
      [
        [A, 'up (outgoing)'],
        [B, 'down: ConnectionClosedError: remote closed the connection'],
      ],
    );
    assert.ok(entries.every((e) => e.at >= before && e.at <= Date.now()));
  });

  it('is bounded: the oldest entries go first', () => {
    const journal = new PeerJournal();
    for (let i = 0; i < 1000; i++) journal.add(A, `event ${i}`);
    const entries = journal.list();
    assert.equal(entries.length, 256);
    assert.equal(entries[0]!.what, 'event 744');
    assert.equal(entries[255]!.what, 'event 999');
  });

  it('hands out a copy: what a caller does to it leaves the journal alone', () => {
    const journal = new PeerJournal();
    journal.add(A, 'up (incoming)');
    journal.list().pop();
    assert.equal(journal.list().length, 1);
  });
});
