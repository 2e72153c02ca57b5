import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { PeerManagerMetrics } from '../../framework/peer/snapshot.js';
import type { PeerStoreHealth, PeerStoreState } from '../../framework/peer/peer-store.js';
import type { RouterMetricsSnapshot } from '../../framework/router/metrics.js';
import type { GaterSnapshot } from '../../framework/gating/connection-gate.js';

/** What the exporter reads at each scrape; a Node provides it, tests can fake it. */
export interface MetricsSource {
  routerMetrics(): RouterMetricsSnapshot;
  peerManagerMetrics(): PeerManagerMetrics;
  /** Peer store health; without it no store gauges are exported. */
  peerStoreHealth?(): PeerStoreHealth;
}

export interface PrometheusOptions {
  /** Prefix of every metric name. Default "tmp2p". */
  readonly namespace?: string;
  /** Also export Node.js process metrics (CPU, heap, event loop lag). Default true. */
  readonly processMetrics?: boolean;
}

type Labels = Record<string, string>;
type Sample = readonly [Labels, number];

const keyed = (label: string, counts: Readonly<Record<string, number>> | undefined): Sample[] =>
  Object.entries(counts ?? {}).map(([key, value]) => [{ [label]: key }, value]);

const channelLabel = (id: number): string => `0x${id.toString(16).padStart(2, '0')}`;

/**
 * A Prometheus registry whose metrics are read from `source` when scraped.
 * The router and PeerManager keep plain counters (no metrics library in the
 * hot path); this turns their snapshots into Prometheus series, so a scrape
 * costs a few snapshots and nothing is counted twice. Each node gets its own
 * registry, so several nodes in one process never share series.
 */
export function createPrometheusRegistry(source: MetricsSource, options: PrometheusOptions = {}): Registry {
  const ns = options.namespace ?? 'tmp2p';
  const registry = new Registry();

  const counter = (name: string, help: string, labelNames: readonly string[], read: () => Sample[]) =>
    new Counter({
      name: `${ns}_${name}`,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) if (value > 0) this.inc(labels, value);
      },
    });
  const gauge = (name: string, help: string, labelNames: readonly string[], read: () => Sample[]) =>
    new Gauge({
      name: `${ns}_${name}`,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  const r = () => source.routerMetrics();
  const p = () => source.peerManagerMetrics();

  gauge('p2p_peers', 'Peers by state: known to the PeerManager, connected, ready (routed), being dialed.', ['state'], () => [
    [{ state: 'known' }, p().peers],
    [{ state: 'connected' }, p().connected],
    [{ state: 'ready' }, p().ready],
    [{ state: 'dialing' }, p().dialing],
  ]);
  counter('p2p_dials_total', 'Outbound connections the router established.', [], () => [[{}, r().dials]]);
  counter('p2p_dial_failures_total', 'Failed dials and handshakes, by error name.', ['error'], () => keyed('error', r().dialFailures));
  counter('p2p_inbound_accepted_total', 'Inbound connections accepted.', [], () => [[{}, r().accepted]]);
  counter('p2p_inbound_rejected_total', 'Inbound connections refused, by reason.', ['reason'], () => keyed('reason', r().rejectedInbound));
  counter('p2p_outbound_rejected_total', 'Dials refused by connection gating or declined by the PeerManager, by reason.', ['reason'], () => keyed('reason', r().rejectedOutbound));
  const gaters = () => r().gating?.gaters ?? [];
  const perGater = (read: (g: GaterSnapshot) => number | undefined) => (): Sample[] =>
    gaters().flatMap((g): Sample[] => {
      const value = read(g);
      return value === undefined ? [] : [[{ gater: g.name }, value]];
    });
  gauge('p2p_inbound_handshakes_in_progress', 'Inbound connections being gated or handshaken now (bound: p2p.max_concurrent_inbound_handshakes).', [], () => [
    [{}, r().gating?.inboundHandshakes.inProgress ?? 0],
  ]);
  gauge('p2p_inbound_handshake_ips', 'Remote IPs holding inbound handshake slots now (each at most p2p.max_concurrent_inbound_handshakes_per_ip).', [], () => [
    [{}, r().gating?.inboundHandshakes.trackedIps ?? 0],
  ]);
  counter('p2p_gater_denied_total', 'Connections each gater refused, whatever the reason.', ['gater'], perGater((g) => g.denied));
  counter('p2p_gater_timeouts_total', 'Connections refused because a gater did not answer within gating.filter_timeout.', ['gater'], perGater((g) => g.timeouts));
  counter('p2p_gater_errors_total', 'Gater failures (throws, bad answers); each failed check refused its connection.', ['gater'], perGater((g) => g.errors));
  gauge('p2p_gater_tracked_entries', 'Entries in each gater’s per-IP state.', ['gater'], perGater((g) => g.tracked));
  counter('p2p_gater_evictions_total', 'Per-IP entries a gater forgot to stay within its bound.', ['gater'], perGater((g) => g.evictions));
  counter('p2p_gater_refusals_total', 'New IPs a gater refused because its table was full.', ['gater'], perGater((g) => g.refusals));
  counter('p2p_evictions_total', 'Peers disconnected on the PeerManager’s order.', [], () => [[{}, r().evictions]]);
  counter('p2p_peer_errors_total', 'Errors reported against peers (bad messages, protocol violations).', [], () => [[{}, r().peerErrors]]);
  counter('p2p_peer_errors_not_logged_total', 'Peer errors counted without a log line (each connection logs its first only).', [], () => [[{}, r().peerErrorsNotLogged ?? 0]]);
  counter('p2p_loop_errors_total', 'Errors the router’s loops survived, by loop.', ['loop'], () => keyed('loop', r().loopErrors));
  counter('p2p_dial_duration_seconds_sum', 'Total time of successful dials, dial to routed.', [], () => [
    [{}, (r().dialLatency.meanMs * r().dialLatency.count) / 1000],
  ]);
  counter('p2p_dial_duration_seconds_count', 'Successful dials measured.', [], () => [[{}, r().dialLatency.count]]);

  const channels = () => r().channels ?? [];
  counter('p2p_channel_messages_sent_total', 'Messages reactors sent, by channel.', ['channel'], () =>
    channels().map((c) => [{ channel: channelLabel(c.id) }, c.sent]),
  );
  counter('p2p_channel_messages_received_total', 'Messages delivered to reactors, by channel.', ['channel'], () =>
    channels().map((c) => [{ channel: channelLabel(c.id) }, c.received]),
  );
  counter('p2p_channel_decode_errors_total', 'Undecodable messages, by channel.', ['channel'], () =>
    channels().map((c) => [{ channel: channelLabel(c.id) }, c.decodeErrors]),
  );
  counter('p2p_channel_handler_errors_total', 'Reactor handler failures, by channel.', ['channel'], () =>
    channels().map((c) => [{ channel: channelLabel(c.id) }, c.handlerErrors]),
  );
  counter('p2p_channel_drops_total', 'Messages dropped, by channel and reason.', ['channel', 'reason'], () =>
    channels().flatMap((c) => Object.entries(c.drops).map(([reason, n]): Sample => [{ channel: channelLabel(c.id), reason }, n])),
  );
  gauge('p2p_channel_queue_length', 'Inbound messages waiting for the reactor, by channel.', ['channel'], () =>
    channels().map((c) => [{ channel: channelLabel(c.id) }, c.queueLength]),
  );
  counter('p2p_peer_queue_drops_total', 'Outbound messages dropped from peers’ queues, by reason (summed over connected peers).', ['reason'], () => {
    const sums: Record<string, number> = {};
    for (const peer of r().peerDrops ?? []) for (const [reason, n] of Object.entries(peer.drops)) sums[reason] = (sums[reason] ?? 0) + n;
    return keyed('reason', sums);
  });

  counter('peer_manager_dial_attempts_total', 'Addresses handed to the dialer.', [], () => [[{}, p().dialAttempts]]);
  counter('peer_manager_addresses_given_up_total', 'Addresses of non-persistent peers removed after p2p.max_dial_failures consecutive failed dials.', [], () => [[{}, p().addressesGivenUp]]);
  counter('peer_manager_peers_given_up_total', 'Peers forgotten because their last address was given up.', [], () => [[{}, p().peersGivenUp]]);
  counter('peer_manager_flaps_total', 'Outbound connections that ended within p2p.flap_window of the dial, counted as failed dials.', [], () => [[{}, p().flaps]]);
  counter('peer_manager_rejected_total', 'Connections the PeerManager refused, by reason.', ['reason'], () => keyed('reason', p().rejected));
  counter('peer_manager_bans_total', 'Peers banned.', [], () => [[{}, p().bans]]);
  counter('peer_manager_pruned_total', 'Peers forgotten to stay within max_peers.', [], () => [[{}, p().pruned]]);
  counter('peer_store_errors_total', 'Failed peer store writes.', [], () => [[{}, p().storeErrors]]);
  counter('peer_store_writes_dropped_total', 'Peer store writes dropped because too many were waiting.', [], () => [[{}, p().storeWritesDropped]]);
  counter('peer_store_corrupt_records_total', 'Peer store records skipped at load because they were corrupted.', [], () => [[{}, p().corruptRecords]]);

  const health = source.peerStoreHealth?.bind(source);
  if (health) {
    const states: readonly PeerStoreState[] = ['connecting', 'up', 'down', 'closed'];
    gauge('peer_store_state', 'Peer store state: 1 for the current one (down = database unreachable, writes buffered).', ['store', 'state'], () => {
      const h = health();
      return states.map((state): Sample => [{ store: h.store, state }, h.state === state ? 1 : 0]);
    });
    gauge('peer_store_pending_writes', 'Peer store writes accepted but not yet durable.', ['store'], () => {
      const h = health();
      return [[{ store: h.store }, h.pendingWrites]];
    });
  }
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: `${ns}_` });
  return registry;
}
