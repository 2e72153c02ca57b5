import { InvalidArgumentError, P2PError } from '../../framework/errors/base.js';
import { ProtocolViolationError } from '../../framework/transport/errors.js';

/** A mempool option is malformed; names the option, the bad value and what is allowed. */
export class MempoolOptionsError extends InvalidArgumentError {
  override name = 'MempoolOptionsError';
}

/** `broadcast(tx)` was handed a tx that no peer would accept: empty, or over `maxTxBytes`. */
export class InvalidTxError extends InvalidArgumentError {
  override name = 'InvalidTxError';
}

/** `broadcast(tx)` was called on a mempool reactor whose node has stopped. */
export class MempoolStoppedError extends P2PError {
  override name = 'MempoolStoppedError';
}

/** A peer broke a mempool rule. Reported as a PeerError on channel 0x30. */
export class MempoolProtocolError extends ProtocolViolationError {
  override name = 'MempoolProtocolError';
}

/**
 * A peer sent more txs than its budget allows (`maxTxsPerSecond` sustained,
 * `maxTxsBurst` at once; every tx counts, duplicates and repeats included):
 * fatal, the peer is disconnected (and banned for `banDurationMs` when that
 * is set).
 */
export class MempoolFloodError extends MempoolProtocolError {
  override name = 'MempoolFloodError';
}

/**
 * A peer sent a `Txs` message with no tx in it, or an empty tx. Non-fatal:
 * CometBFT only logs these; they cost the peer score, and many of them the
 * connection.
 */
export class MempoolInvalidTxsError extends MempoolProtocolError {
  override name = 'MempoolInvalidTxsError';
}
