import assert from 'node:assert/strict';
import { filter, firstValueFrom } from 'rxjs';
import { inject } from 'inversify';
import { tmp2p } from '../../../proto/gen/messages.js';
import { Reactor, Channel, OnMessage, OnPeerUpdate, Every, type MessageContext } from '../../../framework/reactor/decorators.js';
import { defineChannel } from '../../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../../framework/router/channel.js';
import type { PeerUpdate } from '../../../framework/peer/types.js';
import { TOKENS } from '../../../framework/tokens.js';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { createNode } from '../../../node/create-node.js';
import { ReactorDefinitionError } from '../../../framework/reactor/scanner.js';
import { UnknownReactorError } from '../../../node/registry/plugin-registry.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { countingLogger } from '../../support/log-sink.js';

const { Ping, Pong } = tmp2p.echo;
type Ping = tmp2p.echo.Ping;

// A channel whose message type is Ping itself (no wrapper).
const CounterChannel = defineChannel({ id: 0x71, name: 'counter', messageType: Ping, priority: 2 });

@Reactor('test-counter')
class CounterReactor {
  @Channel(CounterChannel) readonly counter!: ChannelHandle<Ping>;
  readonly received: Array<{ from: string; content: string }> = [];
  readonly updates: PeerUpdate[] = [];
  ticks = 0;
  started = false;
  stopped = false;

  /** From its own `[reactors.test-counter]` table. */
  readonly label: string;

  constructor(@inject(TOKENS.ReactorTables) tables: Readonly<Record<string, Record<string, unknown>>>) {
    this.label = String(tables['test-counter']?.label ?? 'unlabelled');
  }

  @Every('10ms')
  tick(): void {
    this.ticks++;
    this.counter.broadcast(Ping.create({ content: `${this.label}:${this.ticks}` }));
  }

  @OnMessage(Ping)
  onPing(message: Ping, context: MessageContext): void {
    this.received.push({ from: context.from, content: message.content });
  }

  @OnPeerUpdate()
  onPeer(update: PeerUpdate): void {
    this.updates.push(update);
  }

  onStart(): void {
    this.started = true;
  }

  onStop(): void {
    this.stopped = true;
  }
}

describe('reactors declared with decorators', function () {
  this.timeout(20_000);
  let net: TestNetwork | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('are enabled by name from config, wired at boot, and unwired at stop', async () => {
    net = await createTestNetwork({
      nodes: 3,
      reactors: [CounterReactor],
      nodeConfig: (i) => ({ reactors: { enabled: ['pex', 'test-counter'], 'test-counter': { label: `node-${i}` } } }),
    });
    await net.waitForFullMesh();
    const reactors = net.nodes.map((n) => n.reactor(CounterReactor));
    await net.waitFor(() => reactors.every((r) => new Set(r.received.map((m) => m.from)).size === 2), { what: 'messages from both peers' });
    for (const [i, r] of reactors.entries()) {
      assert.equal(r.started, true);
      assert.equal(r.label, `node-${i}`, 'its own config table is injected');
      assert.ok(r.ticks > 0);
      assert.deepEqual(r.updates.filter((u) => u.status === 'up').length, 2);
      assert.ok(r.updates.every((u) => u.channels.has(0x71) || u.status === 'down'));
      assert.ok(net.node(i).nodeInfo.channels.includes(0x71), 'the channel is advertised in NodeInfo');
    }
    const node0 = net.node(0);
    await node0.stop();
    assert.equal(reactors[0]!.stopped, true);
    const ticks = reactors[0]!.ticks;
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(reactors[0]!.ticks, ticks, 'timers stop with the node');
  });

  it('rejects a handler for a type none of its channels carries', async () => {
    @Reactor('test-bad-handler')
    class BadReactor {
      @Channel(CounterChannel) readonly counter!: ChannelHandle<Ping>;
      @OnMessage(Pong)
      onPong(): void {}
    }
    await assert.rejects(
      createNode({ values: { p2p: { laddr: 'memory', transports: ['memory'] }, reactors: { enabled: [] } } }, { reactors: [BadReactor], logger: silentLogger() }),
      (error: Error) => error instanceof ReactorDefinitionError && /onPong handles Pong, but none of the reactor's channels carries it/.test(error.message),
    );
  });

  it('rejects an unknown reactor name with the list of known ones', async () => {
    await assert.rejects(
      createNode({ values: { p2p: { laddr: 'memory', transports: ['memory'] }, reactors: { enabled: ['nope'] } } }, { logger: silentLogger() }),
      (error: Error) => error instanceof UnknownReactorError && /no reactor named "nope"; known reactors: .*echo/.test(error.message),
    );
  });

  it('reports a message with no handler as a peer error', async () => {
    @Reactor('test-deaf')
    class DeafReactor {
      @Channel(defineChannel({ id: 0x72, messageType: Ping })) readonly deaf!: ChannelHandle<Ping>;
    }
    net = await createTestNetwork({ nodes: 2, reactors: [DeafReactor] });
    await net.waitForFullMesh();
    const errors: string[] = [];
    net.node(1).events$.subscribe((e) => e.type === 'peer-error' && errors.push(e.error.name));
    net.node(0).reactor(DeafReactor).deaf.broadcast(Ping.create({ content: 'hello?' }));
    await net.waitFor(() => errors.length > 0, { what: 'a peer error' });
    assert.deepEqual(errors, ['UnhandledMessageError']);
    assert.equal(net.node(1).peers().length, 1, 'one unhandled message is not worth a disconnect');
  });

  it('disconnects a peer that keeps sending messages nobody handles', async () => {
    @Reactor('test-deaf-2')
    class DeafReactor {
      @Channel(defineChannel({ id: 0x73, messageType: Ping })) readonly deaf!: ChannelHandle<Ping>;
    }
    net = await createTestNetwork({ nodes: 2, reactors: [DeafReactor], config: { p2p: { max_peer_errors: 5 } } });
    await net.waitForFullMesh();
    const fatal: boolean[] = [];
    net.node(1).events$.subscribe((e) => e.type === 'peer-error' && fatal.push(e.fatal));
    const down = firstValueFrom(net.node(1).events$.pipe(filter((e) => e.type === 'peer-down')));
    for (let i = 0; i < 10; i++) net.node(0).reactor(DeafReactor).deaf.broadcast(Ping.create({ content: String(i) }));
    await down;
    assert.deepEqual(fatal.slice(0, 6), [false, false, false, false, false, true], 'the sixth error is fatal');
  });

  it('logs a handler that throws on every message once, and counts every failure', async () => {
    @Reactor('test-brittle')
    class BrittleReactor {
      @Channel(defineChannel({ id: 0x74, name: 'brittle', messageType: Ping })) readonly brittle!: ChannelHandle<Ping>;
      @OnMessage(Ping) onPing(): void {
        throw new RangeError('cannot handle this ping');
      }
    }
    const { logger, sink } = countingLogger('info');
    net = await createTestNetwork({ nodes: 2, reactors: [BrittleReactor], logger });
    await net.waitForFullMesh();
    for (let i = 0; i < 50; i++) net.node(0).reactor(BrittleReactor).brittle.broadcast(Ping.create({ content: String(i) }));
    const channel = () => net!.node(1).router.metrics().channels!.find((c) => c.id === 0x74)!;
    await net.waitFor(() => channel().handlerErrors === 50, { what: 'every failure counted' });
    const failures = sink.entries().filter((e) => String(e['msg']).startsWith('reactor handler failed'));
    assert.equal(failures.length, 1, 'one line (with its stack) for the repeated failure');
    assert.match(JSON.stringify(failures[0]), /RangeError: cannot handle this ping/);
  });
});
