import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { MConnConnection } from '../plugins/transports/mconn/mconn-connection.js';
import { hrtimeMs } from './priority-shared.js';

/**
 * Diagnosis only (PRIORITY_TRACE=1, see priority-trace.ts): timestamps each
 * message of one channel as it passes the stages of an mconn connection's
 * send path. It wraps methods of one live connection and reads two of its
 * private fields, so it follows the transport's internals; the scenario's
 * figures never depend on it.
 *
 * Times are process.hrtime in ms (one clock for all threads of the process).
 * Messages are identified by their ordinal on the channel: the send path keeps
 * each channel's order and loses nothing once a message is in the connection.
 */
export type SendStage = 'accepted' | 'packed' | 'sealed' | 'kernel';

type Callback = (error?: Error | null) => void;
interface Internals {
  readonly secret: Duplex & {
    _write(chunk: Buffer, encoding: BufferEncoding, callback: Callback): void;
    _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: Callback): void;
  };
  readonly socket: Socket;
}

/** The TCP socket under an mconn connection. */
export function socketOf(conn: MConnConnection): Socket {
  return (conn as unknown as Internals).socket;
}

/**
 * Records, per message of `channelId` (by ordinal from now on):
 * - accepted: MConnection took it into its per-channel send queue (it has left the peer queue and the send loop);
 * - packed: the pump wrote a batch holding its packet to the SecretConnection;
 * - sealed: the SecretConnection sealed that batch and handed it to the socket;
 * - kernel: the socket's write completed (the kernel has the bytes).
 */
export function probeSendPath(conn: MConnConnection, channelId: number, record: (stage: SendStage, ordinal: number, ms: number) => void): void {
  const secret = (conn as unknown as Internals).secret;
  const sentOnChannel = () => conn.stats().mconnection?.channels.find((c) => c.channelId === channelId)?.sentMessages ?? 0;
  const base = sentOnChannel();
  let accepted = 0;
  let packed = 0;
  const batches = new WeakMap<object, { from: number; to: number }>();

  const trySend = conn.trySend.bind(conn);
  conn.trySend = (id, bytes) => {
    const ok = trySend(id, bytes);
    if (ok && id === channelId) record('accepted', accepted++, hrtimeMs());
    return ok;
  };

  const write = secret.write.bind(secret) as (chunk: Buffer, ...rest: unknown[]) => boolean;
  (secret as { write: unknown }).write = (chunk: Buffer, ...rest: unknown[]) => {
    const sent = sentOnChannel() - base;
    if (sent > packed) {
      const t = hrtimeMs();
      batches.set(chunk, { from: packed, to: sent });
      for (; packed < sent; packed++) record('packed', packed, t);
    }
    return write(chunk, ...rest);
  };

  const timed = (chunks: readonly Buffer[], callback: Callback): Callback => {
    const ranges = chunks.flatMap((c) => batches.get(c) ?? []);
    if (ranges.length === 0) return callback;
    const t = hrtimeMs();
    for (const r of ranges) for (let i = r.from; i < r.to; i++) record('sealed', i, t);
    return (error) => {
      const done = hrtimeMs();
      for (const r of ranges) for (let i = r.from; i < r.to; i++) record('kernel', i, done);
      callback(error);
    };
  };
  const writeOne = secret._write.bind(secret);
  secret._write = (chunk, encoding, callback) => writeOne(chunk, encoding, timed([chunk], callback));
  const writeMany = secret._writev.bind(secret);
  secret._writev = (chunks, callback) => writeMany(chunks, timed(chunks.map((c) => c.chunk), callback));
}
