import type { NodeID } from '../../../framework/identity/node-id.js';

/** One thing a soak node saw of an honest peer: its connection events and the conductor's notices. */
export interface JournalEntry {
  /** Milliseconds since the epoch (one clock for every process of the run). */
  readonly at: number;
  readonly peer: NodeID;
  readonly what: string;
}

const MAX_ENTRIES = 256;

/**
 * The last MAX_ENTRIES events a node saw of its honest peers, so that a
 * disconnect the echo ledger cannot explain can be read from both ends
 * (summary.ts prints the entries around it). Bounded, and only honest peers
 * are journaled: the attackers' thousands of connections never enter it.
 */
export class PeerJournal {
  private readonly entries: JournalEntry[] = [];

  add(peer: NodeID, what: string): void {
    if (this.entries.length === MAX_ENTRIES) this.entries.shift();
    this.entries.push({ at: Date.now(), peer, what });
  }

  /** A copy of the entries, oldest first. */
  list(): JournalEntry[] {
    return [...this.entries];
  }
}
