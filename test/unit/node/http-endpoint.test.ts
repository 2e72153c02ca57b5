import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { closeHttp, createBoundedServer, listenHttp } from '../../../node/http-endpoint.js';
import { AbortError } from '../../../framework/errors/base.js';

/**
 * Connects and resolves with the socket once connected. The socket reads and discards what the
 * server sends: a server that gives up on a client answers 408 before it closes, and a paused
 * socket with unread data never sees the close that follows it.
 */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    socket.resume();
  });
}

/** Resolves when the server has closed the socket (its 'close' event). */
const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('bounded HTTP endpoint', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await closeHttp(server);
    server = undefined;
  });

  async function serve(maxOpenConnections: number, clientTimeoutMs: number): Promise<number> {
    server = createBoundedServer({ maxOpenConnections, clientTimeoutMs }, (_req, res) => res.end('ok'));
    const url = await listenHttp(server, '127.0.0.1', 0);
    return Number(new URL(url).port);
  }

  it('answers requests', async () => {
    const port = await serve(4, 10_000);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ok');
  });

  it('closes a connection beyond maxOpenConnections at once and keeps the ones it holds', async () => {
    const port = await serve(2, 60_000);
    const held = [await open(port), await open(port)];
    sockets.push(...held);
    await new Promise<void>((resolve) => {
      const poll = () => server!.getConnections((_, n) => (n === 2 ? resolve() : setTimeout(poll, 10)));
      poll();
    });
    const extra = await open(port);
    sockets.push(extra);
    await closed(extra);
    assert.ok(held.every((s) => !s.destroyed), 'the two within the cap stay open');
    server!.getConnections((_, n) => assert.equal(n, 2));
  });

  it('cuts off a client that sends nothing, and one that never finishes its headers', async () => {
    const port = await serve(4, 100);
    const silent = await open(port);
    const trickling = await open(port);
    sockets.push(silent, trickling);
    trickling.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await Promise.all([closed(silent), closed(trickling)]);
  });

  it('does not listen once its signal aborted', async () => {
    server = createBoundedServer({ maxOpenConnections: 1, clientTimeoutMs: 1_000 }, (_req, res) => res.end());
    await assert.rejects(listenHttp(server, '127.0.0.1', 0, AbortSignal.abort()), AbortError);
    assert.equal(server.listening, false);
  });
});
