import assert from 'node:assert/strict';
import { LocalNodeInfo, type OpenChannel } from '../../../../framework/router/local-node-info.js';
import type { Endpoint } from '../../../../framework/address/endpoint.js';
import { EchoChannel, EchoMessage } from '../../../../reactors/echo/echo-channel.js';
import { defineChannel } from '../../../../framework/router/channel-definition.js';
import { makeNodeInfo } from '../../../support/node-info.js';

const SIDE_CHANNEL = defineChannel({ id: 0x71, name: 'side', messageType: EchoMessage, priority: 7 });

/**
 * LocalNodeInfo (Router doc comment): what this node presents in handshakes,
 * built once and kept until a channel opens or the transports bind.
 */
describe('LocalNodeInfo', () => {
  const { channels: _omitted, ...template } = makeNodeInfo({ listenAddr: 'tcp://0.0.0.0:0' });
  let channels: Map<number, OpenChannel>;
  let endpoints: Endpoint[];
  let local: LocalNodeInfo;

  beforeEach(() => {
    channels = new Map([[EchoChannel.id, { id: EchoChannel.id, definition: EchoChannel }]]);
    endpoints = [];
    local = new LocalNodeInfo(template, channels, () => endpoints);
  });

  it('advertises the port a transport bound in place of a configured port 0, once one is bound', () => {
    assert.equal(local.current().listenAddr, 'tcp://0.0.0.0:0');
    endpoints = [{ protocol: 'memory', path: 'no-ip' }, { protocol: 'mconn', ip: '::1', port: 43210 }];
    assert.equal(local.current().listenAddr, 'tcp://[::1]:43210');
    const fixed = new LocalNodeInfo({ ...template, listenAddr: 'tcp://10.0.0.1:26656' }, channels, () => endpoints);
    assert.equal(fixed.current().listenAddr, 'tcp://10.0.0.1:26656', 'a configured port is kept');
  });

  it('hands handshakes one NodeInfo until a channel opens or the transports bind; current() is always a fresh copy', () => {
    const first = local.forHandshake();
    assert.equal(local.forHandshake(), first);
    assert.notEqual(local.current(), first);
    assert.deepEqual(local.current(), first);

    channels.set(SIDE_CHANNEL.id, { id: SIDE_CHANNEL.id, definition: SIDE_CHANNEL });
    assert.equal(local.forHandshake(), first, 'kept until told');
    local.channelsChanged();
    const second = local.forHandshake();
    assert.deepEqual([...second.channels], [EchoChannel.id, SIDE_CHANNEL.id]);

    endpoints = [{ protocol: 'mconn', ip: '127.0.0.1', port: 5000 }];
    local.endpointsBound();
    assert.notEqual(local.forHandshake(), second);
    assert.equal(local.forHandshake().listenAddr, 'tcp://127.0.0.1:5000');
  });

  it('lists the open channels\' definitions and queue priorities once per set of open channels', () => {
    const lists = local.openChannels();
    assert.equal(local.openChannels(), lists);
    assert.deepEqual(lists.priorities, [{ id: EchoChannel.id, priority: EchoChannel.priority }]);
    assert.ok(Object.isFrozen(lists.definitions) && Object.isFrozen(lists.priorities));

    channels.set(SIDE_CHANNEL.id, { id: SIDE_CHANNEL.id, definition: SIDE_CHANNEL });
    local.endpointsBound();
    assert.equal(local.openChannels(), lists, 'binding does not change the channels');
    local.channelsChanged();
    assert.deepEqual(local.openChannels().definitions, [EchoChannel, SIDE_CHANNEL]);
    assert.deepEqual(local.openChannels().priorities.map((p) => p.priority), [EchoChannel.priority, 7]);
  });
});
