import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import type { Node } from '../../../node/node.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { NodeKey } from '../../../framework/identity/node-key.js';
import { MempoolReactor, type ReceivedTx } from '../../../reactors/mempool/mempool-reactor.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { txHash } from '../../../reactors/mempool/tx-hash.js';
import { sendTx, type BlockFollower, type FollowedBlockSummary } from '../../../node/send-tx/send-tx.js';
import { SendTxOptionsError, SendTxPeerError, SendTxTimeoutError } from '../../../node/send-tx/errors.js';
import { tmp2p } from '../../support/cli.js';
import { rejectsWith as rejectsWithType } from '../../support/rejects-with.js';

async function rejectsWith<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E, message?: RegExp): Promise<E> {
  const error = await rejectsWithType(promise, type);
  if (message) assert.match(error.message, message);
  return error;
}

/*
 * `sendTx` and `tmp2p send-tx` against a tmp2p node over loopback TCP (the
 * interop suite does the same against CometBFT): the tx arrives on the
 * receiving node's mempool, from the sender's node.
 */

const NETWORK = 'send-tx-test';
const TCP = { network: NETWORK, p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' } };

function peerAddress(node: Node): string {
  const endpoint = node.router.endpoints()[0]!;
  return `${node.nodeId}@127.0.0.1:${endpoint.port}`;
}

function received(node: Node): ReceivedTx[] {
  const txs: ReceivedTx[] = [];
  node.reactor(MempoolReactor).txs$.subscribe((r) => txs.push(r));
  return txs;
}

/**
 * A follower over the receiving node's own mempool: every tx it has seen
 * becomes a "block" one height higher. It stands in for blocksync to pin
 * the contract `wait` relies on: follow before sending, match the tx, report
 * the block.
 */
function mempoolFollower(target: Node): BlockFollower {
  return {
    reactors: [],
    async *blocks(_node: Node, _peer: NodeID, signal: AbortSignal): AsyncIterable<FollowedBlockSummary> {
      let height = 10;
      const queue: ReceivedTx[] = [];
      let wake: (() => void) | undefined;
      const sub = target.reactor(MempoolReactor).txs$.subscribe((r) => {
        queue.push(r);
        wake?.();
      });
      try {
        while (!signal.aborted) {
          const next = queue.shift();
          if (next === undefined) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              signal.addEventListener('abort', () => resolve(), { once: true });
            });
            continue;
          }
          height++;
          yield { height, hash: `BLOCK${height}`, txs: [next.tx] };
        }
      } finally {
        sub.unsubscribe();
      }
    },
  };
}

describe('send-tx against a tmp2p node over TCP', function () {
  this.timeout(60_000);
  let net: TestNetwork;
  let target: Node;

  before(async () => {
    net = await createTestNetwork({ nodes: 1, reactors: [MempoolReactor], config: TCP });
    target = net.node(0);
  });
  after(async () => {
    await net?.stop();
  });

  it('sendTx delivers the tx: the peer emits it from the sender, and the result names its CometBFT hash', async () => {
    const txs = received(target);
    const result = await sendTx({ peer: peerAddress(target), network: NETWORK, tx: 'lib=1', timeoutMs: 20_000 });
    assert.equal(result.hash, txHash(new TextEncoder().encode('lib=1')));
    assert.equal(result.peer, target.nodeId);
    assert.equal(result.block, undefined);
    // Delivery is confirmed by the peer's pong after the tx: by then its handler has run.
    assert.deepEqual(txs.map((r) => new TextDecoder().decode(r.tx)), ['lib=1']);
    assert.notEqual(txs[0]!.peer, target.nodeId);
  });

  it('with wait, follows before sending and reports the first block that contains the tx', async () => {
    const result = await sendTx({ peer: peerAddress(target), network: NETWORK, tx: 'wait=1', wait: true, follower: mempoolFollower(target), timeoutMs: 20_000 });
    assert.ok(result.block !== undefined);
    assert.match(result.block.hash, /^BLOCK\d+$/);
  });

  it('times out in the commit phase with SendTxTimeoutError when no block takes the tx', async () => {
    const never: BlockFollower = {
      reactors: [],
      async *blocks(_n, _p, signal) {
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    };
    const error = await rejectsWith(sendTx({ peer: peerAddress(target), network: NETWORK, tx: 'never=1', wait: true, follower: never, timeoutMs: 3_000 }), SendTxTimeoutError);
    assert.equal(error.phase, 'commit');
  });

  it('fails fast with SendTxPeerError when the peer is on another network', async () => {
    const error = await rejectsWith(sendTx({ peer: peerAddress(target), network: 'another-chain', tx: 'x=1', timeoutMs: 20_000 }), SendTxPeerError);
    assert.match(error.message, /another-chain|network/);
  });

  it('fails fast with SendTxPeerError when the peer has no mempool channel (nor any other channel in common)', async () => {
    const other = await createTestNetwork({ nodes: 1, reactors: [EchoReactor], config: TCP });
    try {
      await rejectsWith(sendTx({ peer: peerAddress(other.node(0)), network: NETWORK, tx: 'x=1', timeoutMs: 20_000 }), SendTxPeerError, /shares no channel with us: ours \[0x30\]/);
    } finally {
      await other.stop();
    }
  });

  it('times out in the connect phase when nobody answers at the address', async () => {
    const nobody = `${NodeKey.generate().nodeId}@127.0.0.1:1`;
    const error = await rejectsWith(sendTx({ peer: nobody, network: NETWORK, tx: 'x=1', timeoutMs: 1_500 }), SendTxTimeoutError, /1500 ms waiting for connecting/);
    assert.equal(error.phase, 'connect');
  });

  it('refuses bad options before connecting', async () => {
    await rejectsWith(sendTx({ peer: 'host:26656', network: NETWORK, tx: 'x=1' }), SendTxOptionsError, /ID@HOST:PORT/);
    await rejectsWith(sendTx({ peer: peerAddress(target), network: '', tx: 'x=1' }), SendTxOptionsError, /network/);
    await rejectsWith(sendTx({ peer: peerAddress(target), network: NETWORK, tx: '' }), SendTxOptionsError, /1 to 1048576 bytes/);
  });

  it('tmp2p send-tx prints the hash and the peer; --json as one object; a failure as one line with its name, exit 1', async () => {
    const txs = received(target);
    const text = await tmp2p(['send-tx', '--peer', peerAddress(target), '--network', NETWORK, 'cli=1']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, `tx ${txHash(new TextEncoder().encode('cli=1'))} delivered to ${target.nodeId}\n`);
    const json = await tmp2p(['send-tx', '--peer', peerAddress(target), '--network', NETWORK, '--json', '--hex', '636c693d32']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { hash: txHash(new TextEncoder().encode('cli=2')), peer: target.nodeId });
    assert.deepEqual(txs.map((r) => new TextDecoder().decode(r.tx)), ['cli=1', 'cli=2']);
    const failed = await tmp2p(['send-tx', '--peer', `${NodeKey.generate().nodeId}@127.0.0.1:1`, '--network', NETWORK, '--timeout', '1', 'x=1']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^tmp2p: SendTxTimeoutError: timed out after 1000 ms waiting for connecting/m);
  });
});
