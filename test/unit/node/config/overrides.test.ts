import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../../../node/config/index.js';
import { closestKey, editDistance, NON_CONFIG_ENV_VARS, parseTomlValue } from '../../../../node/config/overrides.js';
import { rejectsWith } from '../../../support/rejects-with.js';

const configError = (promise: Promise<unknown>): Promise<ConfigError> => rejectsWith(promise, ConfigError);

describe('config overrides (--set and TMP2P_* variables)', () => {
  it('reads --set values as TOML: arrays, numbers, booleans, quoted strings', async () => {
    const config = await loadConfig({
      set: {
        'reactors.enabled': '["echo", "pex"]',
        'p2p.max_connections': '1_000',
        'instrumentation.prometheus': 'true',
        moniker: '"my node"',
        'gating.cidr.deny': "['10.0.0.0/8', '192.168.0.0/16']",
      },
    });
    assert.deepEqual(config.reactors.enabled, ['echo', 'pex']);
    assert.equal(config.p2p.maxConnections, 1000);
    assert.equal(config.instrumentation.prometheus, true);
    assert.equal(config.moniker, 'my node');
    assert.deepEqual(config.gating.cidr.deny.map(String), ['10.0.0.0/8', '192.168.0.0/16']);
  });

  it('takes a value that is not TOML as text, and keeps the comma-separated list form', async () => {
    const config = await loadConfig({
      set: {
        'p2p.laddr': 'tcp://0.0.0.0:26656',
        'p2p.min_retry_time': '100ms',
        'p2p.transports': 'memory, mconn',
        'reactors.enabled': 'pex',
        // A string key keeps what was typed, even when it would be a TOML number.
        moniker: '123',
      },
    });
    assert.equal(config.p2p.laddr, 'tcp://0.0.0.0:26656');
    assert.equal(config.p2p.minRetryTimeMs, 100);
    assert.deepEqual(config.p2p.transports, ['memory', 'mconn']);
    assert.deepEqual(config.reactors.enabled, ['pex']);
    assert.equal(config.moniker, '123');
  });

  it('reads environment values the same way', async () => {
    const config = await loadConfig({ env: { TMP2P_REACTORS_ENABLED: '["echo","pex"]', TMP2P_P2P_MAX_CONNECTIONS: '20', TMP2P_STATUS_LADDR: '127.0.0.1:0' } });
    assert.deepEqual(config.reactors.enabled, ['echo', 'pex']);
    assert.equal(config.p2p.maxConnections, 20);
    assert.equal(config.status.laddr, '127.0.0.1:0');
  });

  it('still type-checks every value against the schema, naming the key', async () => {
    const wrongType = await configError(loadConfig({ set: { 'p2p.max_connections': '"20"' } }));
    assert.match(wrongType.message, /--set p2p\.max_connections: config key "p2p\.max_connections" = "20" is invalid: expected an integer ≥ 1/);
    assert.equal(wrongType.key, 'p2p.max_connections');
    const notBoolean = await configError(loadConfig({ set: { 'instrumentation.prometheus': 'yes' } }));
    assert.match(notBoolean.message, /^--set instrumentation\.prometheus: config key "instrumentation\.prometheus" = "yes" is invalid: expected true or false$/);
    const outOfRange = await configError(loadConfig({ set: { 'p2p.max_connections': '0' } }));
    assert.equal(outOfRange.message, '--set p2p.max_connections: config key "p2p.max_connections" = 0 is invalid: expected an integer ≥ 1');
    const badElement = await configError(loadConfig({ set: { 'reactors.enabled': '[1, 2]' } }));
    assert.equal(badElement.key, 'reactors.enabled.0');
    assert.match(badElement.message, /^--set reactors\.enabled: config key "reactors\.enabled\.0" = 1 is invalid/);
    const table = await configError(loadConfig({ set: { 'gating.cidr': '{ allow = [] }' } }));
    assert.match(table.message, /"gating\.cidr" is a table; set its keys one by one \(e\.g\. gating\.cidr\.allow=…\)/);
  });

  it('refuses an unknown TMP2P_* variable, naming the closest key', async () => {
    const typo = await configError(loadConfig({ env: { TMP2P_P2P_MAX_CONECTIONS: '3' } }));
    assert.equal(typo.message, 'environment variable TMP2P_P2P_MAX_CONECTIONS is not a config key; did you mean TMP2P_P2P_MAX_CONNECTIONS (p2p.max_connections)?');
    const section = await configError(loadConfig({ env: { TMP2P_STATUS_LADR: '127.0.0.1:1' } }));
    assert.match(section.message, /did you mean TMP2P_STATUS_LADDR \(status\.laddr\)\?/);
  });

  it('lets through the TMP2P_* variables that are not config keys, and ignores other variables', async () => {
    assert.ok(NON_CONFIG_ENV_VARS.has('TMP2P_HOME') && NON_CONFIG_ENV_VARS.has('TMP2P_FRAME_AEAD'));
    const env = Object.fromEntries([...NON_CONFIG_ENV_VARS].map((name) => [name, 'x']));
    const config = await loadConfig({ env: { ...env, HOME: '/root', TMP2P: 'x', tmp2p_moniker: 'lower-case is not ours' } });
    assert.equal(config.moniker, 'tmp2p-node');
  });

  it('parses TOML values and measures edit distance', () => {
    assert.deepEqual(parseTomlValue('["a", 1]'), ['a', 1]);
    assert.equal(parseTomlValue('0x10'), 16);
    assert.equal(parseTomlValue('tcp://x:1'), undefined);
    assert.equal(parseTomlValue('5s'), undefined);
    assert.equal(parseTomlValue('1 \n evil = 2'), undefined, 'one value, not a document');
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
    assert.equal(closestKey('TMP2P_MONIKR', ['TMP2P_NETWORK', 'TMP2P_MONIKER']), 'TMP2P_MONIKER');
    assert.equal(closestKey('X', []), undefined);
  });
});

describe('config keys that would reach Object.prototype', () => {
  const clean = () => {
    assert.deepEqual(Object.keys(Object.prototype), [], 'Object.prototype gained keys');
    assert.equal(Object.prototype.constructor, Object, 'Object.prototype.constructor was replaced');
  };

  const refused: Array<[string, Parameters<typeof loadConfig>[0], RegExp]> = [
    ['a [__proto__] table in TOML', { toml: '[__proto__]\npolluted = 1' }, /config key "__proto__" is not allowed/],
    ['a [p2p.__proto__] table in TOML', { toml: '[p2p.__proto__]\npolluted = 1' }, /config key "p2p.__proto__" is not allowed/],
    ['a "__proto__" key in parsed values', { values: JSON.parse('{"__proto__": {"polluted": 1}}') }, /config key "__proto__" is not allowed/],
    ['a nested "__proto__" key in parsed values', { values: JSON.parse('{"p2p": {"__proto__": {"polluted": 1}}}') }, /config key "p2p.__proto__" is not allowed/],
    ['--set __proto__.constructor.name', { set: { '__proto__.constructor.name': 'x' } }, /unknown config key "__proto__.constructor.name"/],
    ['--set p2p.constructor.name', { set: { 'p2p.constructor.name': 'x' } }, /unknown config key "p2p.constructor.name"/],
    ['--set __proto__.polluted', { set: { '__proto__.polluted': '1' } }, /unknown config key "__proto__.polluted"/],
  ];
  for (const [title, options, message] of refused) {
    it(`refuses ${title} with a ConfigError and leaves Object.prototype alone`, async () => {
      const error = await rejectsWith(loadConfig(options), ConfigError);
      assert.match(error.message, message);
      clean();
    });
  }
});
