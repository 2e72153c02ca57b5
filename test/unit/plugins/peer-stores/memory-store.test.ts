import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { peerStoreCompliance } from './compliance.js';

describe('MemoryPeerStore', () => {
  peerStoreCompliance<MemoryPeerStore>(() => ({
    create: async () => new MemoryPeerStore(),
    injectCorrupt: async (store, ids) => {
      // The Map is the backend; what a buggy caller could have put there.
      const records = (store as unknown as { records: Map<string, unknown> }).records;
      const [a, b, c, d] = ids;
      records.set(a!, 'not a record');
      records.set(b!, { nodeId: b, addresses: 'none' });
      records.set(c!, { nodeId: 'xyz', addresses: [] });
      records.set(d!, null);
      return store;
    },
    loadSkipsCorrupt: false,
  }));
});
