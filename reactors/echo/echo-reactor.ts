import { inject, optional } from 'inversify';
import { Subject } from 'rxjs';
import { TOKENS } from '../../framework/tokens.js';
import type { Logger } from '../../framework/logging/logger.js';
import { Reactor, Channel, OnMessage, OnPeerUpdate, Every, type MessageContext } from '../../framework/reactor/decorators.js';
import type { ChannelHandle, SendOutcome } from '../../framework/router/channel.js';
import type { PeerUpdate } from '../../framework/peer/types.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import { parseDuration } from '../../framework/util/duration.js';
import { EchoChannel, Ping, Pong } from './echo-channel.js';

export interface EchoOptions {
  /** How often to broadcast a ping. Default "5s" (the ADR's example). */
  readonly pingInterval: string | number;
  /** Text carried by pings. Default "hello". */
  readonly content: string;
}

export const DEFAULT_ECHO_OPTIONS: EchoOptions = { pingInterval: '5s', content: 'hello' };

export interface EchoStats {
  pingsSent: number;
  pingsReceived: number;
  pongsSent: number;
  pongsReceived: number;
  peersUp: number;
  peersDown: number;
}

export interface RoundTrip {
  readonly peer: NodeID;
  readonly ms: number;
  /** The content the ping carried, as the peer echoed it back. */
  readonly content: string;
}

const nowMicros = () => Math.round(performance.timeOrigin * 1000 + performance.now() * 1000);

/**
 * The ADR's example reactor: broadcast a ping every interval, answer each
 * ping with a pong to its sender, and log peers coming and going. Any other
 * message reaches no handler, so the scanner reports it as a peer error.
 */
@Reactor('echo')
export class EchoReactor {
  @Channel(EchoChannel) readonly echo!: ChannelHandle<Ping | Pong>;

  readonly stats: EchoStats = { pingsSent: 0, pingsReceived: 0, pongsSent: 0, pongsReceived: 0, peersUp: 0, peersDown: 0 };
  /** Every measured round trip, as pongs come back. */
  readonly roundTrips$ = new Subject<RoundTrip>();
  readonly options: EchoOptions;
  private readonly log: Logger;

  constructor(
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.EchoReactorOptions) @optional() options: Partial<EchoOptions> = {},
  ) {
    this.log = logger.child({ component: 'echo' });
    this.options = { ...DEFAULT_ECHO_OPTIONS, ...options };
    parseDuration(this.options.pingInterval); // fail at boot, not at the first tick
  }

  @Every((self: EchoReactor) => self.options.pingInterval)
  ping(): void {
    this.stats.pingsSent += this.echo.broadcast(Ping.create({ content: this.options.content, sentAtUs: nowMicros() }));
  }

  /**
   * One ping to `peer` carrying `content` (default the configured content),
   * e.g. to match each pong to its ping; says whether it was queued.
   */
  pingPeer(peer: NodeID, content: string = this.options.content): SendOutcome {
    const outcome = this.echo.send(peer, Ping.create({ content, sentAtUs: nowMicros() }));
    if (outcome === 'queued') this.stats.pingsSent++;
    return outcome;
  }

  @OnMessage(Ping)
  onPing(ping: Ping, { from }: MessageContext): void {
    this.stats.pingsReceived++;
    if (this.echo.send(from, Pong.create({ content: ping.content, sentAtUs: ping.sentAtUs })) === 'queued') this.stats.pongsSent++;
  }

  @OnMessage(Pong)
  onPong(pong: Pong, { from }: MessageContext): void {
    this.stats.pongsReceived++;
    if (pong.sentAtUs > 0) this.roundTrips$.next({ peer: from, ms: (nowMicros() - pong.sentAtUs) / 1000, content: pong.content });
  }

  @OnPeerUpdate()
  onPeerUpdate(update: PeerUpdate): void {
    if (update.status === 'up') this.stats.peersUp++;
    else this.stats.peersDown++;
    this.log.info({ peer: update.nodeId, status: update.status }, 'peer status changed');
  }

  onStop(): void {
    this.roundTrips$.complete();
  }
}
