import { P2PError } from '../errors/base.js';

export class QueueClosedError extends P2PError {
  override name = 'QueueClosedError';
  constructor(message = 'queue closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}
