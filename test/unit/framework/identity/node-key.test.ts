import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEd25519 } from '../../../../framework/identity/ed25519.js';
import { InvalidNodeKeyError, NodeKeyExistsError, NodeKeyFileError } from '../../../../framework/identity/errors.js';
import { NodeKey } from '../../../../framework/identity/node-key.js';

const FOO_SEED_HEX = '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';
const FOO_PUB_HEX = '34d26579dbb456693e540672cf922f52dde0d6532e35bf06be013a7c532f20e0';
const FOO_NODE_ID = '045f5600654182cfeaccfe6cb19f0642e8a59898';
/** What CometBFT writes for GenPrivKeyFromSecret("foo"): compact JSON, base64(seed ‖ pubkey), no newline. */
const FOO_KEY_FILE =
  '{"priv_key":{"type":"tendermint/PrivKeyEd25519","value":"LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm56400mV527RWaT5UBnLPki9S3eDWUy41vwa+ATp8Uy8g4A=="}}';

function keyJson(value: string, type = 'tendermint/PrivKeyEd25519'): unknown {
  return { priv_key: { type, value } };
}

describe('NodeKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmp2p-nodekey-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fromSecret uses seed = SHA-256(secret), like CometBFT GenPrivKeyFromSecret', () => {
    const key = NodeKey.fromSecret('foo');
    assert.equal(Buffer.from(key.seed).toString('hex'), FOO_SEED_HEX);
    assert.equal(Buffer.from(key.publicKey).toString('hex'), FOO_PUB_HEX);
    assert.equal(key.nodeId, FOO_NODE_ID);
    assert.equal(NodeKey.fromSecret(new TextEncoder().encode('foo')).nodeId, FOO_NODE_ID);
  });

  it('fromSeed copies its input and rejects wrong lengths', () => {
    const seed = Buffer.from(FOO_SEED_HEX, 'hex');
    const key = NodeKey.fromSeed(seed);
    seed[0] ^= 0xff;
    assert.equal(key.nodeId, FOO_NODE_ID);
    assert.throws(() => NodeKey.fromSeed(new Uint8Array(31)), /32 bytes, got 31 bytes/);
    assert.throws(() => NodeKey.fromSeed(new Uint8Array(64)), InvalidNodeKeyError);
  });

  it('generate gives distinct keys whose signatures verify', () => {
    const a = NodeKey.generate();
    const b = NodeKey.generate();
    assert.notEqual(a.nodeId, b.nodeId);
    const msg = new Uint8Array([1, 2, 3]);
    assert.equal(verifyEd25519(a.publicKey, msg, a.sign(msg)), true);
    assert.equal(verifyEd25519(b.publicKey, msg, a.sign(msg)), false);
  });

  it('signs deterministically (RFC 8032 test vector 1)', () => {
    // RFC 8032 §7.1 TEST 1: empty message.
    const key = NodeKey.fromSeed(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
    assert.equal(Buffer.from(key.publicKey).toString('hex'), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    assert.equal(
      Buffer.from(key.sign(new Uint8Array(0))).toString('hex'),
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('toJSON produces the CometBFT node_key.json object', () => {
    assert.deepEqual(NodeKey.fromSecret('foo').toJSON(), JSON.parse(FOO_KEY_FILE));
    assert.equal(JSON.stringify(NodeKey.fromSecret('foo')), FOO_KEY_FILE);
  });

  it('fromJSON reads a key file built by hand from a known seed', () => {
    const seed = createHash('sha256').update('foo').digest();
    const raw = Buffer.concat([seed, Buffer.from(FOO_PUB_HEX, 'hex')]);
    const key = NodeKey.fromJSON(keyJson(raw.toString('base64')));
    assert.equal(key.nodeId, FOO_NODE_ID);
    assert.equal(NodeKey.fromJSON(FOO_KEY_FILE).nodeId, FOO_NODE_ID, 'accepts the JSON text too');
  });

  it('round-trips through toJSON/fromJSON', () => {
    const key = NodeKey.generate();
    const back = NodeKey.fromJSON(JSON.parse(JSON.stringify(key.toJSON())));
    assert.equal(back.nodeId, key.nodeId);
    assert.deepEqual(back.seed, key.seed);
  });

  describe('fromJSON rejects malformed documents, each with its own message', () => {
    const goodValue = (JSON.parse(FOO_KEY_FILE) as { priv_key: { value: string } }).priv_key.value;
    const raw = Buffer.from(goodValue, 'base64');
    const wrongPub = Buffer.from(raw);
    wrongPub[40] ^= 1;
    const cases: Array<[string, unknown, RegExp]> = [
      ['not JSON text', '{"priv_key":', /not valid JSON/],
      ['null', null, /must be a JSON object/],
      ['an array', [], /must be a JSON object/],
      ['no priv_key', {}, /no "priv_key" object/],
      ['priv_key not an object', { priv_key: 'x' }, /no "priv_key" object/],
      ['secp256k1 type', keyJson(goodValue, 'tendermint/PrivKeySecp256k1'), /type is "tendermint\/PrivKeySecp256k1"; only "tendermint\/PrivKeyEd25519"/],
      ['missing type', { priv_key: { value: goodValue } }, /type is undefined/],
      ['value not a string', { priv_key: { type: 'tendermint/PrivKeyEd25519', value: 5 } }, /not a padded standard base64/],
      ['value not base64', keyJson('!!!!'), /not a padded standard base64/],
      ['value missing padding', keyJson(goodValue.replace(/=+$/, '')), /not a padded standard base64/],
      ['32-byte value (seed only)', keyJson(raw.subarray(0, 32).toString('base64')), /decodes to 32 bytes; expected 64/],
      ['65-byte value', keyJson(Buffer.concat([raw, Buffer.from([0])]).toString('base64')), /decodes to 65 bytes/],
      ['public key not matching the seed', keyJson(wrongPub.toString('base64')), /does not belong to its seed/],
    ];
    for (const [label, doc, why] of cases) {
      it(label, () => {
        assert.throws(
          () => NodeKey.fromJSON(doc),
          (err: unknown) => err instanceof InvalidNodeKeyError && err.name === 'InvalidNodeKeyError' && why.test(err.message),
        );
      });
    }
  });

  it('save writes mode 0600 CometBFT bytes, creating parent directories; load reads it back', async () => {
    const path = join(dir, 'config', 'nested', 'node_key.json');
    const key = NodeKey.fromSecret('foo');
    await key.save(path);
    assert.equal(await readFile(path, 'utf8'), FOO_KEY_FILE);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'config', 'nested')), ['node_key.json'], 'no temp file left behind');
    assert.equal((await NodeKey.load(path)).nodeId, FOO_NODE_ID);
  });

  it('load reads a file CometBFT would have written', async () => {
    const path = join(dir, 'node_key.json');
    await writeFile(path, FOO_KEY_FILE);
    assert.equal((await NodeKey.load(path)).nodeId, FOO_NODE_ID);
  });

  it('save refuses to overwrite unless told to', async () => {
    const path = join(dir, 'node_key.json');
    await NodeKey.fromSecret('a').save(path);
    await assert.rejects(NodeKey.fromSecret('b').save(path), (err: unknown) => err instanceof NodeKeyExistsError && err.path === path && err.message.includes('overwrite'));
    assert.equal((await NodeKey.load(path)).nodeId, NodeKey.fromSecret('a').nodeId, 'original untouched');
    await NodeKey.fromSecret('b').save(path, { overwrite: true });
    assert.equal((await NodeKey.load(path)).nodeId, NodeKey.fromSecret('b').nodeId);
    assert.deepEqual(await readdir(dir), ['node_key.json'], 'no temp files left behind');
  });

  it('load reports a missing file as NodeKeyFileError with the ENOENT cause', async () => {
    const path = join(dir, 'absent.json');
    await assert.rejects(NodeKey.load(path), (err: unknown) => err instanceof NodeKeyFileError && (err.cause as { code?: string }).code === 'ENOENT' && err.message.includes(path));
  });

  it('load reports malformed files as InvalidNodeKeyError naming the path', async () => {
    const path = join(dir, 'node_key.json');
    await writeFile(path, 'not json');
    await assert.rejects(NodeKey.load(path), (err: unknown) => err instanceof InvalidNodeKeyError && /not valid JSON/.test(err.message) && err.message.includes(path));
    await writeFile(path, JSON.stringify(keyJson('AAAA')));
    await assert.rejects(NodeKey.load(path), (err: unknown) => err instanceof InvalidNodeKeyError && /decodes to 3 bytes/.test(err.message) && err.message.includes(path));
    await writeFile(path, 'x'.repeat(100_000));
    await assert.rejects(NodeKey.load(path), (err: unknown) => err instanceof InvalidNodeKeyError && /100000 bytes/.test(err.message));
  });

  it('loadOrGenerate creates a key once and then keeps loading it', async () => {
    const path = join(dir, 'sub', 'node_key.json');
    const first = await NodeKey.loadOrGenerate(path);
    const second = await NodeKey.loadOrGenerate(path);
    assert.equal(second.nodeId, first.nodeId);
  });

  it('loadOrGenerate does not replace a corrupt file', async () => {
    const path = join(dir, 'node_key.json');
    await writeFile(path, '{}');
    await assert.rejects(NodeKey.loadOrGenerate(path), InvalidNodeKeyError);
    assert.equal(await readFile(path, 'utf8'), '{}');
  });
});
