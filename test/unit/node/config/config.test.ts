import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../../../node/config/index.js';
import { parseDuration } from '../../../../framework/util/duration.js';
import { rejectsWith } from '../../../support/rejects-with.js';

const configError = (promise: Promise<unknown>): Promise<ConfigError> => rejectsWith(promise, ConfigError);

describe('configuration', () => {
  it('loads the embedded defaults with Tendermint-style keys', async () => {
    const config = await loadConfig();
    assert.equal(config.p2p.laddr, 'tcp://127.0.0.1:26656');
    assert.equal(config.p2p.maxConnections, 64);
    assert.equal(config.p2p.minRetryTimeMs, 250);
    assert.equal(config.p2p.maxRetryTimeMs, 30 * 60_000);
    assert.equal(config.p2p.queueType, 'fifo');
    assert.equal(config.p2p.sendRate, 5_120_000);
    assert.deepEqual(config.reactors.enabled, ['pex']);
    assert.deepEqual(config.reactors.options.echo, { pingInterval: '5s', content: 'hello' });
  });

  it('layers file, environment and --set overrides in that order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tmp2p-config-'));
    const file = join(dir, 'config.toml');
    await writeFile(file, 'moniker = "from-file"\n[p2p]\nmax_connections = 10\npersistent_peers = "a@b:1, c@d:2"\n');
    const config = await loadConfig({
      file,
      env: { TMP2P_P2P_MAX_CONNECTIONS: '20', TMP2P_MONIKER: 'from-env', UNRELATED: 'x' },
      set: { moniker: 'from-flag', 'p2p.queue_type': './my-queue.js', 'p2p.transports': 'memory,mconn' },
    });
    assert.equal(config.moniker, 'from-flag');
    assert.equal(config.p2p.maxConnections, 20);
    assert.deepEqual(config.p2p.persistentPeers, ['a@b:1', 'c@d:2']);
    assert.equal(config.p2p.queueType, './my-queue.js');
    assert.deepEqual(config.p2p.transports, ['memory', 'mconn']);
  });

  it('puts application defaults above the embedded ones and below the file', async () => {
    const plain = await loadConfig({ defaults: { p2p: { peer_store: 'leveldb', max_connections: 7 } } });
    assert.equal(plain.p2p.peerStore, 'leveldb');
    assert.equal(plain.p2p.maxConnections, 7);
    const overridden = await loadConfig({ defaults: { p2p: { peer_store: 'leveldb' } }, toml: '[p2p]\npeer_store = "memory"\n' });
    assert.equal(overridden.p2p.peerStore, 'memory');
  });

  const bad: Array<[string, Record<string, unknown>, RegExp, string]> = [
    ['wrong type', { p2p: { max_connections: 'many' } }, /"p2p\.max_connections" = "many" is invalid: expected an integer ≥ 1/, 'p2p.max_connections'],
    ['below minimum', { p2p: { max_connections: 0 } }, /"p2p\.max_connections" = 0 is invalid: expected an integer ≥ 1/, 'p2p.max_connections'],
    ['bad duration', { p2p: { min_retry_time: '5 parsecs' } }, /"p2p\.min_retry_time" = "5 parsecs" is invalid: expected a duration/, 'p2p.min_retry_time'],
    ['bad enum', { log_level: 'loud' }, /"log_level" = "loud" is invalid/, 'log_level'],
    ['unknown key', { p2p: { max_conections: 3 } }, /"p2p\.max_conections" = 3 is invalid: unknown key; allowed keys here: laddr/, 'p2p.max_conections'],
    ['empty moniker', { moniker: '   ' }, /"moniker" = "   " is invalid: expected a non-empty moniker/, 'moniker'],
    ['non-ascii moniker', { moniker: 'nöde' }, /"moniker" = "nöde" is invalid: expected printable ASCII/, 'moniker'],
    ['bad laddr', { p2p: { laddr: 'udp://x' } }, /"p2p\.laddr" = "udp:\/\/x" is invalid: expected "tcp:\/\/host:port"/, 'p2p.laddr'],
    ['no transports', { p2p: { transports: [] } }, /"p2p\.transports" = \[\] is invalid: expected at least one transport/, 'p2p.transports'],
    ['bad MongoDB URI', { p2p: { peer_store_mongodb_uri: 'localhost:27017' } }, /"p2p\.peer_store_mongodb_uri" = "localhost:27017" is invalid: expected a connection string/, 'p2p.peer_store_mongodb_uri'],
    ['bad MongoDB database', { p2p: { peer_store_mongodb_database: 'my.db' } }, /"p2p\.peer_store_mongodb_database" = "my\.db" is invalid: expected a database name/, 'p2p.peer_store_mongodb_database'],
  ];
  for (const [name, values, message, key] of bad) {
    it(`rejects ${name} naming the key, value and rule`, async () => {
      const error = await configError(loadConfig({ values }));
      assert.match(error.message, message);
      assert.equal(error.key, key);
    });
  }

  it('rejects bad TOML with the line number', async () => {
    const error = await configError(loadConfig({ toml: 'moniker = "a"\n[p2p\nladdr = 1' }));
    assert.match(error.message, /not valid TOML at line 2/);
  });

  it('rejects an unknown --set key and a non-numeric environment value', async () => {
    assert.match((await configError(loadConfig({ set: { 'p2p.nope': '1' } }))).message, /--set p2p\.nope: unknown config key "p2p\.nope"/);
    assert.match(
      (await configError(loadConfig({ env: { TMP2P_P2P_SEND_RATE: 'fast' } }))).message,
      /environment variable TMP2P_P2P_SEND_RATE: config key "p2p\.send_rate" = "fast" is invalid: expected an integer ≥ 0/,
    );
  });

  it('has the blocksync and consensus-state tables, with their keys checked at load', async () => {
    const config = await loadConfig({ set: { 'reactors.blocksync.start_height': '1200', 'reactors.consensus-state.min_announce_interval_ms': '1s' } });
    assert.deepEqual(config.reactors.options['blocksync'], {
      startHeight: '1200',
      maxBlockBytes: 4_194_304,
      maxRequestsInFlight: 16,
      requestTimeoutMs: '15s',
      statusIntervalMs: '1s',
    });
    assert.deepEqual(config.reactors.options['consensus-state'], { initialHeight: 1, announce: true, minAnnounceIntervalMs: '1s' });
    const tooBig = await configError(loadConfig({ set: { 'reactors.blocksync.max_block_bytes': '200000000' } }));
    assert.match(tooBig.message, /"reactors\.blocksync\.max_block_bytes" = 200000000 is invalid: expected an integer from 1024 to 104857600/);
    assert.match((await configError(loadConfig({ set: { 'reactors.consensus-state.typo': '1' } }))).message, /unknown config key "reactors\.consensus-state\.typo"/);
  });

  it('has the echo, pex and flood tables, with their keys checked at load', async () => {
    const config = await loadConfig({ set: { 'reactors.pex.seeds': `${'ab'.repeat(20)}@seed.example.com:26656`, 'reactors.echo.ping_interval': '1s' } });
    assert.deepEqual(config.reactors.options['pex']?.['seeds'], [`${'ab'.repeat(20)}@seed.example.com:26656`]);
    assert.equal(config.reactors.options['echo']?.['pingInterval'], '1s');
    const typo = await configError(loadConfig({ values: { reactors: { pex: { seedz: [] } } } }));
    assert.match(typo.message, /config key "reactors\.pex\.seedz" = \[\] is invalid: unknown key; allowed keys here: request_interval_ms, /);
    const seed = await configError(loadConfig({ set: { 'reactors.pex.seeds': 'not-an-address' } }));
    assert.match(seed.message, /config key "reactors\.pex\.seeds\.0" = "not-an-address" is invalid: invalid node address/);
    const interval = await configError(loadConfig({ values: { reactors: { echo: { ping_interval: 'often' } } } }));
    assert.match(interval.message, /config key "reactors\.echo\.ping_interval" = "often" is invalid: expected a duration such as "250ms"/);
    const hops = await configError(loadConfig({ set: { 'reactors.flood.max_hops': '0' } }));
    assert.match(hops.message, /"reactors\.flood\.max_hops" = 0 is invalid: expected an integer from 1 to 1000/);
    const policy = await configError(loadConfig({ set: { 'reactors.pex.private_addresses': 'some' } }));
    assert.match(policy.message, /"reactors\.pex\.private_addresses" = "some" is invalid: expected "from-private-peers", "accept" or "reject"/);
  });

  it('reports a missing config file', async () => {
    assert.match((await configError(loadConfig({ file: '/nonexistent/config.toml' }))).message, /cannot read config file \/nonexistent\/config\.toml/);
  });

  it('parses Tendermint-style durations', () => {
    assert.equal(parseDuration('100ms'), 100);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('200us'), 0.2);
    assert.equal(parseDuration('1ms500µs'), 1.5);
    assert.equal(parseDuration('2500ns'), 0.0025);
    assert.throws(() => parseDuration('10 s'), /invalid duration "10 s"/);
    assert.throws(() => parseDuration('-1s'), /invalid duration/);
    assert.throws(() => parseDuration(-5), /non-negative/);
  });
});
