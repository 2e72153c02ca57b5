import { P2PError } from '../../framework/errors/base.js';

/** A configuration value is wrong. `key` is the dotted TOML path, e.g. "p2p.max_connections". */
export class ConfigError extends P2PError {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
