import { InvalidArgumentError, P2PError } from '../errors/base.js';
import { HandshakeError } from '../transport/errors.js';

/** A string is not a node ID (40 lowercase hex characters). */
export class InvalidNodeIDError extends InvalidArgumentError {
  override name = 'InvalidNodeIDError';
  constructor(
    /** The rejected value, kept so callers can log it without re-parsing the message. */
    readonly value: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Key material (raw bytes or a node_key.json document) is malformed or inconsistent. */
export class InvalidNodeKeyError extends InvalidArgumentError {
  override name = 'InvalidNodeKeyError';
}

/** NodeKey.save refused to replace an existing key file (pass `overwrite: true` to allow it). */
export class NodeKeyExistsError extends P2PError {
  override name = 'NodeKeyExistsError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`node key file ${JSON.stringify(path)} already exists; refusing to overwrite it (pass { overwrite: true } to replace it)`, options);
  }
}

/** Reading or writing a node key file failed at the file-system level (`cause` holds the fs error). */
export class NodeKeyFileError extends P2PError {
  override name = 'NodeKeyFileError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A NodeInfo field breaks one of CometBFT's `DefaultNodeInfo.Validate` rules (or cannot be decoded). */
export class InvalidNodeInfoError extends InvalidArgumentError {
  override name = 'InvalidNodeInfoError';
  constructor(
    /** The offending field, e.g. "moniker", "listenAddr", "other.txIndex", or "bytes" for decode failures. */
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The NodeInfo a peer sent claims an ID other than the one derived from its authenticated key. */
export class NodeIdMismatchError extends HandshakeError {
  override name = 'NodeIdMismatchError';
  constructor(
    readonly claimedNodeId: string,
    readonly authenticatedNodeId: string,
  ) {
    super(`peer's NodeInfo claims node ID ${claimedNodeId} but its authenticated key belongs to ${authenticatedNodeId}`);
  }
}

/** We dialed one node ID but the remote authenticated as another. */
export class DialedIdMismatchError extends HandshakeError {
  override name = 'DialedIdMismatchError';
  constructor(
    readonly expectedNodeId: string,
    readonly authenticatedNodeId: string,
  ) {
    super(`dialed node ${expectedNodeId} but the remote authenticated as ${authenticatedNodeId}`);
  }
}

/** The remote is this very node (its ID equals ours). */
export class SelfConnectionError extends HandshakeError {
  override name = 'SelfConnectionError';
  constructor(readonly nodeId: string) {
    super(`rejected connection to self (node ID ${nodeId})`);
  }
}

export type IncompatibilityReason = 'network' | 'block-version' | 'no-common-channel';

/** The peer's NodeInfo is valid but cannot talk to us (CometBFT `CompatibleWith`). */
export class IncompatiblePeerError extends HandshakeError {
  override name = 'IncompatiblePeerError';
  constructor(
    readonly reason: IncompatibilityReason,
    message: string,
  ) {
    super(message);
  }
}

/** The peer sent a NodeInfo that fails validation; `cause` is the InvalidNodeInfoError. */
export class InvalidPeerNodeInfoError extends HandshakeError {
  override name = 'InvalidPeerNodeInfoError';
  /** Same as `cause.field`, surfaced for convenience. */
  readonly field: string;
  constructor(cause: InvalidNodeInfoError) {
    super(`peer sent an invalid NodeInfo: ${cause.message}`, { cause });
    this.field = cause.field;
  }
}
