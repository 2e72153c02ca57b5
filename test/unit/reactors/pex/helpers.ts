import { createHash } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import { NodeAddress, type HostLookup } from '../../../../framework/address/node-address.js';
import type { Endpoint } from '../../../../framework/address/endpoint.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { silentLogger } from '../../../../framework/logging/logger.js';
import { PeerManager } from '../../../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions, type PeerManagerOptionsInput } from '../../../../framework/peer/options.js';
import type { ConnectionDirection, PeerUpdate } from '../../../../framework/peer/types.js';
import type { ChannelHandle, ChannelStats, SendOutcome } from '../../../../framework/router/channel.js';
import type { InboundEnvelope, OutboundEnvelope, PeerError } from '../../../../framework/router/envelope.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../../../plugins/scoring/default.js';
import { PexChannel, type PexMessage } from '../../../../reactors/pex/pex-channel.js';
import { FixedRandom as SharedFixedRandom } from '../../../support/fakes.js';
import { PexReactor, type PexRouter } from '../../../../reactors/pex/pex-reactor.js';
import type { PexOptions } from '../../../../reactors/pex/options.js';

/** A deterministic node ID for test peer `n`. */
export function nid(n: number | string): NodeID {
  return createHash('sha256').update(`pex-test-${n}`).digest('hex').slice(0, 40) as NodeID;
}

export const SELF = nid('self');

import { FakeClock } from '../../../support/fakes.js';

export { FakeClock };

/** PEX tests default to 0 so "pick a random peer" picks the first. */
export class FixedRandom extends SharedFixedRandom {
  constructor(value = 0) {
    super(value);
  }
}

export interface Sent {
  readonly to: NodeID;
  readonly message: PexMessage;
}

/** Records what the reactor sends and reports instead of routing it. */
export class FakeChannel implements ChannelHandle<PexMessage> {
  readonly id = PexChannel.id;
  readonly definition = PexChannel as unknown as ChannelHandle<PexMessage>['definition'];
  readonly inbound: Observable<InboundEnvelope<PexMessage>> = new Subject<InboundEnvelope<PexMessage>>();
  readonly outbound = new Subject<OutboundEnvelope<PexMessage>>();
  readonly errors = new Subject<PeerError>();
  readonly sent: Sent[] = [];
  readonly peerErrors: PeerError[] = [];
  /** What send() answers; change it to simulate a full or missing peer. */
  outcome: SendOutcome = 'queued';

  constructor() {
    this.errors.subscribe((e) => this.peerErrors.push(e));
  }

  send(to: NodeID, message: PexMessage): SendOutcome {
    // Encode like the router would, so a message the wire can't carry fails here.
    PexChannel.messageType.encode(PexChannel.wrapper!.wrap(message)).finish();
    if (this.outcome === 'queued') this.sent.push({ to, message });
    return this.outcome;
  }

  async sendWhenRoom(to: NodeID, message: PexMessage): Promise<SendOutcome> {
    return this.send(to, message);
  }

  broadcast(): number {
    throw new Error('PEX must never broadcast');
  }

  consume(): never {
    throw new Error('the PEX reactor is driven through its handlers, not consume()');
  }

  stats(): ChannelStats {
    return { id: this.id, sent: this.sent.length, received: 0, decodeErrors: 0, handlerErrors: 0, drops: {}, queueLength: 0 };
  }

  sentTo(id: NodeID): PexMessage[] {
    return this.sent.filter((s) => s.to === id).map((s) => s.message);
  }
}

export interface FakePeer {
  direction: ConnectionDirection;
  remote: Endpoint;
  listenAddr: string;
}

/** Answers `peer(id)` from a table the test fills. */
export class FakeRouter implements PexRouter {
  readonly table = new Map<NodeID, FakePeer>();
  peer(nodeId: NodeID) {
    const p = this.table.get(nodeId);
    if (p === undefined) return undefined;
    return { direction: p.direction, connection: { remoteEndpoint: p.remote }, nodeInfo: { listenAddr: p.listenAddr } };
  }
}

export interface Harness {
  readonly reactor: PexReactor;
  readonly pm: PeerManager;
  readonly channel: FakeChannel;
  readonly router: FakeRouter;
  readonly clock: FakeClock;
  readonly random: FixedRandom;
  /** Connects a peer in the PeerManager and tells the reactor it is up. */
  connect(id: NodeID, options?: Partial<FakePeer> & { channels?: number[] }): void;
  /** Disconnects a peer and tells the reactor it is down. */
  disconnect(id: NodeID): void;
}

const PUBLIC_REMOTE: Endpoint = { protocol: 'mconn', ip: '203.0.113.7', port: 40000 };

/**
 * A PexReactor wired by hand: a real PeerManager (memory store, fake clock),
 * a fake router and a recording channel. Peer updates are delivered by
 * `connect`/`disconnect`, not by a subscription, so the test controls order.
 */
export async function harness(
  options: Partial<PexOptions> = {},
  pmOptions: Partial<PeerManagerOptionsInput> = {},
  injected: { readonly hostLookup?: HostLookup } = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const random = new FixedRandom(0);
  const resolved = resolvePeerManagerOptions({ selfId: SELF, retryJitterMs: 0, maxOutgoing: 0, ...pmOptions });
  const pm = new PeerManager(resolved, new MemoryPeerStore(), new DefaultScoringStrategy(), clock, random);
  await pm.start();
  const router = new FakeRouter();
  const reactor = new PexReactor(pm, router, silentLogger(), options, resolved, clock, random, injected.hostLookup);
  const channel = new FakeChannel();
  (reactor as { pex: ChannelHandle<PexMessage> }).pex = channel;
  const connect: Harness['connect'] = (id, o = {}) => {
    const peer: FakePeer = { direction: o.direction ?? 'outbound', remote: o.remote ?? PUBLIC_REMOTE, listenAddr: o.listenAddr ?? '127.0.0.1:0' };
    router.table.set(id, peer);
    if (peer.direction === 'outbound') pm.dialed(NodeAddress.parse(`${id}@198.51.100.1:26656`));
    else pm.accepted(id);
    const channels = new Set(o.channels ?? [PexChannel.id]);
    pm.ready(id, channels);
    reactor.onPeerUpdate({ nodeId: id, status: 'up', channels } satisfies PeerUpdate);
  };
  const disconnect: Harness['disconnect'] = (id) => {
    router.table.delete(id);
    pm.disconnected(id);
    reactor.onPeerUpdate({ nodeId: id, status: 'down', channels: new Set() });
  };
  return { reactor, pm, channel, router, clock, random, connect, disconnect };
}

export { silentLogger };
