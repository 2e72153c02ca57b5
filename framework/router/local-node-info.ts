import type { NodeInfo } from '../identity/node-info.js';
import type { Endpoint } from '../address/endpoint.js';
import { formatHostPort } from '../address/host-port.js';
import type { QueueChannelInfo } from '../queue/queue.js';
import type { ChannelDefinition } from './channel-definition.js';

/** An open channel as the node's self-description needs it. */
export interface OpenChannel {
  readonly id: number;
  readonly definition: ChannelDefinition<unknown, unknown>;
}

/** The open channels as every handshake and peer queue needs them (read-only, shared). */
export interface OpenChannelLists {
  readonly definitions: readonly ChannelDefinition<unknown, unknown>[];
  readonly priorities: readonly QueueChannelInfo[];
}

/**
 * What this node tells peers about itself: its NodeInfo (the template, the
 * open channels, the listen address the transports actually bound) and the
 * open channels' definitions and queue priorities. Every connection setup
 * needs them, so each is built once and kept until what it depends on
 * changes; the router says when (`channelsChanged`, `endpointsBound`).
 */
export class LocalNodeInfo {
  /** What forHandshake() returns until a channel opens or the transports bind. */
  private presented: NodeInfo | undefined;
  private channelLists: OpenChannelLists | undefined;

  constructor(
    private readonly template: Omit<NodeInfo, 'channels'>,
    private readonly channels: ReadonlyMap<number, OpenChannel>,
    private readonly endpoints: () => readonly Endpoint[],
  ) {}

  /** A fresh NodeInfo: the template plus every open channel. */
  current(): NodeInfo {
    return { ...this.template, listenAddr: this.listenAddr(), channels: Uint8Array.from(this.channels.keys()) };
  }

  /**
   * current() for handshakes: one object until a channel opens or the
   * transports bind, so a transport can keep its encoding (every handshake
   * sends it). Never handed to users, who get a fresh copy from current().
   */
  forHandshake(): NodeInfo {
    return (this.presented ??= this.current());
  }

  /** The open channels' definitions and queue priorities, built once per set of open channels. */
  openChannels(): OpenChannelLists {
    if (this.channelLists === undefined) {
      const channels = [...this.channels.values()];
      this.channelLists = {
        definitions: Object.freeze(channels.map((c) => c.definition)),
        priorities: Object.freeze(channels.map((c) => Object.freeze({ id: c.id, priority: c.definition.priority }))),
      };
    }
    return this.channelLists;
  }

  channelsChanged(): void {
    this.presented = undefined;
    this.channelLists = undefined;
  }

  /** The listen address may name the ports just bound. */
  endpointsBound(): void {
    this.presented = undefined;
  }

  /** A configured port 0 means "any free port": advertise the one the transport actually got. */
  private listenAddr(): string {
    const configured = this.template.listenAddr;
    if (!/:0$/.test(configured)) return configured;
    const bound = this.endpoints().find((e) => e.ip !== undefined && e.port);
    if (bound === undefined) return configured;
    return `tcp://${formatHostPort(bound.ip!, bound.port!)}`;
  }
}
