import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tmp2p } from '../../../proto/gen/messages.js';
import { Reactor, Channel } from '../../../framework/reactor/decorators.js';
import { defineChannel } from '../../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../../framework/router/channel.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { createNode } from '../../../node/create-node.js';
import { ListenAddressError, StartupError } from '../../../node/startup-error.js';
import { AbortError } from '../../../framework/errors/base.js';
import { LevelPeerStore } from '../../../plugins/peer-stores/leveldb.js';
import { rejectsWith } from '../../support/rejects-with.js';
import { collectGarbage } from '../../../node/simulation/heap.js';

const { Ping } = tmp2p.echo;

/** Holds a port, like another program would. */
async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Whether 127.0.0.1:port can be listened on now (nothing holds it). */
async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on (the OS picked it free; we release it at once). */
async function freePort(): Promise<number> {
  const { server, port } = await occupy();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const GateChannel = defineChannel({ id: 0x72, name: 'gate', messageType: Ping, priority: 1 });

/** A reactor whose onStart waits until the test opens the gate; it records its stop. */
@Reactor('test-gate')
class GateReactor {
  static entered: () => void = () => {};
  static gate: Promise<void> = Promise.resolve();
  static stopped = 0;
  @Channel(GateChannel) readonly channel!: ChannelHandle<tmp2p.echo.Ping>;

  async onStart(): Promise<void> {
    GateReactor.entered();
    await GateReactor.gate;
  }

  onStop(): void {
    GateReactor.stopped++;
  }
}

describe('node start-up is all or nothing', function () {
  this.timeout(30_000);
  let home: string;
  const held: Server[] = [];

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'tmp2p-startup-'));
  });
  afterEach(async () => {
    for (const server of held.splice(0)) await new Promise((resolve) => server.close(resolve));
    await rm(home, { recursive: true, force: true });
  });

  /** A node on TCP with a LevelDB store in `home`, on ports the test knows. */
  function configFor(p2pPort: number, values: Record<string, unknown>) {
    return {
      values: {
        log_level: 'silent',
        p2p: { laddr: `tcp://127.0.0.1:${p2pPort}`, peer_store: 'leveldb' },
        ...values,
      },
      home,
    };
  }

  /** After a failed start: the P2P port is free again and the LevelDB store's lock was released. */
  async function assertTornDown(p2pPort: number): Promise<void> {
    assert.equal(await portIsFree(p2pPort), true, 'the transport stopped listening');
    const store = new LevelPeerStore({ path: join(home, 'data', 'peerstore') });
    try {
      assert.deepEqual(await store.load(), [], 'the store was closed, so it opens again');
    } finally {
      await store.close();
    }
  }

  it('a taken status port: rejects with ListenAddressError naming status.laddr, and stops the router and peer store', async () => {
    const taken = await occupy();
    held.push(taken.server);
    const p2pPort = await freePort();
    const error = await rejectsWith(
      createNode(configFor(p2pPort, { status: { laddr: `127.0.0.1:${taken.port}` } }), { logger: silentLogger() }),
      ListenAddressError,
    );
    assert.equal(error.name, 'ListenAddressError');
    assert.equal(error.key, 'status.laddr');
    assert.equal(error.part, 'status endpoint');
    assert.equal(error.address, `127.0.0.1:${taken.port}`);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
    assert.match(error.message, new RegExp(`^cannot listen on status\\.laddr = "127\\.0\\.0\\.1:${taken.port}": listen EADDRINUSE`));
    assert.ok(error instanceof StartupError);
    await assertTornDown(p2pPort);
  });

  it('a taken Prometheus port: names instrumentation.prometheus_listen_addr and also closes the status endpoint', async () => {
    const taken = await occupy();
    held.push(taken.server);
    const [p2pPort, statusPort] = [await freePort(), await freePort()];
    const error = await rejectsWith(
      createNode(
        configFor(p2pPort, {
          status: { laddr: `127.0.0.1:${statusPort}` },
          instrumentation: { prometheus: true, prometheus_listen_addr: `127.0.0.1:${taken.port}` },
        }),
        { logger: silentLogger() },
      ),
      ListenAddressError,
    );
    assert.equal(error.key, 'instrumentation.prometheus_listen_addr');
    assert.equal(await portIsFree(statusPort), true, 'the status endpoint that had started is closed');
    await assertTornDown(p2pPort);
  });

  it('a taken P2P port: names p2p.laddr and closes the peer store', async () => {
    const taken = await occupy();
    held.push(taken.server);
    const error = await rejectsWith(createNode(configFor(taken.port, {}), { logger: silentLogger() }), ListenAddressError);
    assert.equal(error.key, 'p2p.laddr');
    assert.equal(error.part, 'router');
    assert.match(error.message, /^cannot listen on p2p\.laddr = "tcp:\/\/127\.0\.0\.1:\d+": listen EADDRINUSE/);
    const store = new LevelPeerStore({ path: join(home, 'data', 'peerstore') });
    await store.load();
    await store.close();
  });

  it('an abort while booting stops what started (reactors included) and rejects with AbortError', async () => {
    const p2pPort = await freePort();
    let open!: () => void;
    GateReactor.gate = new Promise((resolve) => (open = resolve));
    const entered = new Promise<void>((resolve) => (GateReactor.entered = resolve));
    GateReactor.stopped = 0;
    const abort = new AbortController();
    const starting = createNode(configFor(p2pPort, { reactors: { enabled: ['test-gate'] } }), {
      reactors: [GateReactor],
      logger: silentLogger(),
      signal: abort.signal,
    });
    await entered; // the router listens and the reactors are starting
    assert.equal(await portIsFree(p2pPort), false);
    abort.abort();
    open();
    await rejectsWith(starting, AbortError);
    assert.equal(GateReactor.stopped, 1, 'the reactor that had started was stopped');
    await assertTornDown(p2pPort);
  });

  it('a timeout signal nothing else holds still aborts the boot, whatever the garbage collector does', async () => {
    // On Node 20 a full GC collects a signal that only AbortSignal.any() refers to: the timeout never fired.
    const p2pPort = await freePort();
    let open!: () => void;
    GateReactor.gate = new Promise((resolve) => (open = resolve));
    const node = await createNode(configFor(p2pPort, { reactors: { enabled: ['test-gate'] } }), { reactors: [GateReactor], logger: silentLogger(), start: false });
    const collecting = setInterval(collectGarbage, 5);
    const starting = node.start(AbortSignal.timeout(100));
    // Had the timeout been lost, the gate opening would let the start succeed.
    const opening = setTimeout(() => open(), 3000);
    try {
      await rejectsWith(starting, AbortError);
    } finally {
      clearInterval(collecting);
      clearTimeout(opening);
      open();
      await node.stop();
    }
    await assertTornDown(p2pPort);
  });

  it('stop() during start() aborts the start and resolves once everything is down', async () => {
    const p2pPort = await freePort();
    let open!: () => void;
    GateReactor.gate = new Promise((resolve) => (open = resolve));
    const entered = new Promise<void>((resolve) => (GateReactor.entered = resolve));
    const node = await createNode(configFor(p2pPort, { reactors: { enabled: ['test-gate'] } }), {
      reactors: [GateReactor],
      logger: silentLogger(),
      start: false,
    });
    const starting = node.start();
    await entered;
    const stopping = node.stop();
    open();
    await rejectsWith(starting, AbortError);
    await stopping;
    await assertTornDown(p2pPort);
    await assert.rejects(node.start(), { name: 'NodeStateError' });
  });
});
