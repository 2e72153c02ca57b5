import { P2PError } from '../../../framework/errors/base.js';

/** Building, configuring, starting or stopping a real CometBFT node for an interop test failed. */
export class CometBFTHarnessError extends P2PError {
  override name = 'CometBFTHarnessError';
}

/** `install-cometbft.sh` failed (for example `go` is missing or the build broke). */
export class CometBFTInstallError extends CometBFTHarnessError {
  override name = 'CometBFTInstallError';
}

/** The node process exited, or did not become ready in time; the message carries the log tail. */
export class CometBFTStartError extends CometBFTHarnessError {
  override name = 'CometBFTStartError';
}

/** An RPC call failed at the HTTP level, returned a JSON-RPC error, or had an unexpected shape. */
export class CometBFTRpcError extends CometBFTHarnessError {
  override name = 'CometBFTRpcError';
}

/** A `waitFor…` condition did not hold before its deadline. */
export class CometBFTWaitTimeoutError extends CometBFTHarnessError {
  override name = 'CometBFTWaitTimeoutError';
}

/** A config.toml edit could not be applied (bad key, unsupported value, or unparseable result). */
export class TomlEditError extends CometBFTHarnessError {
  override name = 'TomlEditError';
}
