import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { NodeKey } from '../../framework/identity/node-key.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import type { Connection } from '../../framework/transport/transport.js';
import { MConnConnection } from '../../plugins/transports/mconn/mconn-connection.js';
import { resolveMConnTransportOptions } from '../../plugins/transports/mconn/options.js';
import { EchoChannel, EchoMessage, Pong } from '../../reactors/echo/echo-channel.js';
import { makeNodeInfo } from './node-info.js';

/**
 * A socket to 127.0.0.1:`port` whose own address is `localAddress`: the
 * loopback range 127.0.0.0/8 lets a test play several distinct IPs.
 */
export async function loopbackSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/**
 * A peer from `localAddress`: a real SecretConnection + NodeInfo handshake
 * with a fresh key, on `network`, sharing the echo channel; `info` overrides
 * NodeInfo fields (e.g. the listen address it claims).
 */
export async function handshakeFrom(
  port: number,
  localAddress: string,
  network: string,
  signal?: AbortSignal,
  info: Partial<NodeInfo> = {},
): Promise<{ key: NodeKey; connection: Connection }> {
  const socket = await loopbackSocket(port, localAddress);
  const connection = new MConnConnection(
    socket,
    { protocol: 'mconn', ip: socket.localAddress, port: socket.localPort },
    { protocol: 'mconn', ip: '127.0.0.1', port },
    resolveMConnTransportOptions(undefined),
  );
  const key = NodeKey.generate();
  const nodeInfo = makeNodeInfo({ nodeId: key.nodeId, listenAddr: 'tcp://127.0.0.1:1', network, version: 'test', channels: Uint8Array.of(EchoChannel.id), moniker: `peer-${localAddress}`, ...info });
  try {
    await connection.handshake(nodeInfo, key, { signal, channels: [EchoChannel] });
  } catch (error) {
    connection.close();
    throw error;
  }
  return { key, connection };
}

/** Sends an echo Ping over `connection` and resolves with the Pong's content. */
export async function echoRoundTrip(connection: Connection, content: string, signal?: AbortSignal): Promise<string> {
  if (!connection.trySend(EchoChannel.id, EchoMessage.encode({ ping: { content } }).finish())) throw new Error('echo ping did not fit the send queue');
  for (;;) {
    const message = await connection.receive(signal);
    if (message.channelId !== EchoChannel.id) continue;
    const decoded = EchoMessage.decode(message.bytes);
    if (decoded.pong) return Pong.create(decoded.pong).content;
  }
}
