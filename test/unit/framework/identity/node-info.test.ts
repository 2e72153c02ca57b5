import assert from 'node:assert/strict';
import { IncompatiblePeerError, InvalidNodeInfoError } from '../../../../framework/identity/errors.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import {
  checkCompatible,
  decodeNodeInfo,
  encodeNodeInfo,
  MAX_NODE_INFO_SIZE,
  nodeInfoHasChannel,
  validateNodeInfo,
  type NodeInfo,
} from '../../../../framework/identity/node-info.js';
import { makeNodeInfo } from '../../../support/node-info.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const field = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag, body.length]), body]);

describe('NodeInfo', () => {
  describe('encode / decode', () => {
    it('round-trips every field', () => {
      const info = makeNodeInfo({ protocolVersion: { p2p: 8, block: 11, app: 7 } });
      const back = decodeNodeInfo(encodeNodeInfo(info));
      assert.deepEqual(back, info);
    });

    it('emits empty protocol_version and other (0a 00 … 42 00) like gogoproto', () => {
      const empty: NodeInfo = {
        protocolVersion: { p2p: 0, block: 0, app: 0 },
        nodeId: '' as NodeID,
        listenAddr: '',
        network: '',
        version: '',
        channels: new Uint8Array(0),
        moniker: '',
        other: { txIndex: '', rpcAddress: '' },
      };
      assert.equal(hex(encodeNodeInfo(empty)), '0a004200');
    });

    it('matches hand-built DefaultNodeInfo bytes (field numbers 1-8 in order)', () => {
      const info = makeNodeInfo({ version: '', channels: Uint8Array.from([0x40]), moniker: 'm', network: 'test', other: { txIndex: '', rpcAddress: '' } });
      const expected = Buffer.concat([
        field(0x0a, Buffer.from([0x08, 8, 0x10, 11])),
        field(0x12, Buffer.from(info.nodeId)),
        field(0x1a, Buffer.from('tcp://0.0.0.0:26656')),
        field(0x22, Buffer.from('test')),
        field(0x32, Buffer.from([0x40])),
        field(0x3a, Buffer.from('m')),
        Buffer.from([0x42, 0x00]),
      ]);
      assert.equal(hex(encodeNodeInfo(info)), hex(expected));
    });

    it('decodes missing sub-messages and fields as zero values', () => {
      const bytes = field(0x3a, Buffer.from('only-moniker'));
      assert.deepEqual(decodeNodeInfo(bytes), {
        protocolVersion: { p2p: 0, block: 0, app: 0 },
        nodeId: '',
        listenAddr: '',
        network: '',
        version: '',
        channels: new Uint8Array(0),
        moniker: 'only-moniker',
        other: { txIndex: '', rpcAddress: '' },
      });
      assert.equal(decodeNodeInfo(new Uint8Array(0)).moniker, '');
    });

    it('skips unknown fields', () => {
      const info = makeNodeInfo();
      const bytes = Buffer.concat([encodeNodeInfo(info), Buffer.from([0x98, 0x06, 0x01])]); // field 99 varint
      assert.deepEqual(decodeNodeInfo(bytes), info);
    });

    it('copies channels out of the input buffer', () => {
      const bytes = encodeNodeInfo(makeNodeInfo({ channels: Uint8Array.from([0x40]) }));
      const info = decodeNodeInfo(bytes);
      bytes.fill(0);
      assert.deepEqual(Array.from(info.channels), [0x40]);
    });

    const garbage: Array<[string, Uint8Array]> = [
      ['truncated length', Uint8Array.from([0x3a, 0x05, 0x61])],
      ['bad wire type 7', Uint8Array.from([0x0f])],
      ['invalid UTF-8 in a string', Uint8Array.from([0x3a, 0x02, 0xc3, 0x28])],
    ];
    for (const [label, bytes] of garbage) {
      it(`rejects ${label} as InvalidNodeInfoError(field "bytes") with cause`, () => {
        assert.throws(
          () => decodeNodeInfo(bytes),
          (err: unknown) => err instanceof InvalidNodeInfoError && err.field === 'bytes' && err.cause instanceof Error && /cannot decode NodeInfo/.test(err.message),
        );
      });
    }

    it('rejects input above MAX_NODE_INFO_SIZE without decoding', () => {
      assert.throws(() => decodeNodeInfo(new Uint8Array(MAX_NODE_INFO_SIZE + 1)), (err: unknown) => err instanceof InvalidNodeInfoError && err.field === 'bytes' && /10241 bytes/.test(err.message));
    });

    it('refuses to encode a NodeInfo peers would reject as too large', () => {
      assert.throws(() => encodeNodeInfo(makeNodeInfo({ version: 'v'.repeat(MAX_NODE_INFO_SIZE) })), (err: unknown) => err instanceof InvalidNodeInfoError && err.field === 'size');
    });

    it('refuses to encode negative or fractional protocol versions', () => {
      assert.throws(() => encodeNodeInfo(makeNodeInfo({ protocolVersion: { p2p: -1, block: 11, app: 0 } })), (err: unknown) => err instanceof InvalidNodeInfoError && err.field === 'protocolVersion');
      assert.throws(() => encodeNodeInfo(makeNodeInfo({ protocolVersion: { p2p: 8, block: 1.5, app: 0 } })), InvalidNodeInfoError);
    });
  });

  describe('validateNodeInfo', () => {
    it('accepts a typical CometBFT NodeInfo', () => {
      validateNodeInfo(makeNodeInfo());
    });

    const valid: Array<[string, Partial<NodeInfo>]> = [
      ['listen_addr without scheme', { listenAddr: '127.0.0.1:26656' }],
      ['listen_addr with hostname', { listenAddr: 'tcp://node.example.com:26656' }],
      ['listen_addr with bracketed IPv6', { listenAddr: 'tcp://[::1]:26656' }],
      ['listen_addr port 0', { listenAddr: '0.0.0.0:0' }],
      ['listen_addr port 65535', { listenAddr: '0.0.0.0:65535' }],
      ['empty version', { version: '' }],
      ['version with spaces inside', { version: 'v 1' }],
      ['no channels', { channels: new Uint8Array(0) }],
      ['16 channels', { channels: Uint8Array.from({ length: 16 }, (_, i) => i) }],
      ['tx_index off', { other: { txIndex: 'off', rpcAddress: '' } }],
      ['tx_index empty', { other: { txIndex: '', rpcAddress: '' } }],
      ['empty network (checked only by checkCompatible)', { network: '' }],
    ];
    for (const [label, overrides] of valid) {
      it(`accepts ${label}`, () => validateNodeInfo(makeNodeInfo(overrides)));
    }

    const invalid: Array<[string, Partial<NodeInfo>, string, RegExp]> = [
      ['upper-case node id', { nodeId: '00112233445566778899AABBCCDDEEFF00112233' as NodeID }, 'nodeId', /40 lowercase hex/],
      ['short node id', { nodeId: 'abc' as NodeID }, 'nodeId', /"abc"/],
      ['negative protocol version', { protocolVersion: { p2p: 8, block: -1, app: 0 } }, 'protocolVersion', /non-negative/],
      ['empty listen_addr', { listenAddr: '' }, 'listenAddr', /missing port/],
      ['listen_addr without port', { listenAddr: 'tcp://0.0.0.0' }, 'listenAddr', /missing port/],
      ['listen_addr with empty host', { listenAddr: 'tcp://:26656' }, 'listenAddr', /host is empty/],
      ['listen_addr port 65536', { listenAddr: 'tcp://0.0.0.0:65536' }, 'listenAddr', /above 65535/],
      ['listen_addr non-numeric port', { listenAddr: '0.0.0.0:http' }, 'listenAddr', /not a decimal number/],
      ['listen_addr empty port', { listenAddr: '0.0.0.0:' }, 'listenAddr', /not a decimal number/],
      ['listen_addr negative port', { listenAddr: '0.0.0.0:-1' }, 'listenAddr', /not a decimal number/],
      ['listen_addr unbracketed IPv6', { listenAddr: '::1:26656' }, 'listenAddr', /too many colons/],
      ['listen_addr with @', { listenAddr: 'id@1.2.3.4:26656' }, 'listenAddr', /'@'/],
      ['listen_addr with junk after ]', { listenAddr: '[::1]x:26656' }, 'listenAddr', /missing port/],
      ['version with a tab', { version: '0.38\t1' }, 'version', /printable ASCII/],
      ['version with non-ASCII', { version: 'vé' }, 'version', /printable ASCII/],
      ['version only spaces', { version: '   ' }, 'version', /not only spaces/],
      ['17 channels', { channels: Uint8Array.from({ length: 17 }, (_, i) => i) }, 'channels', /17 channels.*at most 16/],
      ['duplicate channel', { channels: Uint8Array.from([0x20, 0x40, 0x20]) }, 'channels', /0x20 is listed more than once/],
      ['empty moniker', { moniker: '' }, 'moniker', /non-empty printable ASCII/],
      ['moniker only spaces', { moniker: '  ' }, 'moniker', /not only spaces/],
      ['moniker with newline', { moniker: 'a\nb' }, 'moniker', /"a\\nb"/],
      ['moniker with non-ASCII', { moniker: 'nöde' }, 'moniker', /printable ASCII/],
      ['tx_index "yes"', { other: { txIndex: 'yes', rpcAddress: '' } }, 'other.txIndex', /"on", "off" or ""/],
      ['tx_index "ON"', { other: { txIndex: 'ON', rpcAddress: '' } }, 'other.txIndex', /"ON"/],
      ['rpc_address with tab', { other: { txIndex: 'on', rpcAddress: 'tcp://\t' } }, 'other.rpcAddress', /printable ASCII/],
      ['rpc_address only spaces', { other: { txIndex: 'on', rpcAddress: ' ' } }, 'other.rpcAddress', /not only spaces/],
    ];
    for (const [label, overrides, fieldName, why] of invalid) {
      it(`rejects ${label} (field ${fieldName})`, () => {
        assert.throws(
          () => validateNodeInfo(makeNodeInfo(overrides)),
          (err: unknown) => {
            assert.ok(err instanceof InvalidNodeInfoError, String(err));
            assert.equal(err.name, 'InvalidNodeInfoError');
            assert.equal(err.field, fieldName);
            assert.match(err.message, why);
            return true;
          },
        );
      });
    }

    it('truncates huge bad values in the message', () => {
      assert.throws(() => validateNodeInfo(makeNodeInfo({ moniker: '\x01'.repeat(5000) })), (err: unknown) => err instanceof Error && err.message.length < 1000);
    });
  });

  it('nodeInfoHasChannel', () => {
    const info = makeNodeInfo({ channels: Uint8Array.from([0x00, 0x40]) });
    assert.equal(nodeInfoHasChannel(info, 0x00), true);
    assert.equal(nodeInfoHasChannel(info, 0x40), true);
    assert.equal(nodeInfoHasChannel(info, 0x20), false);
  });

  describe('checkCompatible', () => {
    const local = makeNodeInfo({ channels: Uint8Array.from([0x20, 0x40]) });
    const expectReason = (remote: NodeInfo, reason: string, why: RegExp): void => {
      assert.throws(
        () => checkCompatible(local, remote),
        (err: unknown) => err instanceof IncompatiblePeerError && err.name === 'IncompatiblePeerError' && err.reason === reason && why.test(err.message),
      );
    };

    it('accepts a peer sharing a channel, block version and network', () => {
      checkCompatible(local, makeNodeInfo({ channels: Uint8Array.from([0x40, 0x60]) }));
    });
    it('ignores p2p and app versions', () => {
      checkCompatible(local, makeNodeInfo({ protocolVersion: { p2p: 7, block: 11, app: 99 } }));
    });
    it('rejects a different block version', () => {
      expectReason(makeNodeInfo({ protocolVersion: { p2p: 8, block: 10, app: 0 } }), 'block-version', /block protocol version 10, expected 11/);
    });
    it('rejects a different network', () => {
      expectReason(makeNodeInfo({ network: 'other-chain' }), 'network', /"other-chain", expected "test-chain"/);
    });
    it('checks block version before network', () => {
      expectReason(makeNodeInfo({ network: 'x', protocolVersion: { p2p: 8, block: 1, app: 0 } }), 'block-version', /block/);
    });
    it('rejects no common channel', () => {
      expectReason(makeNodeInfo({ channels: Uint8Array.from([0x30]) }), 'no-common-channel', /ours \[0x20, 0x40\], theirs \[0x30\]/);
    });
    it('accepts any channels when we have none', () => {
      checkCompatible(makeNodeInfo({ channels: new Uint8Array(0) }), makeNodeInfo({ channels: Uint8Array.from([0x30]) }));
    });
  });
});
