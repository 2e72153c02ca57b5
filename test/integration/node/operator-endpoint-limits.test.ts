import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { startCli, stopCli, tmp2p, type RunningNode } from '../../support/cli.js';

/**
 * The node's file-descriptor limit: well under the idle connections the test opens, so without
 * `status.max_open_connections` (run with TMP2P_STATUS_MAX_OPEN_CONNECTIONS=0 to see it) the node
 * cannot accept the peer's connection.
 */
const NODE_FD_LIMIT = 512;
const IDLE_CONNECTIONS = 1_000;

/** Opens a TCP connection and sends nothing; resolves once it connected or failed. */
function idleConnection(port: number, sockets: Socket[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.once('connect', () => resolve());
    socket.once('error', () => resolve());
    socket.on('error', () => {}); // a reset from the capped server is expected
  });
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('status endpoint under idle connections', function () {
  this.timeout(90_000);
  let home: string;
  let server: RunningNode | undefined;
  let peer: Node | undefined;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'tmp2p-idle-'));
    assert.equal((await tmp2p(['init', '--home', home])).code, 0);
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await peer?.stop();
    peer = undefined;
    if (server) await stopCli(server);
    server = undefined;
    await rm(home, { recursive: true, force: true });
  });

  it(`${IDLE_CONNECTIONS} idle HTTP connections to a node limited to ${NODE_FD_LIMIT} descriptors do not stop a P2P handshake and messages`, async () => {
    server = await startCli(
      [
        '--home', home, '--set', 'reactors.enabled=["echo","pex"]', '--set', 'reactors.echo.ping_interval=100ms', '--log-level', 'error',
        // Idle clients are not timed out during the test: like an attacker who reconnects as fast as
        // it is cut off, they hold whatever the endpoint lets them hold. Only the cap protects.
        '--set', 'status.client_timeout=10m',
      ],
      { status: true, shellPrefix: `ulimit -n ${NODE_FD_LIMIT} &&` },
    );
    const statusPort = Number(new URL(server.statusUrl!).port);
    for (let i = 0; i < IDLE_CONNECTIONS; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => idleConnection(statusPort, sockets)));
    }

    // A fresh peer: SecretConnection handshake, then echo pings and pongs both ways.
    peer = await createNode(
      {
        values: {
          p2p: { laddr: 'tcp://127.0.0.1:0', persistent_peers: server.address.replace(/^\w+:\/\//, '') },
          reactors: { enabled: ['echo'], echo: { ping_interval: '100ms' } },
        },
      },
      { reactors: [EchoReactor], logger: silentLogger() },
    );
    const echo = peer.reactor(EchoReactor);
    await waitUntil(() => peer!.peers().includes(server!.nodeId as never), 'the handshake with the node');
    await waitUntil(() => echo.stats.pongsReceived > 0 && echo.stats.pingsReceived > 0, 'pings and pongs with the node');

    assert.match(server.output(), /listening on/);
    assert.doesNotMatch(server.output(), /EMFILE/);
  });
});
