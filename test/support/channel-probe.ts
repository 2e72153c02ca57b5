import { Channel, OnMessage, Reactor, type MessageContext } from '../../framework/reactor/decorators.js';
import type { ChannelDefinition } from '../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';
import { createNode } from '../../node/create-node.js';
import type { Node } from '../../node/node.js';
import { silentLogger } from '../../framework/logging/logger.js';
import { MemoryNetwork } from '../../plugins/transports/memory/memory-network.js';
import { LOOPBACK_TESTNET_SETTINGS } from '../../node/config/loopback-testnet.js';

/** What a probe received. */
export interface Received<M> {
  readonly from: NodeID;
  readonly message: M;
}

/** The reactor `probeReactor` makes: sends anything on its channel and records everything it receives. */
export interface Probe<M> {
  readonly channel: ChannelHandle<M>;
  readonly received: Received<M>[];
}

/**
 * A reactor that speaks one channel as a test peer would: it records every
 * message it receives (of any type the channel carries) and lets the test
 * send whatever it likes, valid or not.
 */
export function probeReactor<O, M>(definition: ChannelDefinition<O, M>, name = `probe-${definition.name}`): ReactorClass & (new () => Probe<M>) {
  @Reactor(name)
  class ChannelProbe implements Probe<M> {
    @Channel(definition) readonly channel!: ChannelHandle<M>;
    readonly received: Received<M>[] = [];

    @OnMessage()
    onMessage(message: unknown, { from }: MessageContext): void {
      this.received.push({ from, message: message as M });
    }
  }
  return ChannelProbe as unknown as ReactorClass & (new () => Probe<M>);
}

/**
 * A memory-transport node in `network` running `reactors`, with `values`
 * (config.toml shape) over test defaults: no reactors from config, fast retries.
 */
export function memoryNode(network: MemoryNetwork, reactors: readonly ReactorClass[], values: Record<string, unknown> = {}): Promise<Node> {
  return createNode(
    {
      values: {
        ...values,
        p2p: { laddr: 'memory', transports: ['memory'], min_retry_time: '10ms', disconnect_cooldown: '20ms', ...LOOPBACK_TESTNET_SETTINGS.p2p, ...((values['p2p'] as object) ?? {}) },
        reactors: { enabled: [], ...((values['reactors'] as object) ?? {}) },
      },
    },
    { memoryNetwork: network, reactors, logger: silentLogger() },
  );
}

export { MemoryNetwork };

/** Polls `predicate` every 5 ms until true; throws naming `what` after `timeoutMs` (default 10 s). */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
