import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { percentile } from '../framework/util/stats.js';
import { SEALED_FRAME_SIZE } from '../plugins/transports/mconn/secret-connection/frame-layout.js';

/*
 * The floor under an echo round trip: plain Node sockets (no stack at all)
 * bouncing what one echo hop puts on the wire, one sealed frame. It shows
 * what the platform's thread wake-ups cost before tmp2p does any work.
 */

/** Sends back every byte it reads, on every connection. */
export async function startSocketEchoServer(): Promise<{ readonly port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface SocketEchoRound {
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  /** This process's CPU per round trip (both ends when the server is in it too). */
  readonly cpuMsPerOp: number;
}

/** `count` round trips of one sealed frame's worth of bytes, one in flight, to the echo server on `port`. */
export async function socketEchoRound(port: number, count: number): Promise<SocketEchoRound> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const frame = Buffer.alloc(SEALED_FRAME_SIZE, 7);
  let received = 0;
  let arrived: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= SEALED_FRAME_SIZE) {
      received -= SEALED_FRAME_SIZE;
      arrived?.();
    }
  });
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const back = new Promise<void>((resolve) => (arrived = resolve));
      socket.write(frame);
      await back;
      samples.push(performance.now() - started);
    }
  } finally {
    socket.destroy();
  }
  const used = process.cpuUsage(cpu);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), cpuMsPerOp: (used.user + used.system) / 1000 / count };
}
