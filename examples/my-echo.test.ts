import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from 'tmp2p/testing';
import { MyEcho } from './declare-reactor.js';

describe('MyEcho', () => {
  let net: TestNetwork | undefined;
  afterEach(() => net?.stop());

  it('answers every node\'s pings, in a full mesh of three', async () => {
    // In one process over the memory transport; config overrides apply to every node.
    net = await createTestNetwork({ nodes: 3, reactors: [MyEcho], config: { reactors: { 'my-echo': { ping_interval: '50ms' } } } });
    await net.waitForFullMesh();
    const echoes = net.nodes.map((node) => node.reactor(MyEcho));
    await net.waitFor(() => echoes.every((echo) => echo.pongsReceived >= 4), { what: 'pongs from both peers' });
    assert.ok(echoes.every((echo) => echo.pingsReceived >= 4));
  });

  it('keeps pinging a node that restarts', async () => {
    net = await createTestNetwork({ nodes: 2, reactors: [MyEcho], config: { reactors: { 'my-echo': { ping_interval: '50ms' } } } });
    await net.waitForFullMesh();
    const restarted = await net.restartNode(1); // same key; the other node redials it
    await net.waitForFullMesh();
    await net.waitFor(() => restarted.reactor(MyEcho).pongsReceived >= 2, { what: 'pongs after the restart' });
  });
});
