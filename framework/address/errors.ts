import { InvalidArgumentError, P2PError } from '../errors/base.js';

/** A node address string (`mconn://id@host:port`, `id@host`, `memory:id`, …) is malformed. */
export class InvalidNodeAddressError extends InvalidArgumentError {
  override name = 'InvalidNodeAddressError';
  constructor(
    /** The rejected input, as given. */
    readonly input: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An Endpoint breaks a structural rule (missing protocol, port without IP, …). */
export class InvalidEndpointError extends InvalidArgumentError {
  override name = 'InvalidEndpointError';
}

/** A node address hostname could not be turned into IP addresses (DNS failure or no records). */
export class AddressResolutionError extends P2PError {
  override name = 'AddressResolutionError';
  constructor(
    readonly hostname: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
