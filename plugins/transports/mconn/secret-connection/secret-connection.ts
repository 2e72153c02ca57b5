import { Duplex } from 'node:stream';
import { ConnectionClosedError } from '../../../../framework/transport/errors.js';
import { FrameSealer, SEALED_FRAME_SIZE } from './frame-cipher.js';
import { NODE_POOL_MAX_BYTES, RELEASES_WRITTEN_CHUNKS, releasesWrittenChunks, sharedRecycler } from '../../../../framework/util/buffer-recycler.js';
import type { SealedFrameReader } from './frame-reader.js';

/** Sealed output of up to two full MConnection batches fits one recycled buffer. */
const sealedWrites = sharedRecycler(FrameSealer.sealedLength(2 * 66 * 1024));

/** Decrypted bytes buffered for the reader before the socket is paused. */
export const READABLE_HIGH_WATER_MARK = 256 * 1024;
/** Plaintext bytes buffered for writing before write() asks callers to wait. */
export const WRITABLE_HIGH_WATER_MARK = 64 * 1024;

/** What makeSecretConnection (make-secret-connection.ts) hands the stream it built. */
export interface SecretConnectionState {
  readonly socket: Duplex;
  readonly sealer: FrameSealer;
  readonly frames: SealedFrameReader;
  readonly remotePublicKey: Uint8Array;
  /** Decrypted bytes that arrived behind the remote's AuthSigMessage. */
  readonly initialData: readonly Uint8Array[];
  /** Hold initialData for takeInitialData() rather than pushing it. */
  readonly keepInitialData: boolean;
}

/**
 * An authenticated, encrypted byte stream over `socket`. Built by
 * makeSecretConnection() (make-secret-connection.ts), which runs the
 * handshake; the constructor is not public API.
 *
 * Writes: each _write/_writev seals everything it is given into as few
 * frames as possible and issues one socket write, so writes queued while the
 * socket was busy are coalesced without a timer. Reads: frames are opened as
 * soon as they are complete; the socket is paused while the reader lags.
 * A bad frame destroys the stream with FrameDecryptionError/FrameLengthError;
 * a close in the middle of a frame with ConnectionClosedError.
 */
export class SecretConnection extends Duplex {
  /** The remote's ed25519 public key, proven during the handshake. */
  readonly remotePublicKey: Uint8Array;
  /** Every write is sealed into a buffer of our own before its callback runs. */
  readonly [RELEASES_WRITTEN_CHUNKS] = true;
  readonly #socket: Duplex;
  /** Whether sealed buffers may be reused once the socket's write callback ran (true for real sockets). */
  readonly #recycleSealed: boolean;
  readonly #sealer: FrameSealer;
  readonly #frames: SealedFrameReader;
  #socketPaused = false;
  #eof = false;
  #initialData: readonly Uint8Array[];

  /** @internal use makeSecretConnection() */
  constructor(state: SecretConnectionState) {
    super({ allowHalfOpen: false, readableHighWaterMark: READABLE_HIGH_WATER_MARK, writableHighWaterMark: WRITABLE_HIGH_WATER_MARK });
    this.#socket = state.socket;
    this.#recycleSealed = releasesWrittenChunks(state.socket);
    this.#sealer = state.sealer;
    this.#frames = state.frames;
    this.remotePublicKey = state.remotePublicKey;
    if (state.keepInitialData) this.#initialData = state.initialData;
    else {
      this.#initialData = [];
      for (const chunk of state.initialData) this.push(chunk);
    }
    this.#socket.on('data', this.#onData);
    this.#socket.on('end', this.#onEnd);
    this.#socket.on('error', this.#onError);
    this.#socket.on('close', this.#onClose);
    if (this.#socket.readableEnded) this.#onEnd();
    else this.#socket.resume();
  }

  /**
   * With `keepInitialData`: the decrypted bytes that came behind the
   * remote's AuthSigMessage, once (later calls return nothing). They precede
   * everything the stream delivers.
   */
  takeInitialData(): readonly Uint8Array[] {
    const data = this.#initialData;
    this.#initialData = [];
    return data;
  }

  readonly #onData = (chunk: Uint8Array): void => {
    if (this.destroyed) return;
    try {
      // At most two buffers per socket chunk: downstream parsers see few large chunks, not one per 1 KiB frame.
      this.#frames.read(chunk, this.#deliver);
    } catch (err) {
      this.destroy(err as Error);
    }
  };

  readonly #deliver = (data: Buffer): void => {
    // A reader of the first payload may have destroyed us (a protocol violation) before the second.
    if (this.destroyed) return;
    if (!this.push(data) && !this.#socketPaused) {
      this.#socketPaused = true;
      this.#socket.pause();
    }
  };

  readonly #onEnd = (): void => {
    if (this.destroyed || this.#eof) return;
    const pending = this.#frames.pendingBytes;
    if (pending > 0) {
      this.destroy(new ConnectionClosedError(`SecretConnection closed by the remote in the middle of a frame (${pending} of ${SEALED_FRAME_SIZE} bytes received)`));
      return;
    }
    this.#eof = true;
    this.push(null);
  };

  readonly #onError = (err: Error): void => {
    this.destroy(new ConnectionClosedError(`SecretConnection socket failed: ${err.message}`, { cause: err }));
  };

  readonly #onClose = (): void => {
    if (this.destroyed || this.#eof) return;
    const pending = this.#frames.pendingBytes;
    const where = pending > 0 ? ` in the middle of a frame (${pending} of ${SEALED_FRAME_SIZE} bytes received)` : '';
    this.destroy(new ConnectionClosedError(`SecretConnection socket closed without an orderly end${where}`));
  };

  override _read(): void {
    if (this.#socketPaused) {
      this.#socketPaused = false;
      this.#socket.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#send([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    const list = new Array<Uint8Array>(chunks.length);
    for (let i = 0; i < chunks.length; i++) list[i] = chunks[i].chunk;
    this.#send(list, callback);
  }

  #send(list: readonly Uint8Array[], callback: (error?: Error | null) => void): void {
    let plainBytes = 0;
    for (const chunk of list) plainBytes += chunk.length;
    if (plainBytes === 0) {
      callback();
      return;
    }
    if (this.#socket.destroyed || this.#socket.writableEnded) {
      callback(new ConnectionClosedError('SecretConnection cannot write: the underlying socket is closed'));
      return;
    }
    const sealedLength = FrameSealer.sealedLength(plainBytes);
    // Pooled buffers are 136 KiB: a write of a frame or two (pings, pongs, small messages) takes a slice of Node's shared slab.
    const out = this.#recycleSealed && sealedLength > NODE_POOL_MAX_BYTES ? sealedWrites.take(sealedLength) : Buffer.allocUnsafe(sealedLength);
    let sealedBytes: number;
    try {
      sealedBytes = this.#sealer.sealInto(list, out);
    } catch (err) {
      if (this.#recycleSealed) sealedWrites.recycle(out);
      callback(err as Error);
      return;
    }
    // Completing on the socket's callback (not on 'drain') bounds what sits in
    // the socket to one sealed batch; everything written meanwhile is batched into the next _writev.
    // A socket is done with `out` by then, so it goes back for the next write.
    this.#socket.write(out.subarray(0, sealedBytes), (err?: Error | null) => {
      if (this.#recycleSealed) sealedWrites.recycle(out);
      callback(err ? new ConnectionClosedError(`SecretConnection write failed: ${err.message}`, { cause: err }) : undefined);
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#socket.destroyed && !this.#socket.writableEnded) this.#socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onClose);
    // Keep an error listener: a late socket error must not become an uncaught exception.
    this.#socket.off('error', this.#onError);
    this.#socket.on('error', ignoreSocketError);
    this.#socket.destroy();
    callback(error);
  }
}

/** Keeps a late socket error from becoming an uncaught exception once nobody else listens. */
export function ignoreSocketError(): void {}
