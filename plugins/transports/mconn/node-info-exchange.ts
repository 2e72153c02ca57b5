import type { Duplex } from 'node:stream';
import { AbortError, P2PError } from '../../../framework/errors/base.js';
import { decodeNodeInfo, encodeNodeInfo, MAX_NODE_INFO_SIZE, type NodeInfo } from '../../../framework/identity/node-info.js';
import { InvalidNodeInfoError, InvalidPeerNodeInfoError } from '../../../framework/identity/errors.js';
import { HandshakeError, HandshakeTimeoutError } from '../../../framework/transport/errors.js';
import { reasonOf } from '../../../framework/util/abort.js';
import { DelimitedReader, encodeDelimited } from '../../../framework/transport/length-prefix.js';
import { MessageTooLargeError } from '../../../framework/transport/errors.js';
import { NodeInfoTooLargeError } from './errors.js';

export interface NodeInfoExchangeOptions {
  /** Deadline in ms; CometBFT allows 3000. Required: there is no safe "forever" on an untrusted peer. */
  readonly timeoutMs: number;
  /** Aborting rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
  /**
   * Bytes of the peer's stream already taken off it (e.g. what arrived behind
   * its AuthSigMessage), read before anything the stream delivers. Default: none.
   */
  readonly initial?: readonly Uint8Array[];
}

export interface NodeInfoExchangeResult {
  /** The remote's NodeInfo, decoded but not validated (the router validates). */
  readonly nodeInfo: NodeInfo;
  /** Bytes the remote sent right behind its NodeInfo: the start of its MConnection stream. */
  readonly rest: Uint8Array;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  return Buffer.concat(chunks);
}

/** The typed error for a NodeInfo length prefix the reader refused. */
function prefixError(err: unknown): Error {
  if (err instanceof MessageTooLargeError) {
    return new NodeInfoTooLargeError(`peer's NodeInfo is too large: ${err.message} (CometBFT maxNodeInfoSize)`, { cause: err });
  }
  return new HandshakeError(`peer sent a malformed NodeInfo length prefix: ${(err as Error).message}`, { cause: err });
}

/** The typed error for a NodeInfo body that does not decode. */
function decodeError(err: unknown): Error {
  return err instanceof InvalidNodeInfoError ? new InvalidPeerNodeInfoError(err) : new HandshakeError(`cannot decode the peer's NodeInfo: ${(err as Error).message}`, { cause: err });
}

/** Decodes a complete NodeInfo body; what the reader still holds behind it is the rest. */
function finish(reader: DelimitedReader, body: Uint8Array): NodeInfoExchangeResult {
  let nodeInfo: NodeInfo;
  try {
    nodeInfo = decodeNodeInfo(body);
  } catch (err) {
    throw decodeError(err);
  }
  const rest = concat(reader.takeBuffered());
  return { nodeInfo, rest: rest.length === 0 ? new Uint8Array(0) : rest };
}

/**
 * The peer's NodeInfo when `initial` (bytes already taken off its stream)
 * holds all of it, else undefined: then receiveNodeInfo with `initial` reads
 * the rest. Same bound and typed errors as receiveNodeInfo, thrown. A peer
 * that sends its NodeInfo behind its AuthSigMessage (tmp2p does; CometBFT
 * writes it right after) usually has it all in the chunk that carried the
 * signature, and then the exchange costs no timer, listener or stream turn.
 */
export function nodeInfoFromInitial(initial: readonly Uint8Array[]): NodeInfoExchangeResult | undefined {
  if (initial.length === 0) return undefined;
  const reader = new DelimitedReader(MAX_NODE_INFO_SIZE);
  for (const chunk of initial) reader.push(chunk);
  return tryRead(reader);
}

/** The NodeInfo when the reader holds all of it, else undefined; throws the typed errors. */
function tryRead(reader: DelimitedReader): NodeInfoExchangeResult | undefined {
  let body: Uint8Array | undefined;
  try {
    body = reader.next();
  } catch (err) {
    throw prefixError(err);
  }
  return body === undefined ? undefined : finish(reader, body);
}

/** Encodings of the NodeInfo objects handshakes were given; a router hands every handshake the same object. */
const encodedNodeInfos = new WeakMap<NodeInfo, Uint8Array>();

/**
 * Our NodeInfo as it goes on the wire: uvarint-delimited protobuf. Throws if
 * it cannot be encoded (our bug, not the peer's fault). The encoding of an
 * object is kept while the object lives: NodeInfo is read-only.
 */
export function encodeNodeInfoMessage(local: NodeInfo): Uint8Array {
  let encoded = encodedNodeInfos.get(local);
  if (encoded === undefined) {
    encoded = encodeDelimited(encodeNodeInfo(local));
    encodedNodeInfos.set(local, encoded);
  }
  return encoded;
}

/**
 * The NodeInfo exchange inside the encrypted stream (wire-protocol §3.2):
 * write ours uvarint-delimited at once, read theirs concurrently with a
 * 10240-byte limit. There is no acknowledgement; the remote may start
 * MConnection traffic straight after its NodeInfo, so the stream is paused
 * the moment the NodeInfo is complete and whatever followed it is returned
 * in `rest` for the MConnection to parse first.
 *
 * The stream is left paused and otherwise untouched on success; on failure
 * the caller owns tearing it down. Rejects with NodeInfoTooLargeError,
 * InvalidPeerNodeInfoError (undecodable), HandshakeTimeoutError,
 * HandshakeError (EOF), the stream's own typed error (e.g.
 * FrameDecryptionError), or the signal's reason.
 */
export function exchangeNodeInfo(stream: Duplex, local: NodeInfo, options: NodeInfoExchangeOptions): Promise<NodeInfoExchangeResult> {
  // Encode first: a NodeInfo we cannot send is our bug and must not look like the peer's fault.
  let ours: Uint8Array;
  try {
    ours = encodeNodeInfoMessage(local);
  } catch (err) {
    return Promise.reject(err);
  }
  return receiveNodeInfo(stream, options, ours);
}

/**
 * The reading half of exchangeNodeInfo, for a caller whose NodeInfo already
 * went out (MConnConnection sends it with the SecretConnection's
 * AuthSigMessage); `ours`, when given, is written first. Same results and errors.
 */
export function receiveNodeInfo(stream: Duplex, options: NodeInfoExchangeOptions, ours?: Uint8Array): Promise<NodeInfoExchangeResult> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.reject(reasonOf(signal));
  if (stream.destroyed || stream.readableEnded) {
    return Promise.reject(new HandshakeError('unexpected EOF: the connection was already closed when the NodeInfo exchange started'));
  }

  const reader = new DelimitedReader(MAX_NODE_INFO_SIZE);
  if (options.initial !== undefined && options.initial.length > 0) {
    for (const chunk of options.initial) reader.push(chunk);
    try {
      const early = tryRead(reader);
      if (early !== undefined) {
        if (ours !== undefined) stream.write(ours);
        return Promise.resolve(early);
      }
    } catch (err) {
      return Promise.reject(err);
    }
  }

  return new Promise<NodeInfoExchangeResult>((resolve, reject) => {
    let settled = false;

    const cleanup = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      stream.off('error', onError);
    };
    const fail = (err: Error): void => {
      if (settled) return;
      cleanup();
      reject(err);
    };

    const onData = (chunk: Uint8Array): void => {
      if (settled) return;
      let body: Uint8Array | undefined;
      try {
        reader.push(chunk);
        body = reader.next();
      } catch (err) {
        fail(prefixError(err));
        return;
      }
      if (body === undefined) return;
      // Pause before detaching: later chunks must wait for the MConnection, not be emitted to nobody.
      stream.pause();
      let result: NodeInfoExchangeResult;
      try {
        result = finish(reader, body);
      } catch (err) {
        fail(err as Error);
        return;
      }
      cleanup();
      resolve(result);
    };
    const onEnd = (): void => fail(new HandshakeError('unexpected EOF: the remote closed the connection during the NodeInfo exchange'));
    const onClose = (): void => fail(new HandshakeError('unexpected EOF: the connection closed during the NodeInfo exchange'));
    const onError = (err: Error): void =>
      fail(err instanceof P2PError ? err : new HandshakeError(`connection failed during the NodeInfo exchange: ${err.message}`, { cause: err }));
    const onAbort = (): void => fail(signal ? reasonOf(signal) : new AbortError('NodeInfo exchange aborted'));

    const timer = setTimeout(
      () => fail(new HandshakeTimeoutError(`NodeInfo exchange did not complete within ${timeoutMs} ms (${reader.bufferedBytes} bytes of the peer's NodeInfo received)`)),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('end', onEnd);
    stream.on('close', onClose);
    stream.on('error', onError);
    if (ours !== undefined) stream.write(ours);
    stream.on('data', onData);
    if (stream.isPaused()) stream.resume();
  });
}
