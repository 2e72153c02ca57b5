import { componentOptions } from '../../../../../node/config/component-options.js';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../../../node/config/loader.js';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { AbortError } from '../../../../../framework/errors/base.js';
import { DialError, TransportClosedError } from '../../../../../framework/transport/errors.js';
import { InvalidArgumentError } from '../../../../../framework/errors/base.js';
import { InvalidListenAddressError, ListenError } from '../../../../../plugins/transports/mconn/errors.js';
import { parseListenAddress } from '../../../../../plugins/transports/mconn/listen-address.js';
import { MConnTransport } from '../../../../../plugins/transports/mconn/mconn-transport.js';
import { NodeKey } from '../../../../../framework/identity/node-key.js';
import { silentLogger } from '../../../../../framework/logging/logger.js';
import { CHANNELS, FAST, makeTransport, nodeInfoFor, rawSocket, rejection, Resources, transportOptions, transportPair, until, socketClosed } from './helpers.js';

describe('mconn transport: listen, accept, dial, close', function () {
  this.timeout(10_000);
  let res: Resources;
  beforeEach(() => (res = new Resources()));
  afterEach(() => res.close());

  it('reports no endpoint before listen and the real port after listening on port 0', async () => {
    const { transport } = await makeTransport();
    res.transport(transport);
    assert.equal(transport.name, 'mconn');
    assert.deepEqual([...transport.protocols()], ['mconn', 'tcp']);
    assert.deepEqual(transport.endpoints(), []);
    await transport.listen();
    const [endpoint] = transport.endpoints();
    assert.equal(endpoint!.protocol, 'mconn');
    assert.equal(endpoint!.ip, '127.0.0.1');
    assert.ok(endpoint!.port! > 0, `expected a real port, got ${endpoint!.port}`);
    await transport.listen(); // idempotent
    assert.equal(transport.endpoints()[0]!.port, endpoint!.port);
  });

  it('accepts a dialed connection, with matching endpoints on both sides', async () => {
    const { server, client, endpoint } = await transportPair(res);
    const [dialed, accepted] = await Promise.all([client.transport.dial(endpoint), server.transport.accept()]);
    res.connection(dialed);
    res.connection(accepted);
    assert.equal(dialed.remoteEndpoint.port, endpoint.port);
    assert.equal(dialed.remoteEndpoint.ip, '127.0.0.1');
    assert.equal(accepted.remoteEndpoint.port, dialed.localEndpoint.port);
    assert.equal(accepted.localEndpoint.port, endpoint.port);
    assert.deepEqual(
      { accepted: server.transport.stats().accepted, dialed: client.transport.stats().dialed },
      { accepted: 1, dialed: 1 },
    );
  });

  it('accepts "tcp" endpoints as well as "mconn" ones', async () => {
    const { server, client, endpoint } = await transportPair(res);
    const [dialed] = await Promise.all([client.transport.dial({ ...endpoint, protocol: 'tcp' }), server.transport.accept().then((c) => res.connection(c))]);
    res.connection(dialed);
    assert.equal(dialed.isClosed, false);
  });

  it('refuses endpoints it cannot dial with a DialError naming the problem', async () => {
    const { client, endpoint } = await transportPair(res);
    const cases: Array<[object, RegExp]> = [
      [{ protocol: 'mconn', ip: '127.0.0.1' }, /no port \(or port 0\).*26656/],
      [{ protocol: 'mconn', ip: '127.0.0.1', port: 0 }, /no port/],
      [{ protocol: 'memory', path: 'abc' }, /protocol must be one of mconn, tcp/],
      [{ protocol: 'mconn', path: 'abc' }, /needs an IP address/],
    ];
    for (const [bad, pattern] of cases) {
      const err = await rejection(client.transport.dial(bad as never));
      assert.ok(err instanceof DialError, `${JSON.stringify(bad)}: expected DialError, got ${err}`);
      assert.match(err.message, pattern);
    }
    assert.equal(client.transport.stats().dialed, 0);
    assert.ok(endpoint.port);
  });

  it('reports a refused connection as a DialError with the system error as cause', async () => {
    const { client } = await transportPair(res);
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    const err = await rejection(client.transport.dial({ protocol: 'mconn', ip: '127.0.0.1', port }));
    assert.ok(err instanceof DialError);
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    assert.equal(client.transport.stats().dialFailures, 1);
  });

  it('rejects a dial with the abort reason of its signal (the router passes its dial timeout that way)', async () => {
    const { client, endpoint } = await transportPair(res);
    const controller = new AbortController();
    const reason = new DialError('dialing timed out after 1 ms');
    controller.abort(reason);
    assert.equal(await rejection(client.transport.dial(endpoint, controller.signal)), reason);
    // Aborting while the connect is in flight (it cannot complete before the next I/O turn).
    const inflight = new AbortController();
    const pending = client.transport.dial(endpoint, inflight.signal);
    const late = new DialError('too slow');
    inflight.abort(late);
    assert.equal(await rejection(pending), late);
    assert.equal(client.transport.stats().dialFailures, 1);
  });

  it('fails listen with ListenError when the port is taken', async () => {
    const { transport, endpoint } = await transportPair(res).then((p) => ({ transport: p.server.transport, endpoint: p.endpoint }));
    assert.ok(transport);
    const other = new MConnTransport(NodeKey.generate(), silentLogger(), await transportOptions(`tcp://127.0.0.1:${endpoint.port}`, FAST));
    res.transport(other);
    const err = await rejection(other.listen());
    assert.ok(err instanceof ListenError, String(err));
    assert.match(err.message, new RegExp(`cannot listen on tcp://127.0.0.1:${endpoint.port}: .*EADDRINUSE`));
    assert.deepEqual(other.endpoints(), []);
  });

  it('does not listen when laddr is "memory" but still dials', async () => {
    const { transport } = await makeTransport(FAST, 'memory');
    res.transport(transport);
    await transport.listen();
    assert.deepEqual(transport.endpoints(), []);
  });

  it('parses listen addresses and rejects bad ones at construction', async () => {
    assert.deepEqual(parseListenAddress('tcp://127.0.0.1:26656'), { host: '127.0.0.1', port: 26656 });
    assert.deepEqual(parseListenAddress('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
    assert.deepEqual(parseListenAddress('tcp://[::1]:5'), { host: '::1', port: 5 });
    assert.deepEqual(parseListenAddress('tcp://:26656'), { host: undefined, port: 26656 });
    assert.equal(parseListenAddress('memory'), undefined);
    for (const bad of ['tcp://127.0.0.1', 'udp://1.2.3.4:5', 'tcp://::1:5', 'tcp://1.2.3.4:65536', 'tcp://[::1:5']) {
      assert.throws(() => parseListenAddress(bad), InvalidListenAddressError, bad);
    }
    assert.throws(() => new MConnTransport(NodeKey.generate(), silentLogger(), { laddr: 'tcp://1.2.3.4:99999' }), /p2p.laddr "tcp:\/\/1.2.3.4:99999".*65535/);
  });

  it('validates its options at construction, and takes [p2p] settings from the config', async () => {
    assert.throws(() => new MConnTransport(NodeKey.generate(), silentLogger(), { backlog: 0 }), InvalidArgumentError);
    assert.throws(() => new MConnTransport(NodeKey.generate(), silentLogger(), { mconnection: { pingIntervalMs: 10, pongTimeoutMs: 20 } }), /pongTimeoutMs \(20\) must be less than pingIntervalMs/);
    const fromConfig = async (p2p: Record<string, unknown>) => {
      const config = await loadConfig({ values: { p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', ...p2p } } });
      return new MConnTransport(NodeKey.generate(), silentLogger(), componentOptions(config, NodeKey.generate()).mconnTransport);
    };
    const configured = await fromConfig({ send_rate: 123, max_packet_msg_payload_size: 700 });
    assert.equal(configured.options.mconnection.sendRate, 123);
    assert.equal(configured.options.mconnection.maxPacketMsgPayloadSize, 700);
    assert.equal(configured.options.handshakePhaseTimeoutMs, 3000);
    const windowed = await fromConfig({ send_window: 0, send_window_max: 4096 });
    assert.equal(windowed.options.mconnection.sendWindowMinBytes, 0, 'p2p.send_window = 0 turns the window off');
    await assert.rejects(fromConfig({ send_window: 8192, send_window_max: 4096 }), /sendWindowMaxBytes/);
    assert.equal((await fromConfig({})).options.mconnection.busyPollUs, 0, 'busy polling is off by default');
    assert.equal((await fromConfig({ busy_poll: '250us' })).options.mconnection.busyPollUs, 250);
    await assert.rejects(fromConfig({ busy_poll: '1s' }), /busyPollUs must be an integer in 0\.\.100000/);
  });

  it('destroys and counts sockets beyond the accept backlog', async () => {
    const { server, endpoint } = await transportPair(res, { ...FAST, backlog: 2 });
    const sockets: Socket[] = [];
    for (let i = 0; i < 5; i++) sockets.push(await rawSocket(res, endpoint));
    const closedExtra = sockets.slice(2).map((s) => socketClosed(s));
    await Promise.all(closedExtra);
    assert.deepEqual({ refused: server.transport.stats().refused, pending: server.transport.stats().pending }, { refused: 3, pending: 2 });
    // The two in the backlog are still served.
    const first = res.connection(await server.transport.accept());
    const second = res.connection(await server.transport.accept());
    assert.equal(first.isClosed || second.isClosed, false);
    assert.equal(server.transport.stats().accepted, 2);
  });

  it('accept honours its abort signal', async () => {
    const { server } = await transportPair(res);
    const controller = new AbortController();
    const pending = server.transport.accept(controller.signal);
    controller.abort();
    assert.ok((await rejection(pending)) instanceof AbortError);
  });

  it('close() rejects pending accepts, stops listening, refuses dials, and keeps open connections working', async () => {
    const { server, client, endpoint } = await transportPair(res);
    const [dialed, accepted] = await Promise.all([client.transport.dial(endpoint), server.transport.accept()]);
    res.connection(dialed);
    res.connection(accepted);
    const waiting = server.transport.accept();
    await server.transport.close();
    await server.transport.close(); // idempotent
    assert.ok((await rejection(waiting)) instanceof TransportClosedError);
    assert.ok((await rejection(server.transport.accept())) instanceof TransportClosedError);
    assert.ok((await rejection(server.transport.dial(endpoint))) instanceof TransportClosedError);
    assert.ok((await rejection(server.transport.listen())) instanceof TransportClosedError);
    const refused = await rejection(client.transport.dial(endpoint));
    assert.ok(refused instanceof DialError && /ECONNREFUSED/.test(refused.message), String(refused));
    // The connection accepted before close still completes its handshake and carries data.
    const ka = NodeKey.generate();
    const kb = NodeKey.generate();
    await Promise.all([dialed.handshake(nodeInfoFor(ka), ka, { channels: CHANNELS }), accepted.handshake(nodeInfoFor(kb), kb, { channels: CHANNELS })]);
    assert.equal(dialed.trySend(0x20, Uint8Array.of(1, 2, 3)), true);
    const message = await accepted.receive();
    assert.deepEqual([...message.bytes], [1, 2, 3]);
  });

  it('close() closes connections still waiting in the backlog', async () => {
    const { server, endpoint } = await transportPair(res);
    const socket = await rawSocket(res, endpoint);
    await until(() => server.transport.stats().pending === 1, 'the socket to reach the backlog');
    await server.transport.close();
    await socketClosed(socket);
    assert.equal(server.transport.stats().pending, 0);
  });
});
