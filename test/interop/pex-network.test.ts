import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNodeID } from '../../framework/identity/node-id.js';
import { PexReactor, type PexStats } from '../../reactors/pex/pex-reactor.js';
import { cometBFTOrSkip, getFreePort, type CometBFTNode } from './support/cometbft.js';
import { CometBFTNetwork } from './support/cometbft-network.js';
import { pollUntil } from './support/poll.js';
import { Tmp2pInteropNode } from './support/tmp2p-node.js';

/**
 * PEX between tmp2p and a small CometBFT v0.38.17 network on loopback: a kvstore validator and two
 * non-validator full nodes syncing from it (persistent peer: the validator), PEX on,
 * `allow_duplicate_ip = true`, `addr_book_strict = false` (CometBFT's address book refuses
 * loopback addresses otherwise).
 *
 * 1. tmp2p → CometBFT: a tmp2p node (`explorer`) dials only the validator, learns the full nodes'
 *    addresses from its PexAddrs and dials them.
 * 2. CometBFT → tmp2p, at once: a CometBFT node (`learner`) whose only contact is a tmp2p node
 *    (`gossiper`, configured as its seed) learns the address of another tmp2p node (`hidden`)
 *    from the gossiper's PexAddrs and dials it. CometBFT's ensurePeers runs every 30 s and that
 *    period is not configurable in v0.38 (`defaultEnsurePeersPeriod`, settable only from Go tests);
 *    but addresses received from a configured seed wake it at once, so this takes seconds.
 * 3. CometBFT → tmp2p, in a running network: a full node that already has peers dials the gossiper
 *    (/dial_peers), asks it for addresses at once (CometBFT asks every new outbound peer while its
 *    book is short), and dials the hidden node on a later ensurePeers round (≤ 30 s apart).
 *
 * On failure the suite prints every tmp2p node's router events and log tail and every CometBFT
 * node's log tail, and keeps the tmp2p logs (TMP2P_KEEP_COMETBFT_HOME=1 keeps CometBFT's too).
 */

/** ≥ 10 s: CometBFT bans a peer whose third or later PexRequest comes sooner after the previous one. */
const PEX_REQUEST_INTERVAL = '12s';
/** CometBFT lines that mean it dropped or banned a peer. */
const DROPPED_OR_BANNED = /Stopping peer for error|Add address to blacklist|pong timeout/;
/** How CometBFT's logger prints a quote inside a logged message (escaped or not). */
const Q = '\\\\?"';


/** The regex of a NetAddress entry as CometBFT logs a received PexAddrs: `id:"…" ip:"…" port:N`. */
function netAddressPattern(id: string, port: number): RegExp {
  return new RegExp(`id:${Q}${id}${Q} ip:${Q}127\\.0\\.0\\.1${Q} port:${port}\\b`);
}

describe('interop: PEX with a CometBFT v0.38.17 network', function () {
  let net: CometBFTNetwork | undefined;
  let logDir: string | undefined;
  const tmp2pNodes: Tmp2pInteropNode[] = [];
  let anyFailed = false;
  /** Started by check 2, reused by check 3. */
  let gossiper: Tmp2pInteropNode | undefined;
  let hidden: Tmp2pInteropNode | undefined;

  before(async function () {
    const binary = await cometBFTOrSkip(this, 'PEX network interop tests');
    logDir = await mkdtemp(join(tmpdir(), 'tmp2p-pex-network-'));
    net = await CometBFTNetwork.start({ binary, fullNodes: 2, monikerPrefix: 'cmt' });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') anyFailed = true;
  });

  after(async function () {
    if (anyFailed) {
      for (const n of tmp2pNodes) {
        console.error(`--- tmp2p ${n.node.config.moniker} (${n.nodeId}) events ---${n.describeEvents()}`);
        console.error(`--- tmp2p ${n.node.config.moniker} PEX ${JSON.stringify(pexStats(n))}`);
        console.error(`--- tmp2p ${n.node.config.moniker} log tail (${n.logFile}) ---\n${await n.logTail(40)}`);
      }
      if (net) console.error(net.logTails(80));
    }
    const results = await Promise.allSettled([...tmp2pNodes.map((n) => n.stop()), ...(net ? [net.cleanup()] : [])]);
    if (logDir !== undefined) {
      if (anyFailed) console.error(`tmp2p logs kept in ${logDir}`);
      else await rm(logDir, { recursive: true, force: true });
    }
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  });

  function network(): CometBFTNetwork {
    assert.ok(net && logDir, 'suite setup did not complete');
    return net;
  }

  async function startTmp2p(moniker: string, options: Omit<Parameters<typeof Tmp2pInteropNode.start>[0], 'moniker' | 'network' | 'logDir'> = {}) {
    const node = await Tmp2pInteropNode.start({ moniker, network: network().chainId, logDir: logDir!, pex: { request_interval_ms: PEX_REQUEST_INTERVAL }, ...options });
    tmp2pNodes.push(node);
    return node;
  }

  function pexStats(node: Tmp2pInteropNode): PexStats {
    return node.node.reactor(PexReactor).stats;
  }

  /** Lines of `cmt`'s whole log that mention `nodeId` and match `pattern`. */
  async function linesAbout(cmt: CometBFTNode, nodeId: string, pattern: RegExp): Promise<string[]> {
    return (await cmt.grepLogFile(pattern)).filter((line) => line.includes(nodeId));
  }

  /** Resolves with the PexAddrs lines `cmt` logged receiving from `from` that list `id` at 127.0.0.1:`port`. */
  function waitForPexAddrsEntry(cmt: CometBFTNode, from: Tmp2pInteropNode, id: string, port: number, timeoutMs = 30_000): Promise<string[]> {
    const entry = netAddressPattern(id, port);
    return pollUntil(
      async () => {
        const lines = (await linesAbout(cmt, from.nodeId, /Received message.*chId=0\b/)).filter((l) => entry.test(l));
        return lines.length > 0 ? lines : undefined;
      },
      () => `${cmt.moniker} never logged a PexAddrs from ${from.node.config.moniker} listing ${id}@127.0.0.1:${port}\n${cmt.logTail()}`,
      { timeoutMs },
    );
  }

  async function assertNeverDroppedOrBanned(cmt: CometBFTNode, node: Tmp2pInteropNode): Promise<void> {
    assert.deepEqual(await linesAbout(cmt, node.nodeId, DROPPED_OR_BANNED), [], `${cmt.moniker} dropped or banned ${node.node.config.moniker}`);
    assert.equal(pexStats(node).errors, 0, `${node.node.config.moniker} PEX errors: ${JSON.stringify(pexStats(node))}`);
  }

  it('1. tmp2p dials one CometBFT node, learns the others’ IDs and ip:port from its PexAddrs, and connects to them', async function () {
    const { validator, fullNodes } = network();
    const explorer = await startTmp2p('tmp2p-explorer', { persistentPeers: [validator.p2pAddress] });
    await explorer.waitForPeer(validator.nodeId, { timeoutMs: 30_000 });

    const expected = fullNodes.map((n) => `mconn://${n.nodeId}@127.0.0.1:${n.p2pPort}`);
    const known = await pollUntil(
      async () => {
        const addresses = fullNodes.map((n) => explorer.node.peerManager.addresses(parseNodeID(n.nodeId)).map(String));
        return expected.every((e, i) => addresses[i]!.includes(e)) ? addresses : undefined;
      },
      () =>
        `explorer never knew ${expected.join(', ')}; it knows ${JSON.stringify(explorer.node.peerManager.snapshot().map((s) => s.addresses))}; PEX ${JSON.stringify(pexStats(explorer))}`,
      { timeoutMs: 45_000 },
    );
    for (const [i, n] of fullNodes.entries()) assert.deepEqual(known[i], [expected[i]], `${n.moniker}: exactly its listen address`);
    const stats = pexStats(explorer);
    assert.ok(stats.responsesReceived >= 1 && stats.addressesLearned >= fullNodes.length, `learned through PEX: ${JSON.stringify(stats)}`);
    assert.ok((await linesAbout(validator, explorer.nodeId, /Received message.*chId=0 msg=\s*$/)).length >= 1, 'the validator logged our PexRequest');

    // The explorer's PeerManager dials what it learned; a CometBFT full node then lists it as inbound.
    const first = await Promise.any(fullNodes.map((n) => explorer.waitForPeer(n.nodeId, { timeoutMs: 30_000 }).then((peer) => ({ n, peer }))));
    assert.equal(first.peer.direction, 'outbound');
    assert.equal(first.peer.nodeInfo.moniker, first.n.moniker);
    const seen = await first.n.waitForPeer(explorer.nodeId, { timeoutMs: 10_000 });
    assert.equal(seen.is_outbound, false, `${first.n.moniker} was dialed by the explorer`);
    for (const cmt of network().nodes) await assertNeverDroppedOrBanned(cmt, explorer);
  });

  it('2. a CometBFT node whose only contact is a tmp2p node learns another tmp2p node from its PexAddrs and dials it', async function () {
    const cometNet = network();
    // It never asks for addresses, so it cannot learn of and dial the CometBFT nodes first: they must find it.
    hidden = await startTmp2p('tmp2p-hidden', { pex: { need_address_threshold: 0 } });
    const gossiperPort = await getFreePort();
    // external_address: what NodeInfo listen_addr says and what the gossiper advertises for itself.
    gossiper = await startTmp2p('tmp2p-gossiper', { port: gossiperPort, externalAddress: `127.0.0.1:${gossiperPort}`, persistentPeers: [hidden.p2pAddress] });
    await gossiper.waitForPeer(hidden.nodeId, { timeoutMs: 30_000 });

    // Its seed is the gossiper: with no peers it dials the seed at start, asks it, and dials what the seed's answer held at once.
    const learner = await cometNet.addNode({ moniker: 'cmt-learner', seeds: [gossiper.p2pAddress] });
    const viaSeed = await learner.waitForPeer(gossiper.nodeId, { timeoutMs: 30_000 });
    assert.equal(viaSeed.is_outbound, true);
    assert.equal(viaSeed.node_info.listen_addr, `tcp://127.0.0.1:${gossiperPort}`, 'NodeInfo listen_addr is the external address');

    const received = await waitForPexAddrsEntry(learner, gossiper, hidden.nodeId, hidden.port);
    assert.match(received[0]!, netAddressPattern(gossiper.nodeId, gossiperPort), 'the gossiper advertised its own external address too');

    const dialed = await learner.waitForPeer(hidden.nodeId, { timeoutMs: 30_000 });
    assert.equal(dialed.is_outbound, true, 'the learner dialed the hidden node it learned of');
    assert.equal(dialed.node_info.moniker, 'tmp2p-hidden');
    const inbound = await hidden.waitForPeer(learner.nodeId, { timeoutMs: 10_000 });
    assert.equal(inbound.direction, 'inbound', 'the hidden node saw CometBFT dial it');

    const stats = pexStats(gossiper);
    assert.ok(stats.requestsReceived >= 1 && stats.responsesSent >= 1, `the gossiper answered: ${JSON.stringify(stats)}`);
    for (const node of [gossiper, hidden]) await assertNeverDroppedOrBanned(learner, node);
  });

  it('3. a CometBFT full node with peers dials tmp2p, asks it at once, and dials what it learned on an ensurePeers round', async function () {
    assert.ok(gossiper && hidden, 'check 2 must have started the gossiper and the hidden node');
    const full = network().fullNodes[1]!;
    assert.ok(!(await full.netInfo()).peers.some((p) => p.node_info.id === hidden!.nodeId), 'precondition: it does not know the hidden node yet');

    await full.dialPeers([gossiper.p2pAddress], false);
    const seen = await full.waitForPeer(gossiper.nodeId, { timeoutMs: 30_000 });
    assert.equal(seen.is_outbound, true);
    assert.ok((await linesAbout(full, gossiper.nodeId, /Request addrs/)).length >= 1, `${full.moniker} asked the gossiper on connecting`);
    await waitForPexAddrsEntry(full, gossiper, hidden.nodeId, hidden.port);

    // ensurePeers runs every 30 s from a random start; each run picks addresses from the book at random.
    const dialed = await full.waitForPeer(hidden.nodeId, { timeoutMs: 75_000 });
    assert.equal(dialed.is_outbound, true, `${full.moniker} dialed the hidden node`);
    assert.equal((await hidden.waitForPeer(full.nodeId, { timeoutMs: 10_000 })).direction, 'inbound');
    for (const node of [gossiper, hidden]) await assertNeverDroppedOrBanned(full, node);
  });
});
