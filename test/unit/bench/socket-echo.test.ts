import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { socketEchoRound, startSocketEchoServer } from '../../../bench/socket-echo.js';

describe('bench socket echo (the floor under an echo round trip)', () => {
  it('bounces every byte back, on every connection', async () => {
    const server = await startSocketEchoServer();
    try {
      const socket = connect(server.port, '127.0.0.1');
      await once(socket, 'connect');
      const sent = Buffer.from('one frame, or any bytes at all');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.write(sent);
      while (Buffer.concat(chunks).length < sent.length) await once(socket, 'data');
      assert.deepEqual(Buffer.concat(chunks), sent);
      socket.destroy();
    } finally {
      await server.close();
    }
  });

  it('times one round trip per frame sent and reports its percentiles and CPU', async () => {
    const server = await startSocketEchoServer();
    try {
      const round = await socketEchoRound(server.port, 50);
      assert.ok(round.p50 > 0, `p50 ${round.p50}`);
      assert.ok(round.p99 >= round.p50, `p99 ${round.p99} below p50 ${round.p50}`);
      assert.ok(round.cpuMsPerOp > 0, `CPU per round trip ${round.cpuMsPerOp}`);
    } finally {
      await server.close();
    }
  });

  it('close() ends the connections it still holds', async () => {
    const server = await startSocketEchoServer();
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    // Once a byte came back the server holds the connection.
    socket.write('x');
    await once(socket, 'data');
    const closed = once(socket, 'close');
    await server.close();
    await closed;
    assert.equal(socket.destroyed, true);
  });
});
