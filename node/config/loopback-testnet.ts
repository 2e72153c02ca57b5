/**
 * Settings for a testnet whose nodes share one host and reach each other over
 * loopback. Every node then sees every other at the same IP (127.0.0.1), so
 * the per-IP limits that protect a public node — a few handshakes in progress
 * and a few connections per remote IP — would let each node reach only a few
 * others. These turn both off; the global handshake cap and the inbound and
 * outbound budgets stay. Never for a node other hosts can reach.
 *
 * Nested like config.toml (snake_case). `tmp2p init --loopback-testnet`
 * writes them into the config file; `tmp2p demo` and `createTestNetwork`
 * apply them to their nodes.
 */
export const LOOPBACK_TESTNET_SETTINGS = Object.freeze({
  p2p: Object.freeze({ max_concurrent_inbound_handshakes_per_ip: 0 }),
  gating: Object.freeze({ per_ip: Object.freeze({ max_connections: 0 }) }),
});
