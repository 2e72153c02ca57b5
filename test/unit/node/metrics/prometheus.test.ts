import assert from 'node:assert/strict';
import { createPrometheusRegistry, parseListenAddr, type MetricsSource } from '../../../../node/metrics/index.js';
import type { PeerManagerMetrics } from '../../../../framework/peer/snapshot.js';
import type { RouterMetricsSnapshot } from '../../../../framework/router/metrics.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';

function routerSnapshot(overrides: Partial<RouterMetricsSnapshot> = {}): RouterMetricsSnapshot {
  return {
    dials: 7,
    accepted: 3,
    evictions: 1,
    peerErrors: 2,
    peerErrorsNotLogged: 1,
    dialFailures: { DialError: 4, HandshakeTimeoutError: 1 },
    rejectedInbound: { banned: 5 },
    rejectedOutbound: {},
    loopErrors: {},
    departedPeerDrops: { 'closed-discard': 40 },
    dialLatency: { count: 4, meanMs: 250, maxMs: 600 },
    peers: 2,
    channels: [{ id: 0x70, sent: 11, received: 9, decodeErrors: 1, handlerErrors: 0, drops: { 'queue-full': 6 }, queueLength: 3 }],
    peerDrops: [
      { nodeId: 'a', drops: { 'queue-full': 2 } },
      { nodeId: 'b', drops: { 'queue-full': 3, 'peer-gone': 1 } },
    ],
    ...overrides,
  };
}

function peerManagerSnapshot(): PeerManagerMetrics {
  return {
    dials: 7,
    dialAttempts: 12,
    dialFailures: 5,
    flaps: 4,
    addressesGivenUp: 6,
    peersGivenUp: 2,
    accepted: 3,
    rejected: { banned: 5 } as PeerManagerMetrics['rejected'],
    evictions: 1,
    bans: 1,
    pruned: 0,
    storeErrors: 0,
    storeWritesDropped: 0,
    corruptRecords: 2,
    peers: 40,
    connected: 2,
    ready: 2,
    dialing: 1,
  };
}

/** Parses the text format into "name{labels}" → value, enough to check series. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('Prometheus exporter', () => {
  let router = routerSnapshot();
  const source: MetricsSource = { routerMetrics: () => router, peerManagerMetrics: peerManagerSnapshot };

  it('exports router, channel and PeerManager counters under the namespace', async () => {
    router = routerSnapshot();
    const text = await createPrometheusRegistry(source, { namespace: 'testnet', processMetrics: false }).metrics();
    const s = series(text);
    assert.equal(s.get('testnet_p2p_peers{state="known"}'), 40);
    assert.equal(s.get('testnet_p2p_peers{state="ready"}'), 2);
    assert.equal(s.get('testnet_p2p_dials_total'), 7);
    assert.equal(s.get('testnet_p2p_dial_failures_total{error="DialError"}'), 4);
    assert.equal(s.get('testnet_p2p_dial_failures_total{error="HandshakeTimeoutError"}'), 1);
    assert.equal(s.get('testnet_p2p_inbound_rejected_total{reason="banned"}'), 5);
    assert.equal(s.get('testnet_p2p_peer_errors_not_logged_total'), 1);
    assert.equal(s.get('testnet_p2p_dial_duration_seconds_sum'), 1);
    assert.equal(s.get('testnet_p2p_dial_duration_seconds_count'), 4);
    assert.equal(s.get('testnet_p2p_channel_messages_sent_total{channel="0x70"}'), 11);
    assert.equal(s.get('testnet_p2p_channel_decode_errors_total{channel="0x70"}'), 1);
    assert.equal(s.get('testnet_p2p_channel_drops_total{channel="0x70",reason="queue-full"}'), 6);
    assert.equal(s.get('testnet_p2p_channel_queue_length{channel="0x70"}'), 3);
    assert.equal(s.get('testnet_p2p_peer_queue_drops_total{reason="queue-full"}'), 5);
    assert.equal(s.get('testnet_p2p_peer_queue_drops_total{reason="peer-gone"}'), 1);
    assert.equal(s.get('testnet_peer_store_corrupt_records_total'), 2);
    assert.equal(s.get('testnet_peer_manager_addresses_given_up_total'), 6);
    assert.equal(s.get('testnet_peer_manager_peers_given_up_total'), 2);
    assert.match(text, /# TYPE testnet_p2p_dials_total counter/);
    assert.ok(![...s.keys()].some((k) => k.startsWith('tmp2p_')), 'nothing is exported under the default namespace');
  });

  it('reads fresh values at every scrape', async () => {
    router = routerSnapshot();
    const registry = createPrometheusRegistry(source, { processMetrics: false });
    assert.equal(series(await registry.metrics()).get('tmp2p_p2p_dials_total'), 7);
    router = routerSnapshot({ dials: 8, dialFailures: {} });
    const s = series(await registry.metrics());
    assert.equal(s.get('tmp2p_p2p_dials_total'), 8);
    assert.equal(s.get('tmp2p_p2p_dial_failures_total{error="DialError"}'), undefined, 'a reason that no longer counts disappears');
  });

  it('exports the peer store state and backlog when the source reports them', async () => {
    router = routerSnapshot();
    const registry = createPrometheusRegistry(
      { ...source, peerStoreHealth: () => ({ store: 'mongodb', state: 'down', pendingWrites: 42, lastError: 'connection refused' }) },
      { processMetrics: false },
    );
    const s = series(await registry.metrics());
    assert.equal(s.get('tmp2p_peer_store_state{store="mongodb",state="down"}'), 1);
    assert.equal(s.get('tmp2p_peer_store_state{store="mongodb",state="up"}'), 0);
    assert.equal(s.get('tmp2p_peer_store_pending_writes{store="mongodb"}'), 42);
  });

  it('adds Node.js process metrics unless turned off, and keeps registries of two nodes apart', async () => {
    router = routerSnapshot();
    const a = createPrometheusRegistry(source);
    const b = createPrometheusRegistry(source);
    const text = await a.metrics();
    assert.match(text, /^tmp2p_process_cpu_user_seconds_total /m);
    assert.match(text, /^tmp2p_nodejs_heap_size_used_bytes /m);
    assert.match(await b.metrics(), /^tmp2p_p2p_dials_total 7$/m);
  });

  it('parses listen addresses and rejects bad ones naming the key', () => {
    assert.deepEqual(parseListenAddr(':26660'), { host: undefined, port: 26660 });
    assert.deepEqual(parseListenAddr('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListenAddr('tcp://[::1]:9000'), { host: '::1', port: 9000 });
    for (const bad of ['', 'localhost', '127.0.0.1:99999', 'http://x:1']) {
      assert.throws(() => parseListenAddr(bad), (e: Error) => e instanceof InvalidArgumentError && e.message.includes('instrumentation.prometheus_listen_addr') && e.message.includes(`"${bad}"`));
    }
  });
});
