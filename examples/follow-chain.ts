import { follow } from 'tmp2p';

// node dist/follow-chain.js <id>@<host>:<port> <chain id> [from]: prints every verified block of a CometBFT chain.
const [peer, network, from] = process.argv.slice(2);
if (peer === undefined || network === undefined) throw new Error('usage: node dist/follow-chain.js <id>@<host>:<port> <chain id> [from]');

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
try {
  for await (const block of follow({ peer, network, from: from === undefined ? undefined : Number(from) }, { signal: stop.signal })) {
    console.log(`${block.height} ${block.hash} ${block.txs.length} txs ${block.time}`);
  }
} catch (error) {
  const { name, message } = error as Error;
  // BlockVerificationError (with .reason and .height), FollowPeerError, FollowTimeoutError, BlockUnavailableError …
  if (name !== 'AbortError') {
    console.error(`${name}: ${message}`);
    process.exitCode = 1;
  }
}
