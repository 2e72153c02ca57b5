import { injectable } from 'inversify';
import { InvalidArgumentError, throwIfAborted } from '../../framework/errors/base.js';
import { isNodeID, type NodeID } from '../../framework/identity/node-id.js';
import type { PeerRecord, PeerStore, PeerStoreHealth } from '../../framework/peer/peer-store.js';

/**
 * Keeps peer records in a Map for the life of the process: for tests,
 * in-process networks and nodes that need no address book across restarts.
 * Records are deep-copied in both directions so neither the store nor the
 * caller can change the other's objects. `close()` keeps the records, like a
 * database that stays on disk, so a restarted PeerManager given the same
 * instance finds them again.
 */
@injectable()
export class MemoryPeerStore implements PeerStore {
  readonly name = 'memory';
  private readonly records = new Map<NodeID, PeerRecord>();

  /** Number of records held. */
  get size(): number {
    return this.records.size;
  }

  async load(signal?: AbortSignal): Promise<PeerRecord[]> {
    throwIfAborted(signal);
    return [...this.records.values()].map(copyRecord);
  }

  async save(record: PeerRecord): Promise<void> {
    if (typeof record !== 'object' || record === null || !isNodeID(record.nodeId)) {
      throw new InvalidArgumentError(`MemoryPeerStore.save expects a PeerRecord with a valid node ID, got ${JSON.stringify(record?.nodeId ?? record)}`);
    }
    this.records.set(record.nodeId, copyRecord(record));
  }

  async delete(nodeId: NodeID): Promise<void> {
    this.records.delete(nodeId);
  }

  async close(): Promise<void> {}

  health(): PeerStoreHealth {
    return { store: this.name, state: 'up', pendingWrites: 0, details: { records: this.records.size } };
  }
}

/**
 * A deep copy of a record. A PeerRecord holds primitives and an array of
 * flat address records, so copying those is deep; structuredClone (twice per
 * connection: on connect and on disconnect) cost several times more. Anything
 * of another shape goes through structuredClone.
 */
function copyRecord(record: PeerRecord): PeerRecord {
  if (typeof record !== 'object' || record === null || !Array.isArray(record.addresses)) return structuredClone(record);
  const addresses = new Array<PeerRecord['addresses'][number]>(record.addresses.length);
  for (let i = 0; i < addresses.length; i++) {
    const address = record.addresses[i];
    if (typeof address !== 'object' || address === null || Object.values(address).some((v) => typeof v === 'object' && v !== null)) return structuredClone(record);
    addresses[i] = { ...address };
  }
  for (const value of Object.values(record)) {
    if (typeof value === 'object' && value !== null && value !== record.addresses) return structuredClone(record);
  }
  return { ...record, addresses };
}
