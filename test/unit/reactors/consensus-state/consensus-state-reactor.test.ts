import assert from 'node:assert/strict';
import type { Node } from '../../../../node/node.js';
import type { RouterEvent } from '../../../../framework/router/events.js';
import { ConsensusStateReactor, type PeerConsensusState } from '../../../../reactors/consensus-state/consensus-state-reactor.js';
import {
  CONSENSUS_STATE_CHANNEL_ID,
  ConsensusProposal,
  ConsensusStateChannel,
  HasVote,
  NewRoundStep,
  NewValidBlock,
  VoteSetBits,
  VoteSetMaj23,
  type ConsensusStateMessage,
} from '../../../../reactors/consensus-state/consensus-state-channel.js';
import { eventually, MemoryNetwork, memoryNode, probeReactor, type Probe } from '../../../support/channel-probe.js';
import { BlocksyncReactor } from '../../../../reactors/blocksync/blocksync-reactor.js';
import { BlockServer, blocksByHeight, vectorBlocks } from '../../../support/block-server.js';

const Probe = probeReactor(ConsensusStateChannel);
const HASH = new Uint8Array(32).fill(1);

interface Pair {
  readonly listener: Node;
  readonly peer: Node;
  readonly reactor: ConsensusStateReactor;
  readonly probe: Probe<ConsensusStateMessage>;
  readonly events: RouterEvent[];
}

describe('ConsensusStateReactor', () => {
  const nodes: Node[] = [];
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
  });

  /** A listener node and a probe peer speaking raw channel 0x20, connected. */
  async function pair(options: Record<string, unknown> = {}, beforeConnect?: (reactor: ConsensusStateReactor) => void): Promise<Pair> {
    const network = new MemoryNetwork();
    const listener = await memoryNode(network, [ConsensusStateReactor], {
      reactors: { 'consensus-state': { min_announce_interval_ms: 0, ...options } },
    });
    nodes.push(listener);
    const peer = await memoryNode(network, [Probe]);
    nodes.push(peer);
    const reactor = listener.reactor(ConsensusStateReactor);
    const probe = peer.reactor(Probe);
    const events: RouterEvent[] = [];
    listener.events$.subscribe((e) => events.push(e));
    beforeConnect?.(reactor);
    for (const address of listener.addresses()) peer.addPeer(address);
    await eventually(() => listener.peers().includes(peer.nodeId) && peer.peers().includes(listener.nodeId), 'the two nodes to connect');
    return { listener, peer, reactor, probe, events };
  }

  const announcements = (p: Pair) => p.probe.received.filter((r) => r.message instanceof NewRoundStep).map((r) => r.message as NewRoundStep);
  const send = (p: Pair, message: ConsensusStateMessage) => assert.equal(p.probe.channel.send(p.listener.nodeId, message), 'queued');
  const peerErrors = (p: Pair) => p.events.filter((e): e is Extract<RouterEvent, { type: 'peer-error' }> => e.type === 'peer-error');

  it('advertises channel 0x20 and none of the validator channels 0x21–0x23', async () => {
    const p = await pair();
    assert.ok(p.listener.nodeInfo.channels.includes(CONSENSUS_STATE_CHANNEL_ID));
    for (const id of [0x21, 0x22, 0x23]) assert.ok(!p.listener.nodeInfo.channels.includes(id), `channel 0x${id.toString(16)}`);
  });

  it('announces nothing before it knows a height', async () => {
    const p = await pair();
    // A valid message from the peer proves the connection carries 0x20 both ways before we look.
    send(p, NewRoundStep.create({ height: 4, round: 0, step: 1, lastCommitRound: 0 }));
    await eventually(() => p.reactor.peerState(p.peer.nodeId) !== undefined, 'the peer state');
    assert.deepEqual(announcements(p), []);
  });

  it('tells a peer that connects the height it knows: NewRoundStep(height, round 0, NewHeight, last_commit_round 0)', async () => {
    const p = await pair({}, (reactor) => reactor.announce(42));
    await eventually(() => announcements(p).length === 1, 'the announcement');
    const [step] = announcements(p);
    assert.deepEqual(
      { height: step!.height, round: step!.round, step: step!.step, lastCommitRound: step!.lastCommitRound },
      { height: 42, round: 0, step: 1, lastCommitRound: 0 },
    );
    assert.equal(p.reactor.stats.announcements, 1);
  });

  it('announces the initial height with last_commit_round -1, as CometBFT requires', async () => {
    const p = await pair({ initial_height: 7 }, (reactor) => reactor.announce(7));
    await eventually(() => announcements(p).length === 1, 'the announcement');
    assert.equal(announcements(p)[0]!.lastCommitRound, -1);
    assert.throws(() => p.reactor.announce(6), { name: 'InvalidConsensusMessageError' });
  });

  it('announces each higher height to connected peers and ignores lower ones', async () => {
    const p = await pair();
    p.reactor.announce(10);
    await eventually(() => announcements(p).length === 1, 'height 10');
    p.reactor.announce(9);
    p.reactor.announce(10);
    p.reactor.announce(11);
    await eventually(() => announcements(p).length === 2, 'height 11');
    assert.deepEqual(announcements(p).map((m) => m.height), [10, 11]);
    assert.equal(p.reactor.announcedHeight(), 11);
  });

  it('folds height changes within the minimum interval into one announcement of the latest', async () => {
    const p = await pair({ min_announce_interval_ms: '1h' });
    p.reactor.announce(5); // the first goes out at once
    for (let h = 6; h <= 50; h++) p.reactor.announce(h);
    await eventually(() => announcements(p).length === 1, 'the first announcement');
    assert.equal(announcements(p)[0]!.height, 5);
    assert.equal(p.reactor.stats.announcements, 1, 'later heights wait for the interval');
  });

  it('announces the height after the last block blocksync verified', async () => {
    const { chainId, results } = vectorBlocks();
    const network = new MemoryNetwork();
    const listener = await memoryNode(network, [BlocksyncReactor, ConsensusStateReactor], {
      network: chainId,
      reactors: { blocksync: { start_height: 'base', status_interval_ms: 20 }, 'consensus-state': { min_announce_interval_ms: 0 } },
    });
    nodes.push(listener);
    const peer = await memoryNode(network, [BlockServer, Probe], { network: chainId });
    nodes.push(peer);
    peer.reactor(BlockServer).blocks = blocksByHeight(results);
    for (const address of listener.addresses()) peer.addPeer(address);
    const probe = peer.reactor(Probe);
    const heard = () => probe.received.filter((r) => r.message instanceof NewRoundStep).map((r) => (r.message as NewRoundStep).height);
    await eventually(() => heard().includes(results.length + 1), `an announcement of height ${results.length + 1}`);
    assert.equal(listener.reactor(ConsensusStateReactor).announcedHeight(), results.length + 1);
    assert.deepEqual(heard(), [...heard()].sort((a, b) => a - b), 'heights only go up');
  });

  it("turns a peer's NewRoundSteps into its consensus state", async () => {
    const p = await pair();
    const seen: PeerConsensusState[] = [];
    p.reactor.states$.subscribe((s) => seen.push(s));
    send(p, NewRoundStep.create({ height: 12, round: 0, step: 1, secondsSinceStartTime: 3, lastCommitRound: 0 }));
    send(p, NewRoundStep.create({ height: 12, round: 1, step: 4, lastCommitRound: 0 }));
    await eventually(() => seen.length === 2, 'two states');
    assert.deepEqual(seen[1], { peer: p.peer.nodeId, height: 12, round: 1, step: 4, stepName: 'Prevote', lastCommitRound: 0 });
    assert.deepEqual(p.reactor.peerState(p.peer.nodeId), seen[1]);
    assert.deepEqual(p.reactor.peerStates(), [seen[1]]);
  });

  it('takes every other valid message CometBFT sends on 0x20 without complaint, and answers none', async () => {
    const p = await pair();
    send(p, NewValidBlock.create({ height: 3, round: 0, blockPartSetHeader: { total: 1, hash: HASH }, blockParts: { bits: 1, elems: [1] }, isCommit: true }));
    send(p, HasVote.create({ height: 3, round: 0, type: 1, index: 0 }));
    send(p, VoteSetMaj23.create({ height: 3, round: 0, type: 2, blockId: { hash: HASH, partSetHeader: { total: 1, hash: HASH } } }));
    send(p, VoteSetBits.create({ height: 3, round: 0, type: 2, blockId: { hash: HASH, partSetHeader: { total: 1, hash: HASH } }, votes: { bits: 1, elems: [1] } }));
    send(p, ConsensusProposal.create({ proposal: { type: 32, height: 3 } }));
    await eventually(() => p.reactor.stats.ignored === 1 && Object.keys(p.reactor.stats.received).length === 4, 'all five messages');
    assert.deepEqual(p.reactor.stats.received, { newValidBlock: 1, hasVote: 1, voteSetMaj23: 1, voteSetBits: 1 });
    assert.deepEqual(peerErrors(p), []);
    assert.deepEqual(p.probe.received, []);
    assert.ok(p.listener.peers().includes(p.peer.nodeId));
  });

  const invalid: Array<[string, () => ConsensusStateMessage]> = [
    ['a NewRoundStep with a negative round', () => NewRoundStep.create({ height: 5, round: -1, step: 1, lastCommitRound: 0 })],
    ['a NewRoundStep with step 9', () => NewRoundStep.create({ height: 5, round: 0, step: 9, lastCommitRound: 0 })],
    ['a NewRoundStep with last_commit_round 0 at the initial height', () => NewRoundStep.create({ height: 1, round: 0, step: 1, lastCommitRound: 0 })],
    ['a NewRoundStep with last_commit_round -1 above the initial height', () => NewRoundStep.create({ height: 2, round: 0, step: 1, lastCommitRound: -1 })],
    ['a NewRoundStep below the initial height', () => NewRoundStep.create({ height: 0, round: 0, step: 1, lastCommitRound: -1 })],
    ['a HasVote of an unknown vote type', () => HasVote.create({ height: 3, round: 0, type: 32, index: 0 })],
    ['a NewValidBlock whose bit array does not match its part count', () => NewValidBlock.create({ height: 3, blockPartSetHeader: { total: 2, hash: HASH }, blockParts: { bits: 1, elems: [1] } })],
  ];
  for (const [what, message] of invalid) {
    it(`reports a peer that sends ${what} (fatal: disconnected)`, async () => {
      const p = await pair();
      send(p, message());
      await eventually(() => peerErrors(p).length === 1, 'the peer error');
      const [event] = peerErrors(p);
      assert.equal(event!.nodeId, p.peer.nodeId);
      assert.equal(event!.error.name, 'InvalidConsensusMessageError');
      assert.equal(event!.fatal, true);
      assert.equal(p.reactor.stats.invalid, 1);
      await eventually(() => !p.listener.peers().includes(p.peer.nodeId), 'the disconnect');
    });
  }
});
