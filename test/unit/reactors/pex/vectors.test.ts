import assert from 'node:assert/strict';
import { PexAddrs, PexChannel, PexRequest, PexWireMessage, NetAddress, PEX_CHANNEL_ID } from '../../../../reactors/pex/pex-channel.js';
import { UnwrapError } from '../../../../framework/router/message-type.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const encode = (inner: PexRequest | PexAddrs) => PexChannel.messageType.encode(PexChannel.wrapper!.wrap(inner)).finish();
const decode = (h: string) => PexChannel.wrapper!.unwrap(PexChannel.messageType.decode(Buffer.from(h, 'hex')));

// CometBFT v0.38 p2p/pex/pex_reactor_test.go TestPexVectors (same bytes in tm35).
describe('PEX wire format (TestPexVectors)', () => {
  it('encodes Message{PexRequest} as 0a00', () => {
    assert.equal(hex(encode(PexRequest.create())), '0a00');
  });

  it('encodes Message{PexAddrs{[{ID:"1", IP:"127.0.0.1", Port:9090}]}} byte-exactly', () => {
    const message = PexAddrs.create({ addrs: [NetAddress.create({ id: '1', ip: '127.0.0.1', port: 9090 })] });
    assert.equal(hex(encode(message)), '12130a110a013112093132372e302e302e31188247');
  });

  it('decodes both vectors back to the inner message classes', () => {
    assert.ok(decode('0a00') instanceof PexRequest);
    const addrs = decode('12130a110a013112093132372e302e302e31188247');
    assert.ok(addrs instanceof PexAddrs);
    assert.deepEqual(addrs.addrs.map((a) => ({ id: a.id, ip: a.ip, port: a.port })), [{ id: '1', ip: '127.0.0.1', port: 9090 }]);
  });

  it('encodes an empty PexAddrs (a reply from an empty book) as 1200, which CometBFT accepts', () => {
    assert.equal(hex(encode(PexAddrs.create({ addrs: [] }))), '1200');
  });

  it('rejects an empty Message (no oneof set), as CometBFT does', () => {
    assert.throws(() => decode(''), UnwrapError);
  });

  it('rejects tm35 V2 messages (fields 3 and 4), unknown to CometBFT', () => {
    // PexMessage{pex_request_v2 = 3}: "1a00".
    assert.throws(() => decode('1a00'), UnwrapError);
    assert.equal(PexWireMessage.decode(Buffer.from('1a00', 'hex')).sum, undefined);
  });

  it('uses CometBFT descriptor values for channel 0x00', () => {
    assert.equal(PEX_CHANNEL_ID, 0);
    assert.equal(PexChannel.id, 0x00);
    assert.equal(PexChannel.priority, 1);
    assert.equal(PexChannel.sendQueueCapacity, 10);
    assert.equal(PexChannel.recvMessageCapacity, 64000);
    assert.deepEqual(PexChannel.innerTypes, [PexRequest, PexAddrs]);
  });
});
