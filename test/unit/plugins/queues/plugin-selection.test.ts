import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createTestNetwork, type TestNetwork } from '../../../../node/testing/test-network.js';
import { EchoReactor } from '../../../../reactors/echo/echo-reactor.js';
import { Ping } from '../../../../reactors/echo/echo-channel.js';
import { TOKENS } from '../../../../framework/tokens.js';
import type { QueueFactory } from '../../../../framework/queue/queue.js';
import type { WdrrQueueFactory } from '../../../../plugins/queues/wdrr.js';

const FAST_ECHO = { reactors: { echo: { ping_interval: '20ms' } } };

/** Compiled tests load the .js next to them; running from source (tsx) loads the .ts. */
const roundRobinPath = ['js', 'ts']
  .map((ext) => fileURLToPath(new URL(`../../../support/queues/round-robin-scheduler.${ext}`, import.meta.url)))
  .find(existsSync)!;

describe('queue plugins selected by config on a memory network', function () {
  this.timeout(20_000);
  let net: TestNetwork | undefined;

  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('loads a custom scheduler by module path and routes messages through it', async () => {
    net = await createTestNetwork({ nodes: 3, reactors: [EchoReactor], config: { ...FAST_ECHO, p2p: { queue_type: roundRobinPath } } });
    await net.waitForFullMesh();
    const factories = net.nodes.map((n) => n.container.get<QueueFactory>(TOKENS.QueueFactory));
    assert.deepEqual(factories.map((f) => f.name), ['round-robin', 'round-robin', 'round-robin']);
    await net.waitFor(() => net!.nodes.every((n) => n.reactor(EchoReactor).stats.pongsReceived >= 4), { what: 'echo through the custom queues' });
  });

  for (const queueType of ['priority', 'wdrr', roundRobinPath]) {
    const name = queueType === roundRobinPath ? 'round-robin (by path)' : queueType;
    it(`${name}: selects the plugin and keeps one peer's channel messages in order end to end`, async () => {
      net = await createTestNetwork({ nodes: 2, reactors: [EchoReactor], config: { p2p: { queue_type: queueType }, reactors: { echo: { ping_interval: '1h' } } } });
      await net.waitForFullMesh();
      const [a, b] = [net.node(0), net.node(1)];
      assert.equal(a.container.get<QueueFactory>(TOKENS.QueueFactory).name, queueType === roundRobinPath ? 'round-robin' : queueType);
      const got = firstValueFrom(b.reactor(EchoReactor).echo.inbound.pipe(take(500), toArray()));
      const echo = a.reactor(EchoReactor).echo;
      for (let i = 0; i < 500; i++) assert.equal(await echo.sendWhenRoom(b.nodeId, Ping.create({ content: String(i) })), 'queued');
      const contents = (await got).map((e) => Number((e.message as Ping).content));
      assert.deepEqual(contents, [...Array(500).keys()]);
    });
  }

  it('passes the [queues.wdrr] settings to the plugin', async () => {
    net = await createTestNetwork({
      nodes: 2,
      reactors: [EchoReactor],
      config: { ...FAST_ECHO, p2p: { queue_type: 'wdrr' }, queues: { wdrr: { quantum_per_priority: 4096, block_when_full: true, capacity_bytes: 65536 } } },
    });
    await net.waitForFullMesh();
    const factory = net.node(0).container.get<WdrrQueueFactory>(TOKENS.QueueFactory);
    assert.deepEqual(factory.settings, { quantumPerPriority: 4096, blockWhenFull: true, defaultCapacityBytes: 65536 });
    await net.waitFor(() => net!.nodes.every((n) => n.reactor(EchoReactor).stats.pongsReceived >= 2), { what: 'echo through wdrr' });
  });

  it('names the available plugins when queue_type is unknown', async () => {
    await assert.rejects(
      createTestNetwork({ nodes: 1, config: { p2p: { queue_type: 'no-such-queue' } } }),
      (e: Error) => e.name === 'PluginNotFoundError' && /priority/.test(e.message) && /wdrr/.test(e.message),
    );
  });
});
