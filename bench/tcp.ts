import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { firstValueFrom } from 'rxjs';
import { percentile } from '../framework/util/stats.js';
import { SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from '../plugins/transports/mconn/secret-connection/frame-layout.js';
import { loadLibsodiumFrameAead } from '../plugins/transports/mconn/secret-connection/aead/libsodium.js';
import { nodeCryptoFrameAead } from '../plugins/transports/mconn/secret-connection/aead/node-crypto.js';
import { sodiumNativeFrameAead } from '../plugins/transports/mconn/secret-connection/aead/sodium-native.js';
import type { FrameAeadBackend } from '../plugins/transports/mconn/secret-connection/aead/frame-aead.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import { Ping } from '../reactors/echo/echo-channel.js';
import { startTmp2pPair, tmp2pMessageRate, tmp2pSetups, type Tmp2pPair } from './tmp2p-pair.js';
import type { BenchRow, Scenario } from './harness.js';

/**
 * Bare ChaCha20-Poly1305 over SecretConnection frames, 64 frames per call
 * (a 64 KiB write), sealed in place and opened into a separate buffer, for
 * each backend: the crypto ceiling.
 */
async function cryptoCeiling(report: (row: BenchRow) => void): Promise<void> {
  const batch = 64;
  const rounds = 1500;
  const sealed = randomBytes(batch * SEALED_FRAME_SIZE);
  const opened = new Uint8Array(batch * TOTAL_FRAME_SIZE);
  const backends: FrameAeadBackend[] = [await loadLibsodiumFrameAead(), nodeCryptoFrameAead];
  try {
    backends.unshift(sodiumNativeFrameAead());
  } catch (error) {
    report({ scenario: 'tcp', case: 'ceiling: sodium-native', value: 0, unit: '', notes: `not available: ${(error as Error).message}` });
  }
  for (const backend of backends) {
    const key = backend.key(randomBytes(32));
    let started = performance.now();
    for (let r = 0; r < rounds; r++) key.sealFrames(sealed, 0, batch, r * batch, 0);
    const sealS = (performance.now() - started) / 1000;
    started = performance.now();
    for (let r = 0; r < rounds; r++) {
      if (key.openFrames(sealed, 0, batch, (rounds - 1) * batch, 0, opened, 0, TOTAL_FRAME_SIZE) !== batch) throw new Error(`${backend.name} failed to open its own frames`);
    }
    const openS = (performance.now() - started) / 1000;
    const payload = rounds * batch * 1024;
    report({ scenario: 'tcp', case: `ceiling: ${backend.name} seal 1028-B frames`, value: payload / sealS / 1e6, unit: 'MB/s', notes: 'payload bytes, one thread' });
    report({ scenario: 'tcp', case: `ceiling: ${backend.name} open 1028-B frames`, value: payload / openS / 1e6, unit: 'MB/s', notes: 'payload bytes, one thread' });
  }
}

async function rawTcpCeiling(rawPort: number, next: Tmp2pPair['next'], post: (m: object) => void, report: (row: BenchRow) => void) {
  const total = 256 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1044, 1); // what SecretConnection writes: 64 sealed frames at a time
  post({ type: 'expect-raw', bytes: total });
  await next('ready');
  const socket = connect(rawPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const done = next('raw-done');
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    sent += chunk.length;
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await done;
  report({ scenario: 'tcp', case: 'ceiling: bare TCP loopback, 66 KB writes', value: total / ((performance.now() - started) / 1000) / 1e6, unit: 'MB/s' });
  socket.destroy();
}

export const tcpScenario: Scenario = {
  name: 'tcp',
  description: 'two nodes over loopback TCP (SecretConnection + MConnection), rate limits off; the far node runs in a worker thread',
  async run(report) {
    await cryptoCeiling(report);
    const pair = await startTmp2pPair();
    try {
      await rawTcpCeiling(pair.rawPort, pair.next, pair.post, report);
      for (const [label, size, count] of [
        ['1 MB messages', 1024 * 1024, 200],
        ['200-byte messages', 200, 300_000],
      ] as const) {
        const { seconds, bytes } = await tmp2pMessageRate(pair, size, count);
        report({ scenario: 'tcp', case: `${label}: payload`, value: bytes / seconds / 1e6, unit: 'MB/s', notes: `${Math.round(count / seconds).toLocaleString('en-US')} msg/s` });
      }

      // One ping in flight at a time: the round trip through both stacks and the loopback.
      const echo = pair.node.reactor(EchoReactor);
      const samples: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const rt = firstValueFrom(echo.roundTrips$);
        echo.echo.send(pair.far.nodeId, Ping.create({ content: 'rtt', sentAtUs: Math.round((performance.timeOrigin + performance.now()) * 1000) }));
        samples.push((await rt).ms);
      }
      const steady = samples.slice(500);
      report({ scenario: 'tcp', case: 'echo round trip p50', value: percentile(steady, 50), unit: 'ms' });
      report({ scenario: 'tcp', case: 'echo round trip p99', value: percentile(steady, 99), unit: 'ms' });

      const { setups, seconds } = await tmp2pSetups(pair.far, 8, 3000);
      report({ scenario: 'tcp', case: 'connection setups (TCP+SC+NodeInfo)', value: setups / seconds, unit: 'setups/s', notes: '8 dialers in one thread, far node in a worker' });
    } finally {
      await pair.close();
    }
  },
};
