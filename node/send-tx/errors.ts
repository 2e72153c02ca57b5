import { InvalidArgumentError, P2PError } from '../../framework/errors/base.js';

/** Base of the errors `sendTx` rejects with (besides AbortError and InvalidNodeAddressError). */
export class SendTxError extends P2PError {
  override name = 'SendTxError';
}

/** An option of `sendTx` (or a flag of `tmp2p send-tx`) is malformed: names it and what is allowed. */
export class SendTxOptionsError extends InvalidArgumentError {
  override name = 'SendTxOptionsError';
}

/** Where `sendTx` was when its timeout ran out. */
export type SendTxPhase = 'connect' | 'deliver' | 'commit';

/**
 * `timeoutMs` ran out: while connecting to the peer, while waiting for it to
 * acknowledge the tx, or (with `wait`) before a verified block contained it.
 */
export class SendTxTimeoutError extends SendTxError {
  override name = 'SendTxTimeoutError';
  constructor(
    message: string,
    readonly phase: SendTxPhase,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The peer cannot take the tx: it refused the handshake for good (another network, another ID) or lacks the mempool channel. */
export class SendTxPeerError extends SendTxError {
  override name = 'SendTxPeerError';
}

/** The connection closed before the peer acknowledged reading the tx. */
export class TxNotDeliveredError extends SendTxError {
  override name = 'TxNotDeliveredError';
}
