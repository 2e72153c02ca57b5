export { MConnTransport, type MConnTransportStats } from './mconn-transport.js';
export { MConnConnection, type MConnConnectionStats } from './mconn-connection.js';
export {
  DEFAULT_MCONN_TRANSPORT_OPTIONS,
  resolveMConnTransportOptions,
  type MConnTransportOptions,
  type ResolvedMConnTransportOptions,
} from './options.js';
export { exchangeNodeInfo, type NodeInfoExchangeOptions, type NodeInfoExchangeResult } from './node-info-exchange.js';
export { parseListenAddress, type ListenAddress } from './listen-address.js';
export { NodeInfoTooLargeError, ListenError, InvalidListenAddressError } from './errors.js';
export { frameAeadReady, frameAeadStatus, nodeCryptoFrameAead, FrameAeadUnavailableError, type FrameAeadBackend, type FrameAeadStatus } from './secret-connection/index.js';
