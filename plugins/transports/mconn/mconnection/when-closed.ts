import { finished, type Duplex } from 'node:stream';

/**
 * Calls `done` once a destroyed stream has closed. finished() would do, but
 * it builds a stack-traced ERR_STREAM_PREMATURE_CLOSE for every stream
 * destroyed before its end — every connection we close — and nobody reads it.
 */
export function whenClosed(stream: Duplex, done: () => void): void {
  const state = stream as Duplex & { _readableState?: { emitClose?: boolean }; _writableState?: { emitClose?: boolean } };
  if (state._readableState?.emitClose === false || state._writableState?.emitClose === false) {
    finished(stream, () => done());
  } else if (stream.closed) {
    queueMicrotask(done);
  } else {
    stream.once('close', done);
  }
}
