import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { getFreePort, getFreePorts } from '../../../interop/support/ports.js';

function bind(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve()));
  });
}

describe('interop-support: free ports', () => {
  it('returns distinct, bindable ports in the TCP range', async () => {
    const ports = await getFreePorts(8);
    assert.equal(ports.length, 8);
    assert.equal(new Set(ports).size, 8);
    for (const port of ports) {
      assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `bad port ${port}`);
      await bind(port);
    }
  });

  it('never hands out the same port twice in one process', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const port = await getFreePort();
      assert.ok(!seen.has(port), `port ${port} was handed out twice`);
      seen.add(port);
    }
  });

  it('rejects a bad count', async () => {
    for (const count of [0, -1, 1.5, 1025, Number.NaN]) {
      await assert.rejects(getFreePorts(count), { name: 'CometBFTHarnessError', message: /port count/ });
    }
  });

  it('honours an aborted signal', async () => {
    await assert.rejects(getFreePorts(2, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  it('reports an interface it cannot listen on', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface.
    await assert.rejects(getFreePort({ host: '192.0.2.1' }), { name: 'CometBFTHarnessError', message: /192\.0\.2\.1/ });
  });
});
