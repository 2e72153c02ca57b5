import { setTimeout as sleep } from 'node:timers/promises';
import { createNode } from 'tmp2p';
import { BlocksyncReactor, ConsensusStateReactor, MEMPOOL_CHANNEL_ID, MempoolReactor } from 'tmp2p/reactors';

// node dist/mempool-watch.js <id>@<host>:<port> <chain id> [seconds]: sends a CometBFT node one
// transaction and prints the transactions peers gossip, until the time is up.
const [peer, network, seconds = '30'] = process.argv.slice(2);
if (peer === undefined || network === undefined) throw new Error('usage: node dist/mempool-watch.js <id>@<host>:<port> <chain id> [seconds]');

// CometBFT gossips a tx only to peers that announce a height: blocksync learns it from the peer and
// the consensus-state listener announces it. Without them this node could send, but never receive.
const node = await createNode(
  { values: { network, log_level: 'warn', p2p: { laddr: 'tcp://127.0.0.1:0', persistent_peers: peer } } },
  { reactors: [MempoolReactor, BlocksyncReactor, ConsensusStateReactor] },
);
const mempool = node.reactor(MempoolReactor);
mempool.txs$.subscribe(({ tx, hash, peer: from }) => console.log(`tx ${hash} from ${from}: ${new TextDecoder().decode(tx)}`));
node.peerUpdates$.subscribe((update) => {
  if (update.status !== 'up' || !update.channels.has(MEMPOOL_CHANNEL_ID)) return;
  const { hash, sentTo } = mempool.broadcast(new TextEncoder().encode(`watch=${Date.now()}`));
  console.log(`sent tx ${hash} to ${sentTo.join(', ')}`);
});

await sleep(Number(seconds) * 1000);
console.log(`${mempool.stats.newTxs} txs received, ${mempool.stats.duplicates} duplicates`);
await node.stop();
