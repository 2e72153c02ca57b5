import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// The examples import 'tmp2p' (the compiled package, by its own name); so does this test, to share their copy.
import { createTestNetwork, type TestNetwork } from 'tmp2p/testing';
import type { MyEcho as MyEchoClass } from '../../examples/declare-reactor.js';

// The compiled example, from dist/test/examples (npm test) or test/examples (tsx).
const exampleModule = ['../../examples/declare-reactor.js', '../../dist/examples/declare-reactor.js']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((path) => existsSync(path))!;
const { MyEcho } = (await import(exampleModule)) as { MyEcho: typeof MyEchoClass };

describe('examples/declare-reactor.ts', function () {
  this.timeout(30_000);
  let net: TestNetwork | undefined;
  afterEach(() => net?.stop());

  it('runs next to every built-in reactor: its channel is its own', async () => {
    net = await createTestNetwork({
      nodes: 2,
      reactors: [MyEcho],
      config: { reactors: { enabled: ['echo', 'pex', 'flood', 'blocksync', 'consensus-state', 'mempool'], 'my-echo': { ping_interval: '50ms' } } },
    });
    await net.waitForFullMesh();
    const echoes = net.nodes.map((node) => node.reactor(MyEcho));
    await net.waitFor(() => echoes.every((echo) => echo.pongsReceived >= 2), { what: 'pongs on the example\'s channel' });
    assert.ok(echoes.every((echo) => echo.pingsReceived >= 2));
  });
});
