import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CometBFTNode, cometBFTOrSkip } from './support/cometbft.js';
import { HeldProxy } from './support/held-proxy.js';
import { pollUntil } from './support/poll.js';
import { Tmp2pInteropNode } from './support/tmp2p-node.js';

/**
 * CometBFT and tmp2p dial each other at once, and each finishes the two
 * handshakes in the opposite order: the case where both used to drop.
 *
 * CometBFT keeps the connection whose handshake it finished first and closes
 * the other; tmp2p cannot know which, so it holds its second connection as a
 * standby and routes it the moment CometBFT closes the first. Two proxies
 * order the steps without timing:
 *
 * - B, CometBFT → tmp2p: CometBFT's bytes after its ephemeral key wait in a
 *   proxy, so CometBFT finishes B (it has everything from tmp2p) while tmp2p
 *   cannot.
 * - A, tmp2p → CometBFT: tmp2p finishes it and routes it; CometBFT, already
 *   connected through B, closes it — and that close waits in the other proxy.
 * - B's held bytes go through: tmp2p finishes B while A is still routed, and
 *   holds B. Then A's close goes through: tmp2p routes B, the connection
 *   CometBFT kept, with no redial.
 */
describe('interop: simultaneous dial with CometBFT v0.38.17', function () {
  let cmt: CometBFTNode | undefined;
  let node: Tmp2pInteropNode | undefined;
  const proxies: HeldProxy[] = [];
  let logDir: string | undefined;
  let failed = false;

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async function () {
    if (failed && node) console.error(`--- tmp2p events ---${node.describeEvents()}\n--- tmp2p log tail ---\n${await node.logTail(40)}`);
    if (failed && cmt) console.error(`--- CometBFT p2p lines ---\n${(await cmt.grepLogFile(/module=p2p|module=pex|dial|peer/i)).slice(-40).join("\n")}`);
    await Promise.allSettled([...proxies.map((p) => p.close()), node?.stop(), cmt?.cleanup()]);
    if (logDir !== undefined && !failed) await rm(logDir, { recursive: true, force: true });
  });

  it('both ends end up on the same connection, the one CometBFT kept, without a redial', async function () {
    const binary = await cometBFTOrSkip(this, 'simultaneous-dial interop test');
    logDir = await mkdtemp(join(tmpdir(), 'tmp2p-simultaneous-'));
    cmt = await CometBFTNode.create({ binary, moniker: 'cometbft-simultaneous' });
    await cmt.start();
    // B waits for the test's steps with its handshake half done, and A's pings go unanswered while
    // CometBFT's close of it is held: room for both on a busy machine (A may drop no sooner than 11 s).
    node = await Tmp2pInteropNode.start({ moniker: 'tmp2p-simultaneous', network: cmt.chainId, logDir, handshakeTimeout: '60s', pingInterval: '6s', pongTimeout: '5s' });
    const cometId = cmt.nodeId;

    // Ephemeral key: uvarint length (34) + BytesValue{ value: 32 bytes } = 35 bytes.
    const towardUs = await HeldProxy.start({ targetPort: node.port, forwardFromDialer: 35 });
    const towardComet = await HeldProxy.start({ targetPort: cmt.p2pPort, holdTargetClose: true });
    proxies.push(towardUs, towardComet);

    // B: CometBFT dials us and finishes its side.
    await cmt.dialPeers([`${node.nodeId}@127.0.0.1:${towardUs.port}`], false);
    const seenByComet = await cmt.waitForPeer(node.nodeId, { timeoutMs: 30_000 });
    assert.equal(seenByComet.is_outbound, true, 'CometBFT routed the connection it dialed');
    assert.equal(node.peer(cometId), undefined, 'tmp2p has not finished B');

    // A: we dial CometBFT, finish and route it; CometBFT closes it as a duplicate, and the close waits.
    node.node.addPeer(`${cometId}@127.0.0.1:${towardComet.port}`);
    const ours = await node.waitForPeer(cometId, { timeoutMs: 30_000 });
    assert.equal(ours.direction, 'outbound');

    // B completes on our side while A is still routed: held, not refused.
    towardUs.release();
    await pollUntil(async () => (node!.node.router.metrics().duplicateConnections?.['held'] === 1 ? true : undefined), () => `B was not held; metrics ${JSON.stringify(node!.node.router.metrics().duplicateConnections)}`, { timeoutMs: 30_000, intervalMs: 20 });

    // CometBFT's close of A arrives: B takes its place at once.
    towardComet.release();
    const promoted = await pollUntil(
      async () => {
        const peer = node!.peer(cometId);
        return peer !== undefined && peer.direction === 'inbound' ? peer : undefined;
      },
      () => `B was not routed; events:${node!.describeEvents()}`,
      { timeoutMs: 30_000, intervalMs: 20 },
    );

    const upDirections = node.events.filter((e) => e.type === 'peer-up' && e.nodeId === cometId).map((e) => (e as { direction: string }).direction);
    assert.deepEqual(upDirections, ['outbound', 'inbound']);
    assert.deepEqual(node.node.router.metrics().duplicateConnections, { held: 1, promoted: 1 });
    assert.equal(towardComet.accepted, 1, 'tmp2p did not redial');
    assert.equal(towardUs.accepted, 1, 'CometBFT did not redial');

    // The connection works both ways: tmp2p's pings on it are answered by CometBFT.
    await pollUntil(async () => ((node!.connectionStats(cometId)?.mconnection?.pongsReceived ?? 0) >= 1 ? true : undefined), () => 'no pong on B', { timeoutMs: 30_000, intervalMs: 50 });
    assert.equal(node.peer(cometId), promoted, 'B is still the routed connection');
    const stillSeen = await cmt.waitForPeer(node.nodeId, { timeoutMs: 10_000 });
    assert.equal(stillSeen.is_outbound, true, 'CometBFT still has the connection it dialed');
  });
});
