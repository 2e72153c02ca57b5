import { setTimeout as sleep } from 'node:timers/promises';
import { createNode } from 'tmp2p';
import { MyEcho } from './declare-reactor.js';

// node dist/run-nodes.js [config file] [seconds]: two nodes over TCP, until the time is up or Ctrl-C.
const [configFile = 'config.toml', seconds = '10'] = process.argv.slice(2);

const first = await createNode({ file: configFile }, { reactors: [MyEcho] });
const second = await createNode(
  { file: configFile, values: { moniker: 'second', p2p: { persistent_peers: first.addresses().join(',') } } },
  { reactors: [MyEcho] },
);

const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());
await sleep(Number(seconds) * 1000, undefined, { signal: interrupted.signal }).catch(() => {});

for (const node of [first, second]) {
  const { pingsReceived, pongsReceived } = node.reactor(MyEcho);
  console.log(`${node.config.moniker}: ${node.peers().length} peer(s), ${pingsReceived} pings and ${pongsReceived} pongs received`);
}
await second.stop();
await first.stop();
