import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { nodeConfigEdits } from '../../../interop/support/node-config.js';
import { formatTomlValue, setTomlKeys } from '../../../interop/support/toml-edit.js';

// Shaped like the config.toml `cometbft init` writes (v0.38): top-level keys first, then one table
// per subsystem, several of which reuse the same key names (laddr, max_*).
const SAMPLE = `# node configuration, generated for a test
version = "0.38.17"

proxy_app = "tcp://127.0.0.1:26658"
moniker = "vm"
log_level = "info"

[rpc]
# where the RPC server listens
laddr = "tcp://127.0.0.1:26657"
cors_allowed_origins = []
cors_allowed_methods = ["HEAD", "GET", "POST", ]
unsafe = false
max_open_connections = 900
pprof_laddr = ""

[p2p]
laddr = "tcp://0.0.0.0:26656"
external_address = ""
seeds = ""
persistent_peers = ""
addr_book_strict = true
max_num_inbound_peers = 40
flush_throttle_timeout = "100ms"
pex = true
seed_mode = false
allow_duplicate_ip = false

[mempool]
type = "flood"
max_txs_bytes = 1073741824

[consensus]
wal_file = "data/cs.wal/wal"
timeout_propose = "3s"
timeout_commit = "1s"
create_empty_blocks = true

[instrumentation]
prometheus = false
prometheus_listen_addr = ":26660"
namespace = "cometbft"
`;

function tables(text: string): Record<string, Record<string, unknown>> {
  return parse(text) as Record<string, Record<string, unknown>>;
}

describe('interop-support: setTomlKeys', () => {
  it('replaces a key only inside the named section when the same key exists in several', () => {
    const out = setTomlKeys(SAMPLE, { 'p2p.laddr': 'tcp://127.0.0.1:4000' });
    const doc = tables(out);
    assert.equal(doc.p2p!.laddr, 'tcp://127.0.0.1:4000');
    assert.equal(doc.rpc!.laddr, 'tcp://127.0.0.1:26657');
  });

  it('changes only the edited lines and keeps comments, order and the trailing newline', () => {
    const out = setTomlKeys(SAMPLE, { 'rpc.unsafe': true, moniker: 'node-a' });
    const before = SAMPLE.split('\n');
    const after = out.split('\n');
    assert.equal(after.length, before.length);
    const changed = before.flatMap((line, i) => (line === after[i] ? [] : [`${line} -> ${after[i]}`]));
    assert.deepEqual(changed, ['moniker = "vm" -> moniker = "node-a"', 'unsafe = false -> unsafe = true']);
    assert.ok(out.endsWith('namespace = "cometbft"\n'));
  });

  it('writes booleans, integers and strings with the TOML type CometBFT expects', () => {
    const doc = tables(
      setTomlKeys(SAMPLE, {
        'p2p.allow_duplicate_ip': true,
        'p2p.addr_book_strict': false,
        'p2p.max_num_inbound_peers': 3,
        'consensus.timeout_commit': '500ms',
      }),
    );
    assert.equal(doc.p2p!.allow_duplicate_ip, true);
    assert.equal(doc.p2p!.addr_book_strict, false);
    assert.equal(doc.p2p!.max_num_inbound_peers, 3);
    assert.equal(doc.consensus!.timeout_commit, '500ms');
  });

  it('adds a missing key to its own section, and a missing section at the end', () => {
    const out = setTomlKeys(SAMPLE, { 'p2p.send_rate': 5120000, 'statesync.enable': false, log_format: 'json' });
    const doc = tables(out);
    assert.equal(doc.p2p!.send_rate, 5120000);
    assert.equal(doc.statesync!.enable, false);
    assert.equal((doc as Record<string, unknown>).log_format, 'json');
    // The new p2p key must sit before the next header, i.e. inside [p2p].
    assert.ok(out.indexOf('send_rate = 5120000') < out.indexOf('[mempool]'));
    assert.ok(out.indexOf('send_rate = 5120000') > out.indexOf('[p2p]'));
  });

  it('adds a top-level key before the first section when the document starts with a header', () => {
    const out = setTomlKeys('[p2p]\npex = true\n', { moniker: 'x' });
    assert.equal(out, 'moniker = "x"\n[p2p]\npex = true\n');
  });

  it('replaces a multi-line array as a whole and ignores header-like text inside strings', () => {
    const text = [
      '[rpc]',
      'cors_allowed_headers = [',
      '  "Origin", # a comment with ] inside',
      '  "[p2p]",',
      ']',
      'note = """',
      '[p2p]',
      'laddr = "fake"',
      '"""',
      'laddr = "tcp://127.0.0.1:1"',
      '',
      '[p2p]',
      'laddr = "tcp://0.0.0.0:2"',
      '',
    ].join('\n');
    const doc = tables(setTomlKeys(text, { 'rpc.cors_allowed_headers': 'none', 'p2p.laddr': 'tcp://127.0.0.1:3' }));
    assert.equal(doc.rpc!.cors_allowed_headers, 'none');
    assert.equal(doc.rpc!.note, '[p2p]\nladdr = "fake"\n');
    assert.equal(doc.rpc!.laddr, 'tcp://127.0.0.1:1');
    assert.equal(doc.p2p!.laddr, 'tcp://127.0.0.1:3');
  });

  it('escapes strings so quotes, backslashes and control characters survive', () => {
    const nasty = 'a "quoted" \\ path\nnew line\ttab\x7f';
    const doc = tables(setTomlKeys(SAMPLE, { moniker: nasty }));
    assert.equal((doc as Record<string, unknown>).moniker, nasty);
  });

  it('keeps CRLF line endings', () => {
    const crlf = SAMPLE.replace(/\n/g, '\r\n');
    const out = setTomlKeys(crlf, { 'p2p.pex': false });
    assert.ok(!/[^\r]\n/.test(out), 'every newline should still be CRLF');
    assert.equal(tables(out).p2p!.pex, false);
  });

  it('applies the full loopback node config to a realistic file', () => {
    const edits = nodeConfigEdits({ moniker: 'n1', p2pPort: 4001, rpcPort: 4002, persistentPeers: [`${'a'.repeat(40)}@127.0.0.1:5000`] });
    const doc = tables(setTomlKeys(SAMPLE, edits));
    assert.equal(doc.p2p!.laddr, 'tcp://127.0.0.1:4001');
    assert.equal(doc.p2p!.external_address, '127.0.0.1:4001');
    assert.equal(doc.p2p!.persistent_peers, `${'a'.repeat(40)}@127.0.0.1:5000`);
    assert.equal(doc.p2p!.allow_duplicate_ip, true);
    assert.equal(doc.p2p!.addr_book_strict, false);
    assert.equal(doc.rpc!.laddr, 'tcp://127.0.0.1:4002');
    assert.equal(doc.rpc!.unsafe, true);
    assert.equal(doc.rpc!.pprof_laddr, '');
    assert.equal(doc.consensus!.timeout_commit, '500ms');
    assert.equal(doc.instrumentation!.prometheus, false);
    assert.equal((doc as Record<string, unknown>).moniker, 'n1');
  });

  it('rejects malformed keys, naming them', () => {
    for (const key of ['', 'p2p..laddr', '.laddr', 'p2p.', 'p2p.la ddr', 'p2p.laddr=']) {
      assert.throws(() => setTomlKeys(SAMPLE, { [key]: 1 }), (e: Error) => e.name === 'TomlEditError' && e.message.includes(JSON.stringify(key)));
    }
  });

  it('rejects values that are not finite scalars', () => {
    assert.throws(() => setTomlKeys(SAMPLE, { 'p2p.send_rate': Number.NaN }), { name: 'TomlEditError', message: /p2p\.send_rate.*finite/ });
    assert.throws(() => setTomlKeys(SAMPLE, { 'p2p.send_rate': Infinity }), { name: 'TomlEditError' });
    assert.throws(() => formatTomlValue({} as unknown as string), { name: 'TomlEditError', message: /string, number or boolean/ });
  });

  it('refuses to guess inside arrays of tables (the edit would conflict)', () => {
    const text = '[[validators]]\nname = "a"\n[[validators]]\nname = "b"\n';
    assert.throws(() => setTomlKeys(text, { 'validators.name': 'c' }), { name: 'TomlEditError' });
  });

  it('reports input that is not valid TOML instead of writing it', () => {
    assert.throws(() => setTomlKeys('[p2p]\nladdr = "unterminated\n', { 'p2p.pex': true }), {
      name: 'TomlEditError',
      message: /not valid TOML/,
    });
  });
});
