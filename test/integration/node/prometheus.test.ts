import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { loadConfig, ConfigError } from '../../../node/config/index.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';

describe('Prometheus metrics endpoint', function () {
  this.timeout(20_000);
  let net: TestNetwork | undefined;

  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('serves live peer and channel metrics of a running node at /metrics', async () => {
    net = await createTestNetwork({
      nodes: 3,
      reactors: [EchoReactor],
      config: {
        instrumentation: { prometheus: true, prometheus_listen_addr: '127.0.0.1:0' },
        reactors: { echo: { ping_interval: '20ms' } },
      },
    });
    await net.waitForFullMesh();
    const node = net.node(0);
    await net.waitFor(() => node.reactor(EchoReactor).stats.pongsReceived >= 2, { what: 'echo traffic' });
    assert.ok(node.metricsUrl, 'the node reports where its metrics are');
    const response = await fetch(node.metricsUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, /^tmp2p_p2p_peers\{state="ready"\} 2$/m);
    const sent = /^tmp2p_p2p_channel_messages_sent_total\{channel="0x70"\} (\d+)$/m.exec(text);
    assert.ok(sent && Number(sent[1]) >= 2, `echo channel traffic is counted:\n${text.slice(0, 2000)}`);
    assert.match(text, /^tmp2p_nodejs_eventloop_lag_seconds /m);
    assert.match(text, /^tmp2p_peer_store_state\{store="memory",state="up"\} 1$/m);
    const other = await fetch(node.metricsUrl.replace(/\/metrics$/, '/nope'));
    assert.equal(other.status, 404);
    await other.text();
  });

  it('is off by default', async () => {
    net = await createTestNetwork({ nodes: 1, reactors: [EchoReactor] });
    assert.equal(net.node(0).metricsUrl, undefined);
  });

  it('rejects a bad namespace and listen address naming the key', async () => {
    for (const [values, key] of [
      [{ instrumentation: { namespace: '1metrics' } }, 'instrumentation.namespace'],
      [{ instrumentation: { prometheus_listen_addr: 'everywhere' } }, 'instrumentation.prometheus_listen_addr'],
      [{ instrumentation: { prometheus: 'yes' } }, 'instrumentation.prometheus'],
    ] as const) {
      await assert.rejects(loadConfig({ values }), (e: Error) => e instanceof ConfigError && e.key === key);
    }
  });
});
