import assert from 'node:assert/strict';
import { generateEphemeralKeyPair, X25519_KEY_LENGTH, type X25519Backend } from '../../../../../../plugins/transports/mconn/secret-connection/keys.js';
import { startMainThreadWatchdog } from '../../../../../support/main-thread-watchdog.js';

/*
 * On Node 20 a garbage collection during the export of a key made by
 * generateKeyPairSync could deadlock the main thread for good; a peer could
 * reach that path once per handshake. Ephemeral keys are now imported from
 * CSPRNG scalars. This runs the real generation path 200,000 times while
 * allocating garbage that keeps the young and old generations collecting;
 * the old implementation froze within seconds. Both backends run: the
 * node:crypto one is where the hazard lived; sodium-native makes no key objects.
 */
const ITERATIONS = 100_000;
const BACKENDS: readonly X25519Backend[] = ['node:crypto', 'sodium-native'];
/** Live garbage kept in a ring, so some of it is promoted and old-space collections run too. */
const RING = 4096;

describe('secret-connection: ephemeral key generation under GC pressure', function () {
  // The only bound is the watchdog's: a 5 s stall of the main thread kills the process.
  this.timeout(0);

  for (const backend of BACKENDS) it(`generates ${ITERATIONS.toLocaleString('en')} key pairs (${backend}) without the main thread stalling for 5 s`, async () => {
    const watchdog = await startMainThreadWatchdog('ephemeral key generation under GC pressure');
    const ring = new Array<unknown>(RING);
    let distinct = 0;
    let previous: Uint8Array = new Uint8Array(X25519_KEY_LENGTH);
    try {
      for (let i = 0; i < ITERATIONS; i++) {
        const pair = generateEphemeralKeyPair(backend);
        if (!Buffer.from(pair.publicKey).equals(previous)) distinct++;
        previous = pair.publicKey;
        ring[i % RING] = { pair, filler: new Array(8).fill(i), text: `garbage ${i}` };
        watchdog.beat();
      }
    } finally {
      await watchdog.stop();
    }
    assert.equal(previous.length, X25519_KEY_LENGTH);
    assert.equal(distinct, ITERATIONS, 'every generated key differs from the one before it');
  });
});
