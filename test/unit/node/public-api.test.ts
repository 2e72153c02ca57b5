import assert from 'node:assert/strict';

/**
 * The names each package entry exports. A change here is a change to the
 * public API: make it on purpose, update this list, and say so in the
 * changelog of the release.
 */
const ENTRIES: Record<string, { module: () => Promise<Record<string, unknown>>; names: string[] }> = {
  tmp2p: {
    module: () => import('../../../node/index.js'),
    names: [
      'AbortError', 'AddressResolutionError', 'Channel', 'ChannelAlreadyOpenError', 'ConfigError', 'ConnectionClosedError',
      'ConnectionDeniedError', 'CrawlOptionsError', 'DEFAULT_CONFIG_PATH', 'DEFAULT_CRAWL_OPTIONS', 'DialError', 'DialedIdMismatchError', 'Every', 'HandshakeError',
      'HandshakeTimeoutError', 'IncompatiblePeerError', 'InvalidArgumentError', 'InvalidConsumeOptionsError', 'InvalidEndpointError',
      'InvalidNodeAddressError', 'InvalidNodeIDError', 'InvalidNodeInfoError', 'InvalidNodeKeyError', 'InvalidPeerNodeInfoError',
      'InvalidVarintError', 'ListenAddressError', 'MessageDecodeError', 'MessageTooLargeError', 'Node', 'NodeAddress', 'NodeIdMismatchError', 'NodeKey',
      'NodeKeyExistsError', 'NodeKeyFileError',
      'NodeStateError', 'OnMessage', 'OnPeerUpdate', 'P2PError', 'PROTOCOL_VERSION', 'PeerRejectedError', 'PeerStoreError',
      'PluginNotFoundError', 'ProtocolViolationError', 'Reactor', 'ReactorDefinitionError', 'SelfConnectionError', 'StartupError', 'TMP2P_VERSION',
      'TOKENS', 'TransportClosedError', 'UnhandledMessageError', 'UnknownReactorError', 'UnwrapError', 'consumeBounded',
      'crawl', 'createLogger', 'createNode', 'createPrometheusRegistry', 'defineChannel', 'formatCrawlTable', 'inject', 'injectable', 'isNodeID', 'loadConfig', 'oneofWrapper', 'optional',
      'parseNodeID', 'reactorNameOf', 'silentLogger',
      // send-tx
      'DEFAULT_SEND_TX_TIMEOUT_MS', 'SendTxError', 'SendTxOptionsError', 'SendTxPeerError', 'SendTxTimeoutError', 'TxNotDeliveredError', 'sendTx',
      // follow
      'BlockUnavailableError', 'DEFAULT_FOLLOW_CONNECT_TIMEOUT_MS', 'FollowError', 'FollowOptionsError', 'FollowPeerError', 'FollowTimeoutError',
      'follow',
    ],
  },
  'tmp2p/testing': {
    module: () => import('../../../node/testing/index.js'),
    names: [
      'ChurnDriver', 'DEFAULT_SIMULATION_OPTIONS', 'Graph', 'MAX_SIMULATION_NODES', 'MemoryNetwork', 'SIMULATED_PORT',
      'SimulatedNetwork', 'SimulationOptionsError', 'TestNetwork', 'WaitTimeoutError', 'createTestNetwork', 'measureFlood',
      'resolveSimulationOptions', 'runSimulation', 'virtualIpOf',
    ],
  },
  'tmp2p/plugins': {
    module: () => import('../../../plugins/index.js'),
    names: [
      'AttemptWindow', 'AttemptWindowGater', 'BaseQueue', 'BoundedTable', 'CidrGater', 'CidrList', 'CidrRules', 'ConnectionClosedError',
      'ConnectionDeniedError', 'DEFAULT_FLOW_QUEUE_CAPACITY_BYTES', 'DEFAULT_MCONN_TRANSPORT_OPTIONS', 'DEFAULT_WDRR_QUANTUM_PER_PRIORITY',
      'DefaultScoringStrategy', 'DelimitedReader', 'DialError', 'FifoQueue', 'FifoQueueFactory', 'FixedScoringStrategy', 'FlowQueue',
      'FrameAeadUnavailableError', 'HandshakeError', 'HandshakeTimeoutError', 'InvalidListenAddressError', 'InvalidVarintError', 'InvalidVirtualAddressError',
      'LEVEL_KEY_PREFIX', 'LevelPeerStore', 'LinkConditionsError', 'ListenError', 'MAX_NODE_INFO_SIZE', 'MAX_PEER_SCORE',
      'MConnConnection', 'MConnTransport', 'MIN_PEER_SCORE', 'MemoryAddressInUseError', 'MemoryNetwork', 'MemoryPeerStore', 'MessageTooLargeError',
      'MemoryTransport', 'MongoPeerStore', 'NodeIdGater', 'NodeIdRules', 'NodeInfoTooLargeError', 'NodeKey', 'PEER_RECORD_FORMAT_VERSION',
      'PLUGIN_SLOTS', 'PeerStoreClosedError', 'PeerStoreConfigError', 'PeerStoreConflictError', 'PeerStoreError', 'PeerStoreOpenError',
      'PeerStoreUnavailableError', 'PeerStoreWriteError', 'PerIpConnections', 'PerIpGater', 'Plugin', 'PriorityQueue',
      'PriorityQueueFactory', 'ProtocolViolationError', 'QueueClosedError', 'TOKENS', 'TransportClosedError', 'UNLISTED_CHANNEL_PRIORITY',
      'WdrrQueue', 'WdrrQueueFactory', 'checkRecord', 'clampScore', 'decodeNodeInfo', 'encodeDelimited', 'encodeUvarint', 'decodeRecordJSON', 'encodeNodeInfo',
      'encodeRecordJSON', 'endpointToString', 'exchangeNodeInfo', 'frameAeadReady', 'frameAeadStatus', 'inject', 'injectable',
      'levelKeyOf', 'mergeRecords', 'nodeCryptoFrameAead', 'nodeIdFromPublicKey', 'optional', 'parseCidr', 'parseListenAddress', 'parseVirtualAddress', 'pluginMeta',
      'resolveLevelPath', 'resolveLinkConditions', 'resolveMConnTransportOptions', 'resolveMongoOptions', 'validateEndpoint',
      'validateNodeInfo',
    ],
  },
  'tmp2p/reactors': {
    module: () => import('../../../reactors/index.js'),
    names: [
      'DEFAULT_ECHO_OPTIONS', 'DEFAULT_FLOOD_OPTIONS', 'DEFAULT_NEED_ADDRESS_THRESHOLD', 'DEFAULT_PEX_OPTIONS', 'ECHO_CHANNEL_ID',
      'EchoChannel', 'EchoMessage', 'EchoReactor', 'FLOOD_CHANNEL_ID', 'Flood', 'FloodChannel', 'FloodMessageError', 'FloodOptionsError',
      'FloodReactor', 'MIN_REQUEST_INTERVAL_MS', 'NetAddress', 'PEX_CHANNEL_ID', 'PEX_RECV_MESSAGE_CAPACITY', 'PexAddrs', 'PexChannel',
      'PexInvalidAddressError', 'PexOptionsError', 'PexPeerState', 'PexProtocolError', 'PexReactor', 'PexRequest',
      'PexRequestTooFrequentError', 'PexSeedDisconnect', 'PexTooManyAddressesError', 'PexUnsolicitedAddrsError', 'PexWireMessage',
      'Ping', 'Pong', 'WIRE_PROTOCOLS', 'isUndialableIP', 'listenAddress', 'parseNetAddress', 'privateAddressAllowed', 'resolvePexOptions', 'selectionSize',
      'toNetAddresses', 'wireIP',
      // blocksync and block verification
      'BLOCKSYNC_CHANNEL_ID', 'BLOCK_PART_SIZE_BYTES', 'BLOCK_RESPONSE_OVERHEAD_BYTES', 'BlockEncodingError', 'BlockRequest',
      'BlockRequestTimeoutError', 'BlockResponse', 'BlockVerificationError', 'BlocksyncChannel', 'BlocksyncOptionsError',
      'BlocksyncProtocolError', 'BlocksyncReactor', 'BlocksyncWireMessage', 'DEFAULT_BLOCKSYNC_MAX_BLOCK_BYTES', 'DEFAULT_BLOCKSYNC_OPTIONS',
      'MAX_BLOCK_SIZE_BYTES', 'NoBlockResponse', 'StatusRequest', 'StatusResponse', 'blockIdOf', 'blocksyncChannel', 'dataHash',
      'evidenceHash', 'formatBlockTime', 'hashHex', 'headerHash', 'lastCommitHash', 'merkleRoot', 'partSetHeaderOf',
      'resolveBlocksyncOptions', 'verifyBlock', 'verifyLink',
      // consensus-state listener
      'BlockPart', 'CONSENSUS_RECV_MESSAGE_CAPACITY', 'CONSENSUS_STATE_CHANNEL_ID', 'ConsensusProposal', 'ConsensusStateChannel',
      'ConsensusStateOptionsError', 'ConsensusStateReactor', 'ConsensusVote', 'ConsensusWireMessage', 'DEFAULT_CONSENSUS_STATE_OPTIONS',
      'HasVote', 'InvalidConsensusMessageError', 'NewRoundStep', 'NewValidBlock', 'ProposalPOL', 'ROUND_STEPS', 'STEP_NEW_HEIGHT',
      'VoteSetBits', 'VoteSetMaj23', 'resolveConsensusStateOptions', 'roundStepName',
      // mempool (channel 0x30)
      'DEFAULT_MAX_TX_BYTES', 'DEFAULT_MEMPOOL_OPTIONS', 'InvalidTxError', 'MEMPOOL_CHANNEL_ID', 'MEMPOOL_RECV_MESSAGE_CAPACITY',
      'MempoolChannel', 'MempoolFloodError', 'MempoolInvalidTxsError', 'MempoolOptionsError', 'MempoolProtocolError', 'MempoolReactor',
      'MempoolStoppedError', 'MempoolWireMessage', 'Txs', 'resolveMempoolOptions', 'txHash', 'txsMessageSize',
      'MAX_TX_BYTES_LIMIT', 'mempoolChannel',
    ],
  },
  // The generated protobufjs classes: applications' declarations name tmp2p's message types through this entry.
  'tmp2p/proto': {
    module: () => import('../../../proto/gen/messages.js'),
    names: ['default', 'google', 'tendermint', 'tmp2p'],
  },
};

describe('public API: the names each package entry exports', () => {
  for (const [entry, { module, names }] of Object.entries(ENTRIES)) {
    it(`${entry} exports exactly the pinned names`, async () => {
      const exported = Object.keys(await module()).sort();
      const added = exported.filter((n) => !names.includes(n));
      const removed = names.filter((n) => !exported.includes(n));
      assert.deepEqual({ added, removed }, { added: [], removed: [] }, `${entry} changed its API; if on purpose, update this list`);
    });
  }

  it('package.json maps each entry to a module that exists in the build', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { default: string }> };
    assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './plugins', './proto', './reactors', './testing']);
    const { existsSync } = await import('node:fs');
    for (const [entry, target] of Object.entries(pkg.exports)) {
      assert.ok(existsSync(new URL(`../../../../${target.default}`, import.meta.url)), `${entry} → ${target.default}`);
    }
  });
});
