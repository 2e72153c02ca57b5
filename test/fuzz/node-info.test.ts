import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { tendermint } from '../../proto/gen/messages.js';
import { NodeKey } from '../../framework/identity/node-key.js';
import { checkCompatible, decodeNodeInfo, MAX_NODE_INFO_SIZE, validateNodeInfo, type NodeInfo } from '../../framework/identity/node-info.js';
import { validatePeerHandshake } from '../../framework/identity/handshake-checks.js';
import { exchangeNodeInfo } from '../../plugins/transports/mconn/node-info-exchange.js';
import { makeNodeInfo } from '../support/node-info.js';
import { bytes, chunked, fuzzParameters, hostileText, rawUvarint, typedOrResolved, typedOrResult, uvarintValue } from './fuzz-kit.js';

const local = NodeKey.fromSecret('fuzz local');
const localInfo = makeNodeInfo({ nodeId: local.nodeId, listenAddr: 'tcp://127.0.0.1:26656', network: 'fuzz-net', version: '1', channels: Uint8Array.of(0x00, 0x70), moniker: 'local' });
const remoteKey = NodeKey.fromSecret('fuzz remote');

const uint64 = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 }), fc.maxSafeNat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String));

/** A DefaultNodeInfo as a hostile peer may encode it: every field of any content, our fields sometimes honest. */
const nodeInfoFields = fc.record(
  {
    protocolVersion: fc.record({ p2p: uint64, block: uint64, app: uint64 }, { requiredKeys: [] }),
    defaultNodeId: fc.oneof(fc.constant(remoteKey.nodeId), fc.constant(remoteKey.nodeId.toUpperCase()), hostileText('0123456789abcdefABCDEF')),
    listenAddr: fc.oneof(fc.constantFrom('tcp://127.0.0.1:26656', '[::1]:1', 'host:65536', '1.2.3.4:0x10', 'a@b:1', 'x://y://z:1'), hostileText()),
    network: fc.oneof(fc.constant('fuzz-net'), hostileText()),
    version: hostileText(),
    channels: fc.oneof(fc.constant(Uint8Array.of(0x70)), fc.uint8Array({ maxLength: 40 })),
    moniker: fc.oneof(fc.constant('peer'), fc.constant(' '), hostileText()),
    other: fc.record({ txIndex: fc.oneof(fc.constantFrom('', 'on', 'off'), hostileText()), rpcAddress: hostileText() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const encodedNodeInfo = nodeInfoFields.map((fields) => tendermint.p2p.DefaultNodeInfo.encode(fields as tendermint.p2p.IDefaultNodeInfo).finish());

function checkDecoded(info: NodeInfo, input: Uint8Array): void {
  for (const text of [info.nodeId, info.listenAddr, info.network, info.version, info.moniker, info.other.txIndex, info.other.rpcAddress]) {
    assert.equal(typeof text, 'string');
    assert.ok(text.length <= input.length, 'no string longer than the input');
  }
  assert.ok(info.channels instanceof Uint8Array && info.channels.length <= input.length);
}

describe('fuzz: NodeInfo (framework/identity/node-info.ts, the NodeInfo exchange)', () => {
  it('decodes, validates and checks a peer NodeInfo without an untyped error', () => {
    fc.assert(
      fc.property(fc.oneof(encodedNodeInfo, bytes(MAX_NODE_INFO_SIZE + 100)), (input) => {
        const info = typedOrResult('decodeNodeInfo', () => decodeNodeInfo(input));
        if (info === undefined) return;
        checkDecoded(info, input);
        typedOrResult('validateNodeInfo', () => validateNodeInfo(info));
        typedOrResult('checkCompatible', () => checkCompatible(localInfo, info));
        for (const expectedNodeId of [undefined, remoteKey.nodeId]) {
          typedOrResult('validatePeerHandshake', () => validatePeerHandshake({ local: localInfo, remote: info, remotePublicKey: remoteKey.publicKey, expectedNodeId }));
        }
      }),
      fuzzParameters(),
    );
  });

  it('accepts a NodeInfo that passes validation only with a valid node ID, an integral version and at most 16 unique channels', () => {
    fc.assert(
      fc.property(encodedNodeInfo, (input) => {
        const info = typedOrResult('decodeNodeInfo', () => decodeNodeInfo(input));
        if (info === undefined || typedOrResult('validateNodeInfo', () => (validateNodeInfo(info), true)) !== true) return;
        assert.match(info.nodeId, /^[0-9a-f]{40}$/);
        for (const v of Object.values(info.protocolVersion)) assert.ok(Number.isInteger(v) && v >= 0);
        assert.ok(info.channels.length <= 16 && new Set(info.channels).size === info.channels.length);
      }),
      fuzzParameters(),
    );
  });

  it('the exchange reads at most one bounded NodeInfo from whatever the peer sends, or fails typed', async () => {
    const stream = fc.oneof(
      encodedNodeInfo.map((body) => Uint8Array.from([...rawUvarint(BigInt(body.length)), ...body])),
      fc.tuple(encodedNodeInfo, bytes(200)).map(([body, after]) => Uint8Array.from([...rawUvarint(BigInt(body.length)), ...body, ...after])),
      uvarintValue.map((declared) => Uint8Array.from(rawUvarint(declared))),
      bytes(MAX_NODE_INFO_SIZE + 100),
    );
    await fc.assert(
      fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 4 }), async (sent, cuts) => {
        const socket = new Duplex({ read() {}, write(_chunk, _encoding, done) { done(); } });
        const exchange = exchangeNodeInfo(socket, localInfo, { timeoutMs: 5000 });
        for (const chunk of chunked(sent, cuts)) socket.push(chunk);
        socket.push(null);
        const result = await typedOrResolved('exchangeNodeInfo', () => exchange);
        socket.destroy();
        if (result === undefined) return;
        assert.ok(result.rest.length <= sent.length);
        checkDecoded(result.nodeInfo, sent);
      }),
      fuzzParameters(0.5),
    );
  });
});
