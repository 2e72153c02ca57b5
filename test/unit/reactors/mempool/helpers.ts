import { createHash } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { PeerManager } from '../../../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions } from '../../../../framework/peer/options.js';
import type { PeerUpdate } from '../../../../framework/peer/types.js';
import type { MessageContext } from '../../../../framework/reactor/decorators.js';
import type { ChannelHandle, ChannelStats, SendOutcome } from '../../../../framework/router/channel.js';
import type { InboundEnvelope, OutboundEnvelope, PeerError } from '../../../../framework/router/envelope.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../../../plugins/scoring/default.js';
import { MempoolChannel, Txs } from '../../../../reactors/mempool/mempool-channel.js';
import { MempoolReactor, type ReceivedTx } from '../../../../reactors/mempool/mempool-reactor.js';
import type { MempoolOptions } from '../../../../reactors/mempool/options.js';
import { FakeClock, FixedRandom } from '../../../support/fakes.js';

/** A deterministic node ID for test peer `n`. */
export function nid(n: number | string): NodeID {
  return createHash('sha256').update(`mempool-test-${n}`).digest('hex').slice(0, 40) as NodeID;
}

export const SELF = nid('self');

/** The bytes of tx `text`. */
export const tx = (text: string): Uint8Array => new TextEncoder().encode(text);

export interface Sent {
  readonly to: NodeID;
  readonly txs: Uint8Array[];
}

/**
 * Stands in for the router's channel: records what the reactor sends (after
 * encoding it as the router would) and the peer errors it reports.
 */
export class RecordingChannel implements ChannelHandle<Txs> {
  readonly id = MempoolChannel.id;
  readonly definition = MempoolChannel as unknown as ChannelHandle<Txs>['definition'];
  readonly inbound: Observable<InboundEnvelope<Txs>> = new Subject<InboundEnvelope<Txs>>();
  readonly outbound = new Subject<OutboundEnvelope<Txs>>();
  readonly errors = new Subject<PeerError>();
  readonly sent: Sent[] = [];
  readonly peerErrors: PeerError[] = [];
  /** What send() answers for each peer; unset peers get 'queued'. */
  readonly outcomes = new Map<NodeID, SendOutcome>();

  constructor() {
    this.errors.subscribe((e) => this.peerErrors.push(e));
  }

  send(to: NodeID, message: Txs): SendOutcome {
    const bytes = MempoolChannel.messageType.encode(MempoolChannel.wrapper!.wrap(message)).finish();
    const outcome = this.outcomes.get(to) ?? 'queued';
    // What the peer would decode: proves the reactor sends a well-formed Message{Txs}.
    if (outcome === 'queued') this.sent.push({ to, txs: MempoolChannel.wrapper!.unwrap(MempoolChannel.messageType.decode(bytes)).txs.map((t) => new Uint8Array(t)) });
    return outcome;
  }

  async sendWhenRoom(to: NodeID, message: Txs): Promise<SendOutcome> {
    return this.send(to, message);
  }

  broadcast(): number {
    throw new Error('the mempool reactor sends per peer, never through broadcast()');
  }

  consume(): never {
    throw new Error('the mempool reactor is driven through its handlers');
  }

  stats(): ChannelStats {
    return { id: this.id, sent: this.sent.length, received: 0, decodeErrors: 0, handlerErrors: 0, drops: {}, queueLength: 0 };
  }

  sentTo(id: NodeID): Uint8Array[] {
    return this.sent.filter((s) => s.to === id).flatMap((s) => s.txs);
  }
}

export interface Harness {
  readonly reactor: MempoolReactor;
  readonly pm: PeerManager;
  readonly channel: RecordingChannel;
  readonly clock: FakeClock;
  /** Everything `txs$` emitted. */
  readonly received: ReceivedTx[];
  /** Connects a peer in the PeerManager and tells the reactor it is up. */
  connect(id: NodeID, channels?: number[]): void;
  /** Disconnects a peer and tells the reactor it is down. */
  disconnect(id: NodeID): void;
  /** Delivers a Txs message from `from` to the reactor's handler. */
  deliver(from: NodeID, ...txs: Uint8Array[]): void;
}

/**
 * A MempoolReactor wired by hand: a real PeerManager (memory store, fake
 * clock) for bans, a recording channel, peer updates and messages delivered
 * by the test so it controls their order.
 */
export async function harness(options: Partial<MempoolOptions> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const resolved = resolvePeerManagerOptions({ selfId: SELF, retryJitterMs: 0, maxOutgoing: 0 });
  const pm = new PeerManager(resolved, new MemoryPeerStore(), new DefaultScoringStrategy(), clock, new FixedRandom(0));
  await pm.start();
  const reactor = new MempoolReactor(options, pm, clock);
  const channel = new RecordingChannel();
  (reactor as { channel: ChannelHandle<Txs> }).channel = channel;
  const received: ReceivedTx[] = [];
  reactor.txs$.subscribe((r) => received.push(r));
  return {
    reactor,
    pm,
    channel,
    clock,
    received,
    connect(id, channels = [MempoolChannel.id]) {
      pm.dialed(NodeAddress.parse(`${id}@198.51.100.1:26656`));
      const set = new Set(channels);
      pm.ready(id, set);
      reactor.onPeerUpdate({ nodeId: id, status: 'up', channels: set } satisfies PeerUpdate);
    },
    disconnect(id) {
      pm.disconnected(id);
      reactor.onPeerUpdate({ nodeId: id, status: 'down', channels: new Set() });
    },
    deliver(from, ...txs) {
      reactor.onTxs(Txs.create({ txs }), { from, channelId: MempoolChannel.id, channel } as MessageContext);
    },
  };
}
