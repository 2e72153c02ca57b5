import { sendTx } from 'tmp2p';

// node dist/send-tx.js <id>@<host>:<port> <chain id> [tx]: hands one transaction to a CometBFT node.
const [peer, network, tx = 'key=value'] = process.argv.slice(2);
if (peer === undefined || network === undefined) throw new Error('usage: node dist/send-tx.js <id>@<host>:<port> <chain id> [tx]');

try {
  const { hash } = await sendTx({ peer, network, tx, timeoutMs: 30_000 }, { signal: AbortSignal.timeout(60_000) });
  console.log(`tx ${hash} delivered`);
} catch (error) {
  // SendTxTimeoutError (with its phase), SendTxPeerError, TxNotDeliveredError, AbortError …
  console.error(`${(error as Error).name}: ${(error as Error).message}`);
  process.exitCode = 1;
}
