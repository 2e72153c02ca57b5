import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../../../node/config/index.js';
import { createNode } from '../../../../node/create-node.js';
import { silentLogger } from '../../../../framework/logging/logger.js';
import { rejectsWith } from '../../../support/rejects-with.js';

const configError = (promise: Promise<unknown>): Promise<ConfigError> => rejectsWith(promise, ConfigError);

const MEMORY = { p2p: { laddr: 'memory', transports: ['memory'] }, reactors: { enabled: [] } };

describe('gating configuration', () => {
  it('has documented defaults: every built-in gater, inert except the per-IP cap of 4', async () => {
    const { gating } = await loadConfig();
    assert.deepEqual(gating.gaters, ['cidr', 'node-id', 'per-ip', 'attempt-window']);
    assert.equal(gating.filterTimeoutMs, 5000);
    assert.deepEqual(gating.cidr, { allow: [], deny: [] });
    assert.deepEqual(gating.nodeId, { allow: [], deny: [] });
    assert.deepEqual(gating.perIp, { maxConnections: 4, allowDuplicateIp: true, maxTrackedIps: 10_000 });
    assert.deepEqual(gating.attemptWindow, { windowMs: 0, maxTrackedIps: 10_000 });
    assert.deepEqual(gating.options, {});
  });

  it('reads every key, from files, the environment and --set', async () => {
    const { gating } = await loadConfig({
      toml: '[gating]\nfilter_timeout = "250ms"\n[gating.cidr]\ndeny = ["10.0.0.0/8", "2001:db8::/32"]\n[gating.attempt_window]\nwindow = "100ms"\n',
      env: { TMP2P_GATING_CIDR_ALLOW: '10.0.0.0/8, 192.168.0.0/16', TMP2P_GATING_PER_IP_ALLOW_DUPLICATE_IP: 'false' },
      set: { 'gating.per_ip.max_connections': '3', 'gating.node_id.deny': 'a'.repeat(40) },
    });
    assert.equal(gating.filterTimeoutMs, 250);
    assert.deepEqual(gating.cidr, { allow: ['10.0.0.0/8', '192.168.0.0/16'], deny: ['10.0.0.0/8', '2001:db8::/32'] });
    assert.equal(gating.attemptWindow.windowMs, 100);
    assert.deepEqual(gating.perIp, { maxConnections: 3, allowDuplicateIp: false, maxTrackedIps: 10_000 });
    assert.deepEqual(gating.nodeId.deny, ['a'.repeat(40)]);
  });

  it('passes other [gating.<name>] tables on, camelCased, for custom gaters', async () => {
    const { gating } = await loadConfig({ toml: '[gating.my-gater]\nregistry_url = "http://localhost:1"\nmax_age = 3\n' });
    assert.deepEqual(gating.options, { 'my-gater': { registryUrl: 'http://localhost:1', maxAge: 3 } });
  });

  it('rejects invalid values with a ConfigError naming the key, the value and what is allowed', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ cidr: { deny: ['10.0.0.0/8', '10.0.0.0/33'] } }, 'gating.cidr.deny.1', /"10\.0\.0\.0\/33" is invalid: invalid CIDR "10\.0\.0\.0\/33": prefix \/33 is longer than the 32 bits/],
      [{ cidr: { allow: ['2001:db8::1/64'] } }, 'gating.cidr.allow.0', /"2001:db8::1\/64" is invalid: .*host bits are set below \/64/],
      [{ cidr: { allow: ['localhost/8'] } }, 'gating.cidr.allow.0', /"localhost" is not an IPv4 or IPv6 address/],
      [{ cidr: { deny: '10.0.0.0/8' } }, 'gating.cidr.deny', /expected a list of CIDR blocks/],
      [{ cidr: { deny: [8] } }, 'gating.cidr.deny.0', /expected a CIDR block/],
      [{ node_id: { deny: ['ABC'] } }, 'gating.node_id.deny.0', /"ABC" is invalid: invalid node ID "ABC"/],
      [{ node_id: { allow: ['A'.repeat(40)] } }, 'gating.node_id.allow.0', /upper-case hex/],
      [{ per_ip: { max_connections: -1 } }, 'gating.per_ip.max_connections', /= -1 is invalid: expected an integer ≥ 0/],
      [{ per_ip: { max_connections: 2.5 } }, 'gating.per_ip.max_connections', /expected an integer/],
      [{ per_ip: { allow_duplicate_ip: 'no' } }, 'gating.per_ip.allow_duplicate_ip', /"no" is invalid: expected true or false/],
      [{ per_ip: { max_tracked_ips: 0 } }, 'gating.per_ip.max_tracked_ips', /expected an integer ≥ 1/],
      [{ per_ip: { max_conections: 3 } }, 'gating.per_ip.max_conections', /unknown key; allowed keys here: max_connections, allow_duplicate_ip, max_tracked_ips/],
      [{ attempt_window: { window: '0.5ms' } }, 'gating.attempt_window.window', /"0\.5ms" is invalid: expected "0s" \(off\) or a duration of at least 1ms/],
      [{ attempt_window: { window: 'soon' } }, 'gating.attempt_window.window', /expected a duration/],
      [{ attempt_window: { max_tracked_ips: -5 } }, 'gating.attempt_window.max_tracked_ips', /expected an integer ≥ 1/],
      [{ filter_timeout: '0s' }, 'gating.filter_timeout', /"0s" is invalid: expected a duration of at least 1ms/],
      [{ gaters: ['cidr', 'cidr'] }, 'gating.gaters', /expected each gater at most once/],
      [{ gaters: [''] }, 'gating.gaters.0', /expected a plugin name or module path/],
      [{ gaters: 'cidr' }, 'gating.gaters', /expected/],
      [{ max_connections: 3 }, 'gating.max_connections', /expected a table of gater options/],
    ];
    for (const [gating, key, message] of cases) {
      const error = await configError(loadConfig({ values: { gating } }));
      assert.equal(error.key, key, `${JSON.stringify(gating)}: ${error.message}`);
      assert.match(error.message, new RegExp(`^config key "${key.replace(/\./g, '\\.')}"`));
      assert.match(error.message, message);
    }
  });

  it('rejects a bad CIDR from the environment naming the key', async () => {
    const error = await configError(loadConfig({ env: { TMP2P_GATING_CIDR_DENY: '10.0.0.0/8,300.0.0.0/8' } }));
    assert.equal(error.key, 'gating.cidr.deny.1');
    assert.match(error.message, /300\.0\.0\.0/);
  });

  it('refuses to boot when a built-in gater’s table is set but that gater is not enabled', async () => {
    const error = await configError(createNode({ values: { ...MEMORY, gating: { gaters: ['per-ip'], cidr: { deny: ['10.0.0.0/8'] } } } }, { logger: silentLogger() }));
    assert.equal(error.key, 'gating.cidr');
    assert.match(error.message, /the "cidr" gater is not in gating\.gaters \(\["per-ip"\]\)/);
  });

  it('refuses to boot with a [gating.<name>] table no running gater is named after', async () => {
    const error = await configError(createNode({ values: { ...MEMORY, gating: { perip: { max_connections: 1 } } } }, { logger: silentLogger() }));
    assert.equal(error.key, 'gating.perip');
    assert.match(error.message, /names no running gater; running: cidr, node-id, per-ip, attempt-window/);
  });

  it('boots with every built-in gater switched off', async () => {
    const node = await createNode({ values: { ...MEMORY, gating: { gaters: [] } } }, { logger: silentLogger() });
    try {
      assert.deepEqual(node.router.metrics().gating?.gaters, []);
    } finally {
      await node.stop();
    }
  });
});
