import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouterEvent } from '../../framework/router/events.js';
import type { PeerConnection } from '../../framework/router/peer-connection.js';
import { PexReactor, type PexStats } from '../../reactors/pex/pex-reactor.js';
import { CometBFTNode, cometBFTOrSkip, type NetInfoPeer } from './support/cometbft.js';
import { pollUntil, sleep } from './support/poll.js';
import { describeEvent, Tmp2pInteropNode } from './support/tmp2p-node.js';

/**
 * tmp2p against one real CometBFT v0.38.17 node (kvstore app, single validator, loopback only).
 *
 * Two tmp2p nodes stay connected to it for the whole suite: `dialer` dials CometBFT (persistent
 * peer) and `listener` is dialed by CometBFT (/dial_peers); a third, `extra`, is known only to the
 * listener at first, so the listener's PEX answers to CometBFT carry a real address. The keepalive
 * check (3) measures the dialer's and listener's connections, so it runs after checks 1, 2, 4a and 5
 * and only waits out what is left of its 90 s window: the other checks run inside that window
 * instead of after it. Check 4b then judges all PEX traffic of the window.
 *
 * On failure the suite prints every tmp2p node's router events and log tail and CometBFT's log tail,
 * and keeps the tmp2p logs (set TMP2P_KEEP_COMETBFT_HOME=1 to keep CometBFT's home and log as well).
 */

/**
 * How long both connections must stay up. CometBFT v0.38 pings every 60 s (not configurable), so the
 * window always holds at least one of its pings, which tmp2p must answer within 45 s.
 */
const SOAK_MS = 90_000;
/** tmp2p's keepalive in this suite: ~45 pings in the window, each answered within 1 s or the connection drops. */
const PING_INTERVAL = '2s';
const PONG_TIMEOUT = '1s';
/** Fewest pings tmp2p must have sent at a 2 s interval over 90 s; loose so a busy machine cannot fail it. */
const MIN_PINGS_IN_WINDOW = 20;
/** PEX channel id, the channel tmp2p shares with CometBFT; 0x70 is tmp2p's echo channel. */
const PEX_CHANNEL = 0x00;
const ECHO_CHANNEL = 0x70;
/**
 * The dialer asks for addresses this often (tmp2p's default is CometBFT's 30 s). CometBFT disconnects
 * and bans a peer whose third or later request comes < 10 s after the previous one, so 12 s keeps
 * tmp2p's pacing close to that edge for the whole window.
 */
const PEX_REQUEST_INTERVAL = '12s';
/** CometBFT's pex:debug line for a PexRequest it received (an empty message prints as nothing). */
const PEX_REQUEST_RECEIVED = /Received message.*chId=0 msg=\s*$/;
/** CometBFT lines that mean it dropped or banned a peer (MarkBad logs "Add address to blacklist"). */
const DROPPED_OR_BANNED = /Stopping peer for error|Add address to blacklist|pong timeout/;


/** NodeInfo.channels as /net_info shows it: one hex string, two digits per channel. */
function channelIds(hex: string): number[] {
  assert.match(hex, /^(?:[0-9a-fA-F]{2})*$/, `channels ${JSON.stringify(hex)} should be hex pairs`);
  return (hex.match(/../g) ?? []).map((pair) => parseInt(pair, 16));
}

/** CometBFT's ConnectionStatus.Duration (an int64 of nanoseconds, JSON-encoded as a string) in ms; undefined if absent. */
function connectionAgeMs(peer: NetInfoPeer): number | undefined {
  const status = peer.connection_status as { Duration?: unknown } | null | undefined;
  const raw = status?.Duration;
  const ns = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : typeof raw === 'number' ? raw : undefined;
  return ns === undefined ? undefined : ns / 1e6;
}

describe('interop: tmp2p ↔ CometBFT v0.38.17', function () {
  let cmt: CometBFTNode | undefined;
  let dialer: Tmp2pInteropNode | undefined;
  let listener: Tmp2pInteropNode | undefined;
  /** A tmp2p node only the listener knows at first; the address the listener gossips to CometBFT. */
  let extra: Tmp2pInteropNode | undefined;
  const others: Tmp2pInteropNode[] = [];
  let logDir: string | undefined;
  let anyFailed = false;
  /** The routed peers for CometBFT as first seen; check 3 asserts they are still the same objects. */
  let dialerPeer: PeerConnection | undefined;
  let listenerPeer: PeerConnection | undefined;

  before(async function () {
    const binary = await cometBFTOrSkip(this, 'tmp2p ↔ CometBFT interop tests');
    logDir = await mkdtemp(join(tmpdir(), 'tmp2p-interop-'));
    // pex:debug logs every PEX message CometBFT receives and sends, with the peer id: the evidence for check 4.
    cmt = await CometBFTNode.create({ binary, moniker: 'cometbft-interop', logLevel: 'pex:debug,*:info' });
    await cmt.start();
    await cmt.waitForHeight(1, { timeoutMs: 30_000 });
    const common = { network: cmt.chainId, logDir, pingInterval: PING_INTERVAL, pongTimeout: PONG_TIMEOUT };
    dialer = await Tmp2pInteropNode.start({
      ...common,
      moniker: 'tmp2p-dialer',
      persistentPeers: [cmt.p2pAddress],
      pex: { request_interval_ms: PEX_REQUEST_INTERVAL },
    });
    // The listener knows one peer CometBFT does not (extra), so its answer to CometBFT's PexRequest is
    // not an empty list: CometBFT then has real entries to validate, and bans a peer for any bad one.
    extra = await Tmp2pInteropNode.start({ ...common, moniker: 'tmp2p-extra' });
    listener = await Tmp2pInteropNode.start({ ...common, moniker: 'tmp2p-listener', persistentPeers: [extra.p2pAddress] });
    await listener.waitForPeer(extra.nodeId, { timeoutMs: 30_000 });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') anyFailed = true;
  });

  after(async function () {
    const nodes = [dialer, listener, extra, ...others].filter((n): n is Tmp2pInteropNode => n !== undefined);
    if (anyFailed) {
      for (const n of nodes) {
        console.error(`--- tmp2p ${n.node.config.moniker} (${n.nodeId}) events ---${n.describeEvents()}`);
        console.error(`--- tmp2p ${n.node.config.moniker} log tail (${n.logFile}) ---\n${await n.logTail(40)}`);
      }
      if (cmt) console.error(`--- CometBFT log tail (${cmt.logFile}) ---\n${cmt.logTail(120)}`);
    }
    // Everything is stopped even if one stop throws; the first error is reported afterwards.
    const results = await Promise.allSettled([...nodes.map((n) => n.stop()), ...(cmt ? [cmt.cleanup()] : [])]);
    if (logDir !== undefined) {
      if (anyFailed) console.error(`tmp2p logs kept in ${logDir}`);
      else await rm(logDir, { recursive: true, force: true });
    }
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  });

  /** The harness objects, for tests that run after a successful `before`. */
  function setup(): { cmt: CometBFTNode; dialer: Tmp2pInteropNode; listener: Tmp2pInteropNode } {
    assert.ok(cmt && dialer && listener, 'suite setup did not complete');
    return { cmt, dialer, listener };
  }

  /** CometBFT log lines that mention `nodeId` and match `pattern`, from the whole log file. */
  async function cometLinesAbout(nodeId: string, pattern: RegExp): Promise<string[]> {
    const { cmt } = setup();
    return (await cmt.grepLogFile(pattern)).filter((line) => line.includes(nodeId));
  }

  function pexStats(node: Tmp2pInteropNode): PexStats {
    return node.node.reactor(PexReactor).stats;
  }

  it('1. tmp2p dials CometBFT: /net_info lists its node ID and moniker, and tmp2p has CometBFT as a ready peer', async function () {
    const { cmt, dialer } = setup();
    const seen = await cmt.waitForPeer(dialer.nodeId, { timeoutMs: 30_000 });
    assert.equal(seen.node_info.id, dialer.nodeId);
    assert.equal(seen.node_info.moniker, 'tmp2p-dialer');
    assert.equal(seen.is_outbound, false, 'tmp2p dialed, so the connection is inbound for CometBFT');
    assert.equal(seen.remote_ip, '127.0.0.1');
    assert.equal(seen.node_info.network, cmt.chainId);
    assert.deepEqual(seen.node_info.protocol_version, { p2p: '8', block: '11', app: '0' });
    assert.equal(seen.node_info.listen_addr, `tcp://127.0.0.1:${dialer.port}`);
    assert.deepEqual(channelIds(seen.node_info.channels).sort((a, b) => a - b), [PEX_CHANNEL, ECHO_CHANNEL]);

    dialerPeer = await dialer.waitForPeer(cmt.nodeId, { timeoutMs: 30_000 });
    assert.equal(dialerPeer.direction, 'outbound');
    assert.ok(dialer.node.peers().some((id) => id === cmt.nodeId));
    assert.equal(dialerPeer.nodeInfo.nodeId, cmt.nodeId);
    assert.equal(dialerPeer.nodeInfo.network, cmt.chainId);
    assert.equal(dialerPeer.nodeInfo.moniker, 'cometbft-interop');
    assert.equal(dialerPeer.nodeInfo.version, '0.38.17');
    assert.equal(dialerPeer.nodeInfo.protocolVersion.block, 11);
    assert.ok(dialerPeer.hasChannel(PEX_CHANNEL), 'CometBFT advertises PEX');
    assert.ok(!dialerPeer.hasChannel(ECHO_CHANNEL), 'CometBFT has no echo channel');
    const started = await cometLinesAbout(dialer.nodeId, /Starting Peer service/);
    assert.ok(started.some((l) => l.includes(`${dialer.nodeId} in}`)), `CometBFT should log an inbound peer:\n${started.join('\n')}`);
    const up = dialer.events.find((e) => e.type === 'peer-up' && e.nodeId === cmt.nodeId);
    assert.ok(up && up.type === 'peer-up' && up.direction === 'outbound', `expected an outbound peer-up; events: ${dialer.describeEvents()}`);
  });

  it('2. CometBFT dials tmp2p (/dial_peers): the connection is outbound on CometBFT’s side', async function () {
    const { cmt, listener } = setup();
    await cmt.dialPeers([listener.p2pAddress], true);
    const seen = await cmt.waitForPeer(listener.nodeId, { timeoutMs: 30_000 });
    assert.equal(seen.is_outbound, true, 'CometBFT dialed, so the connection is outbound for it');
    assert.equal(seen.node_info.moniker, 'tmp2p-listener');
    assert.equal(seen.node_info.listen_addr, `tcp://127.0.0.1:${listener.port}`);

    listenerPeer = await listener.waitForPeer(cmt.nodeId, { timeoutMs: 30_000 });
    assert.equal(listenerPeer.direction, 'inbound');
    assert.equal(listenerPeer.nodeInfo.network, cmt.chainId);
    const started = await cometLinesAbout(listener.nodeId, /Starting Peer service/);
    assert.ok(started.some((l) => l.includes(`${listener.nodeId} out}`)), `CometBFT should log an outbound peer:\n${started.join('\n')}`);
  });

  it('4a. PEX: tmp2p’s PexRequest gets CometBFT’s PexAddrs, and CometBFT accepts tmp2p’s PexAddrs to its own request', async function () {
    const { cmt, dialer, listener } = setup();
    assert.ok(extra);
    // tmp2p → CometBFT: the dialer asks its new outbound peer once it is up.
    const asked = await pollUntil(
      async () => {
        const s = pexStats(dialer);
        return s.requestsSent >= 1 && s.responsesReceived >= 1 ? { ...s } : undefined;
      },
      () => `dialer PEX stats never showed a request answered: ${JSON.stringify(pexStats(dialer))}`,
      { timeoutMs: 30_000 },
    );
    assert.equal(asked.errors, 0, `dialer PEX reported errors: ${JSON.stringify(asked)}`);
    const requestsSeen = await cometLinesAbout(dialer.nodeId, PEX_REQUEST_RECEIVED);
    assert.ok(requestsSeen.length >= 1, 'CometBFT should log the PexRequest it received from the dialer');

    // CometBFT → tmp2p: CometBFT asks each new outbound peer while its address book is short.
    const answered = await pollUntil(
      async () => {
        const s = pexStats(listener);
        return s.requestsReceived >= 1 && s.responsesSent >= 1 ? { ...s } : undefined;
      },
      () => `listener PEX stats never showed CometBFT's request answered: ${JSON.stringify(pexStats(listener))}`,
      { timeoutMs: 30_000 },
    );
    assert.equal(answered.errors, 0, `listener PEX reported errors: ${JSON.stringify(answered)}`);
    assert.ok((await cometLinesAbout(listener.nodeId, /Request addrs/)).length >= 1, 'CometBFT should log asking the listener');
    // CometBFT's PEX reactor decoded our PexAddrs, entry by entry (it bans a peer for any invalid one),
    // and it carried the extra node's id, IP literal and port.
    const extraId = extra.nodeId;
    const received = await pollUntil(
      async () => {
        const lines = (await cometLinesAbout(listener.nodeId, /Received message.*chId=0\b/)).filter((l) => l.includes(extraId));
        return lines.length > 0 ? lines : undefined;
      },
      () => `CometBFT never logged the listener's PexAddrs carrying ${extraId}\n${cmt.logTail()}`,
      { timeoutMs: 10_000 },
    );
    // CometBFT's logger escapes the quotes of the printed message: addrs:<id:\"…\" ip:\"127.0.0.1\" port:N >
    const q = '\\\\?"';
    assert.match(received[0]!, new RegExp(`id:${q}${extraId}${q} ip:${q}127\\.0\\.0\\.1${q} port:${extra.port}\\b`));

    for (const node of [dialer, listener]) {
      const dropped = await cometLinesAbout(node.nodeId, DROPPED_OR_BANNED);
      assert.deepEqual(dropped, [], `CometBFT dropped or banned ${node.node.config.moniker}`);
    }
    const peers = (await cmt.netInfo()).peers.map((p) => p.node_info.id);
    assert.ok(peers.includes(dialer.nodeId), 'CometBFT still lists the dialer after the PEX exchange');
    assert.ok(peers.includes(listener.nodeId), 'CometBFT still lists the listener after the PEX exchange');
  });

  it('5. a tmp2p node on another network is rejected by both sides, and tmp2p reports why', async function () {
    const { cmt } = setup();
    assert.ok(logDir);
    const network = `${cmt.chainId}-other`;
    const wrong = await Tmp2pInteropNode.start({
      moniker: 'tmp2p-wrong-network',
      network,
      persistentPeers: [cmt.p2pAddress],
      logDir,
    });
    others.push(wrong);

    const failed = await wrong.waitForEvent(
      (e): e is Extract<RouterEvent, { type: 'dial-failed' }> => e.type === 'dial-failed' && e.address.includes(cmt.nodeId),
      { timeoutMs: 30_000 },
    );
    assert.equal(failed.error.name, 'IncompatiblePeerError', describeEvent(failed));
    assert.equal((failed.error as Error & { reason?: unknown }).reason, 'network', describeEvent(failed));
    assert.match(failed.error.message, new RegExp(network));

    const rejected = await pollUntil(
      async () => {
        const lines = cmt.grepLog(/Inbound Peer rejected.*incompatible: peer is on a different network/);
        return lines.some((l) => l.includes(network)) ? lines : undefined;
      },
      () => `CometBFT never logged rejecting the ${network} peer\n${cmt.logTail()}`,
      { timeoutMs: 30_000 },
    );
    assert.ok(rejected.some((l) => l.includes(`Got ${network}, expected ${cmt.chainId}`)), rejected.join('\n'));
    assert.ok(!(await cmt.netInfo()).peers.some((p) => p.node_info.id === wrong.nodeId), 'CometBFT must not list it');
    assert.deepEqual(wrong.node.peers(), []);
    assert.ok(!wrong.events.some((e) => e.type === 'peer-up'), `it never came up; events: ${wrong.describeEvents()}`);
    await wrong.stop();
  });

  it('3. both connections stay up ≥ 90 s with pings answered both ways, and CometBFT never drops tmp2p', async function () {
    const { cmt, dialer, listener } = setup();
    assert.ok(dialerPeer && listenerPeer, 'checks 1 and 2 must have connected both nodes');
    const pairs = [
      { node: dialer, peer: dialerPeer },
      { node: listener, peer: listenerPeer },
    ];
    const downs = (): string[] =>
      pairs.flatMap(({ node }) =>
        node.events.filter((e) => e.type === 'peer-down' && e.nodeId === cmt.nodeId).map((e) => `${node.node.config.moniker}: ${describeEvent(e)}`),
      );
    // Wait out the rest of the window, failing as soon as either connection drops.
    const until = Math.max(...pairs.map(({ peer }) => peer.connectedAt)) + SOAK_MS;
    while (Date.now() < until) {
      assert.deepEqual(downs(), [], 'a connection to CometBFT went down during the soak');
      await sleep(Math.min(1000, Math.max(0, until - Date.now())));
    }
    assert.deepEqual(downs(), []);

    const info = await cmt.netInfo();
    for (const { node, peer } of pairs) {
      const name = node.node.config.moniker;
      assert.equal(node.peer(cmt.nodeId), peer, `${name}: the original connection should still be the routed one (no reconnect)`);
      const stats = node.connectionStats(cmt.nodeId)?.mconnection;
      assert.ok(stats, `${name}: no MConnection stats`);
      // With a 1 s pong timeout a single unanswered ping would have dropped the connection.
      assert.ok(stats.pingsSent >= MIN_PINGS_IN_WINDOW, `${name}: only ${stats.pingsSent} pings sent: ${JSON.stringify(stats)}`);
      assert.ok(stats.pongsReceived >= stats.pingsSent - 1, `${name}: CometBFT left pings unanswered: ${JSON.stringify(stats)}`);
      // CometBFT's own 60 s ping fell inside the window, and we answered it.
      assert.ok(stats.pingsReceived >= 1, `${name}: CometBFT never pinged: ${JSON.stringify(stats)}`);
      assert.ok(stats.pongsSent >= 1, `${name}: we never answered CometBFT's ping: ${JSON.stringify(stats)}`);

      const seen = info.peers.find((p) => p.node_info.id === node.nodeId);
      assert.ok(seen, `${name}: CometBFT no longer lists it`);
      const age = connectionAgeMs(seen);
      assert.ok(age !== undefined, `${name}: no connection_status.Duration in /net_info: ${JSON.stringify(seen.connection_status).slice(0, 200)}`);
      assert.ok(age >= SOAK_MS, `${name}: CometBFT's connection is only ${age} ms old (reconnected?)`);
      const errors = await cometLinesAbout(node.nodeId, /^E\[|Stopping peer for error|Add address to blacklist|pong timeout/);
      assert.deepEqual(errors, [], `${name}: CometBFT logged errors about it`);
    }
    assert.deepEqual(cmt.grepLog(/pong timeout/), [], 'CometBFT timed out on a pong');
  });
  // Runs after the 90 s window of check 3, so it judges all the PEX traffic of that window.
  it('4b. PEX over the whole window: repeated requests are answered, and CometBFT never drops or bans tmp2p', async function () {
    const { cmt, dialer, listener } = setup();
    assert.ok(extra);
    const stats = pexStats(dialer);
    // The first two requests go to CometBFT for certain: until its second answer CometBFT is the
    // dialer's only peer and the only source of addresses.
    const fromDialer = await cometLinesAbout(dialer.nodeId, PEX_REQUEST_RECEIVED);
    assert.ok(fromDialer.length >= 2, `CometBFT received ${fromDialer.length} PexRequests from the dialer; stats ${JSON.stringify(stats)}`);
    assert.ok(stats.responsesReceived >= stats.requestsSent - 1, `dialer requests went unanswered: ${JSON.stringify(stats)}`);
    // CometBFT's later answers hold the listener and extra, which the dialer did not know.
    assert.ok(stats.addressesLearned >= 1, `dialer learned nothing from CometBFT: ${JSON.stringify(stats)}`);
    for (const node of [dialer, listener, extra]) {
      assert.equal(pexStats(node).errors, 0, `${node.node.config.moniker} PEX errors: ${JSON.stringify(pexStats(node))}`);
    }
    for (const node of [dialer, listener]) {
      const dropped = await cometLinesAbout(node.nodeId, DROPPED_OR_BANNED);
      assert.deepEqual(dropped, [], `CometBFT dropped or banned ${node.node.config.moniker}`);
    }
    const peers = (await cmt.netInfo()).peers;
    const ids = peers.map((p) => p.node_info.id);
    assert.ok(ids.includes(dialer.nodeId) && ids.includes(listener.nodeId), `CometBFT lists ${ids.join(', ')}`);
    // Informational: CometBFT dials addresses it learned by PEX on its own 30 s schedule, picked at random.
    const extraSeen = peers.find((p) => p.node_info.id === extra!.nodeId);
    console.log(
      `      CometBFT received ${fromDialer.length} PexRequests from the dialer (tmp2p sent ${stats.requestsSent} in all); ` +
        `extra node ${extraSeen ? `is connected to CometBFT (outbound for it: ${extraSeen.is_outbound})` : 'is not connected to CometBFT'}`,
    );
  });
});
