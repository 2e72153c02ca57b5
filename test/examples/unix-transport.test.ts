import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The examples import 'tmp2p' (the compiled package, by its own name); so does this test, to share their copy.
import { createNode, silentLogger, type Node } from 'tmp2p';
import { encodeDelimited } from 'tmp2p/plugins';

// The compiled example, from dist/test/examples (npm test) or test/examples (tsx).
const transportModule = ['../../examples/unix-transport.js', '../../dist/examples/unix-transport.js']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path))!;
const { SOCKET_DIR } = (await import(transportModule)) as { SOCKET_DIR: symbol };

/** Sends raw bytes to a node's socket as a hostile peer would; resolves once the node has closed the connection. */
function sendRaw(socketPath: string, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath, () => socket.write(bytes));
    socket.on('error', reject);
    socket.on('data', () => {}); // the node's challenge
    socket.on('close', () => resolve());
  });
}

/** The errors of the inbound connections a node refuses, as they happen. */
function rejections(node: Node): Error[] {
  const errors: Error[] = [];
  node.events$.subscribe((event) => {
    if (event.type === 'connection-rejected' && event.direction === 'inbound') errors.push(event.error);
  });
  return errors;
}

/** Polls until `predicate` holds; fails after 10 s. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A frame as the example writes them: uvarint length ‖ body. */
const frame = (body: Uint8Array) => Buffer.from(encodeDelimited(body));

describe('examples/unix-transport.ts', function () {
  this.timeout(30_000);
  let dir: string;
  const nodes: Node[] = [];
  const start = (persistentPeers = '') =>
    createNode(
      { values: { p2p: { laddr: 'memory', transports: [transportModule], persistent_peers: persistentPeers }, reactors: { enabled: [] } } },
      { logger: silentLogger(), configure: (c) => void c.bind(SOCKET_DIR).toConstantValue(dir) },
    ).then((node) => (nodes.push(node), node));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmp2p-unix-test-'));
  });
  afterEach(async () => {
    for (const node of nodes.splice(0).reverse()) await node.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects two nodes addressed unix:<node id>, each proving its key', async () => {
    const first = await start();
    assert.deepEqual(first.addresses().map(String), [`unix:${first.nodeId}`]);
    const second = await start(String(first.addresses()[0]));
    await until(() => first.peers().includes(second.nodeId) && second.peers().includes(first.nodeId), 'the nodes connect');
  });

  it('closes a connection whose first frame announces more than a challenge, before buffering it', async () => {
    const node = await start();
    const refused = rejections(node);
    // A length prefix of 2^32 - 1 (uvarint), then a few bytes: refused on the prefix alone.
    await sendRaw(join(dir, `${node.nodeId}.sock`), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    await until(() => refused.length === 1, 'the node refuses the connection');
    assert.match(String((refused[0]!.cause as Error | undefined)?.message), /unix transport frame declares 4294967295 bytes; the limit is 32/);
    assert.deepEqual(node.router.metrics().rejectedInbound, { HandshakeError: 1 });
  });

  it('closes a connection whose signature does not prove its key', async () => {
    const node = await start();
    const refused = rejections(node);
    const identity = Buffer.concat([Buffer.alloc(32, 7), Buffer.alloc(64, 9), Buffer.from('not a NodeInfo')]);
    await sendRaw(join(dir, `${node.nodeId}.sock`), Buffer.concat([frame(Buffer.alloc(32, 1)), frame(identity)]));
    await until(() => refused.length === 1, 'the node refuses the connection');
    assert.match(refused[0]!.message, /the peer did not prove that it holds its key: bad signature/);
    assert.deepEqual(node.router.metrics().rejectedInbound, { HandshakeError: 1 });
    assert.deepEqual(node.peers(), []);
  });
});
