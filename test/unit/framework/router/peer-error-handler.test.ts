import assert from 'node:assert/strict';
import { PeerErrorHandler, type FaultablePeer, type PeerErrorSink } from '../../../../framework/router/peer-error-handler.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import type { PeerBehaviour } from '../../../../framework/peer/types.js';
import { fakePeer } from '../../../support/fake-transport.js';

class RecordingPeer implements FaultablePeer {
  peerErrors = 0;
  faultedBy: Error | undefined;
  readonly reported: Array<{ error: Error; fields: Readonly<Record<string, unknown>> | undefined }> = [];
  readonly faults = { report: (error: Error, fields?: Readonly<Record<string, unknown>>) => (this.reported.push({ error, fields }), true) };
  get faulted(): boolean {
    return this.faultedBy !== undefined;
  }
  fault(error: Error): void {
    this.faultedBy = error;
  }
}

/** Records what the PeerManager is told; `throwOnNext` makes the next call throw. */
class RecordingPeerManager implements PeerErrorSink {
  readonly errors: Array<{ nodeId: NodeID; error: Error }> = [];
  readonly reports: Array<{ nodeId: NodeID; behaviour: PeerBehaviour }> = [];
  throwOnNext: Error | undefined;
  errored(nodeId: NodeID, error: Error): void {
    this.maybeThrow();
    this.errors.push({ nodeId, error });
  }
  report(nodeId: NodeID, behaviour: PeerBehaviour): void {
    this.maybeThrow();
    this.reports.push({ nodeId, behaviour });
  }
  private maybeThrow(): void {
    const error = this.throwOnNext;
    this.throwOnNext = undefined;
    if (error !== undefined) throw error;
  }
}

/**
 * PeerErrorHandler (Router doc comment, "per peer"): small errors lower a
 * peer's score until one too many faults it; a fatal one faults it at once;
 * the PeerManager hears of a fault once.
 */
describe('PeerErrorHandler', () => {
  const MAX_PEER_ERRORS = 2;
  let peers: Map<NodeID, RecordingPeer>;
  let pm: RecordingPeerManager;
  let events: Array<{ nodeId: NodeID; error: Error; fatal: boolean }>;
  let loopErrors: Array<{ loop: string; error: Error }>;
  let notLogged: number;
  let handler: PeerErrorHandler;
  const peerId = fakePeer().nodeId;

  beforeEach(() => {
    peers = new Map([[peerId, new RecordingPeer()]]);
    pm = new RecordingPeerManager();
    events = [];
    loopErrors = [];
    notLogged = 0;
    const telemetry = {
      peerError: (nodeId: NodeID, error: Error, fatal: boolean) => events.push({ nodeId, error, fatal }),
      loopError: (loop: string, error: Error) => loopErrors.push({ loop, error }),
    };
    handler = new PeerErrorHandler(peers, MAX_PEER_ERRORS, { countNotLogged: () => notLogged++ }, pm, telemetry);
  });

  it('reports small errors as bad behaviour, then faults the peer past max_peer_errors and tells the PeerManager once', () => {
    const peer = peers.get(peerId)!;
    for (let i = 1; i <= MAX_PEER_ERRORS; i++) handler.handle({ nodeId: peerId, error: new Error(`small ${i}`), channelId: 0x30 });
    assert.equal(peer.faulted, false);
    assert.deepEqual(pm.reports.map((r) => r.behaviour), [{ kind: 'bad', reason: 'small 1' }, { kind: 'bad', reason: 'small 2' }]);

    const last = new Error('one too many');
    handler.handle({ nodeId: peerId, error: last });
    assert.equal(peer.faultedBy, last);
    assert.deepEqual(pm.errors, [{ nodeId: peerId, error: last }]);
    assert.deepEqual(events.map((e) => e.fatal), [false, false, true]);
    assert.deepEqual(peer.reported.map((r) => r.fields), [{ fatal: false, channel: 0x30 }, { fatal: false, channel: 0x30 }, { fatal: true, channel: undefined }]);

    handler.handle({ nodeId: peerId, error: new Error('after the fault'), fatal: true });
    assert.equal(pm.errors.length, 1, 'a faulted peer is not reported again');
    assert.equal(peer.reported.length, 3, 'nor logged against its connection');
    assert.equal(notLogged, 1, 'only counted');
    assert.equal(events.length, 4, 'every error is still published');
  });

  it('faults a peer at once on a fatal error', () => {
    const fatal = new Error('undecodable');
    handler.handle({ nodeId: peerId, error: fatal, fatal: true });
    assert.equal(peers.get(peerId)!.faultedBy, fatal);
    assert.deepEqual(pm.errors, [{ nodeId: peerId, error: fatal }]);
    assert.deepEqual(pm.reports, []);
  });

  it('only counts an error of a peer no longer routed', () => {
    const gone = fakePeer().nodeId;
    const late = new Error('late');
    handler.handle({ nodeId: gone, error: late, fatal: true });
    assert.equal(notLogged, 1);
    assert.deepEqual(events, [{ nodeId: gone, error: late, fatal: true }], 'still published');
    assert.deepEqual(pm.errors, []);
  });

  it('survives a PeerManager that throws, counting it as a loop error', () => {
    pm.throwOnNext = new Error('manager broke');
    handler.handle({ nodeId: peerId, error: new Error('small') });
    assert.deepEqual(loopErrors.map((e) => [e.loop, e.error.message]), [['peer-error', 'manager broke']]);
    handler.handle({ nodeId: peerId, error: new Error('small again') });
    assert.equal(pm.reports.length, 1, 'the next report reaches it');
  });
});
