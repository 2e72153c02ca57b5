import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/*
 * Where libsodium's addon cannot load, every user falls back once, at
 * import, to its portable path. TMP2P_SODIUM_NATIVE=off takes that path in
 * a child process (the choice is per process), which then runs real
 * SecretConnection handshakes and traffic over loopback TCP against itself
 * and reports what it used.
 */
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const modules = {
  sodium: here('../../../../framework/crypto/sodium-native.js'),
  select: here('../../../../plugins/transports/mconn/secret-connection/aead/select.js'),
  keys: here('../../../../plugins/transports/mconn/secret-connection/keys.js'),
  ed25519: here('../../../../framework/identity/ed25519.js'),
  nodeKey: here('../../../../framework/identity/node-key.js'),
  secret: here('../../../../plugins/transports/mconn/secret-connection/make-secret-connection.js'),
};

const SCRIPT = `
const { createServer, connect } = await import('node:net');
const { once } = await import('node:events');
const m = ${JSON.stringify(modules)};
const { sodiumNativeStatus } = await import(m.sodium);
const { frameAeadReady, frameAeadStatus } = await import(m.select);
const { x25519Backend } = await import(m.keys);
const { ed25519Backend } = await import(m.ed25519);
const { NodeKey } = await import(m.nodeKey);
const { makeSecretConnection } = await import(m.secret);
await frameAeadReady;
const server = createServer();
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const accepted = once(server, 'connection');
const dialed = connect(server.address().port, '127.0.0.1');
await once(dialed, 'connect');
const [inbound] = await accepted;
const a = NodeKey.generate();
const b = NodeKey.generate();
const [sa, sb] = await Promise.all([makeSecretConnection(dialed, a), makeSecretConnection(inbound, b)]);
const payload = Buffer.alloc(200_000, 7);
const received = [];
let bytes = 0;
const done = new Promise((resolve) => sb.on('data', (chunk) => { received.push(chunk); bytes += chunk.length; if (bytes >= payload.length) resolve(); }));
sa.write(payload);
await done;
const status = frameAeadStatus();
console.log(JSON.stringify({
  available: sodiumNativeStatus().available,
  frames: status.backend,
  fallbackReason: status.fallbackReason?.message,
  x25519: x25519Backend,
  ed25519: ed25519Backend(),
  remoteKeysMatch: Buffer.from(sa.remotePublicKey).equals(b.publicKey) && Buffer.from(sb.remotePublicKey).equals(a.publicKey),
  intact: Buffer.concat(received).equals(payload),
}));
sa.destroy(); sb.destroy(); server.close();
`;

async function runWith(env: Record<string, string>): Promise<Record<string, unknown>> {
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', SCRIPT], { env: { ...process.env, ...env }, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('secret-connection: without the native addon', function () {
  this.timeout(90_000);

  it('TMP2P_SODIUM_NATIVE=off: WebAssembly frames, node:crypto handshake, and the connection works', async () => {
    const result = await runWith({ TMP2P_SODIUM_NATIVE: 'off' });
    assert.deepEqual(result, {
      available: false,
      frames: 'libsodium',
      fallbackReason: 'turned off by TMP2P_SODIUM_NATIVE=off',
      x25519: 'node:crypto',
      ed25519: 'node:crypto',
      remoteKeysMatch: true,
      intact: true,
    });
  });

  it('TMP2P_SODIUM_NATIVE=off with TMP2P_FRAME_AEAD=node:crypto: everything through node:crypto', async () => {
    const result = await runWith({ TMP2P_SODIUM_NATIVE: 'off', TMP2P_FRAME_AEAD: 'node:crypto' });
    assert.equal(result['frames'], 'node:crypto');
    assert.equal(result['x25519'], 'node:crypto');
    assert.equal(result['remoteKeysMatch'], true);
    assert.equal(result['intact'], true);
  });

  it('by default the same process setup uses the addon everywhere', async () => {
    const result = await runWith({});
    assert.equal(result['available'], true);
    assert.equal(result['frames'], 'sodium-native');
    assert.equal(result['x25519'], 'sodium-native');
    assert.equal(result['ed25519'], 'sodium-native');
    assert.equal(result['intact'], true);
  });
});
