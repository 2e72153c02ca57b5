import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CometBFTRpcClient } from '../../../interop/support/rpc.js';

const NODE_INFO = {
  protocol_version: { p2p: '8', block: '11', app: '1' },
  id: 'db6438321fc8857b1a0ddb7dd087e3ce7d6c71cc',
  listen_addr: '127.0.0.1:26656',
  network: 'tmp2p-test-abc',
  version: '0.38.17',
  channels: '40202122233038606100',
  moniker: 'alpha',
  other: { tx_index: 'on', rpc_address: 'tcp://127.0.0.1:26657' },
};
const STATUS = {
  node_info: NODE_INFO,
  sync_info: {
    latest_block_hash: 'AB',
    latest_app_hash: 'CD',
    latest_block_height: '42',
    latest_block_time: '2024-01-01T00:00:00Z',
    catching_up: false,
  },
  validator_info: { address: 'EF', pub_key: { type: 'tendermint/PubKeyEd25519', value: 'x' }, voting_power: '10' },
};
const NET_INFO = {
  listening: true,
  listeners: ['Listener(@127.0.0.1:26656)'],
  n_peers: '1',
  peers: [{ node_info: { ...NODE_INFO, moniker: 'beta' }, is_outbound: false, connection_status: { Duration: '1' }, remote_ip: '127.0.0.1' }],
};

type Handler = (body: { method: string; params: unknown; id: number }, res: ServerResponse) => void;

describe('interop-support: CometBFTRpcClient', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  const requests: { method: string; params: unknown }[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as { method: string; params: unknown; id: number };
        requests.push({ method: body.method, params: body.params });
        handler(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    requests.length = 0;
  });

  const reply = (result: unknown): Handler => (body, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result }));
  };

  it('parses /status and turns decimal strings into numbers', async () => {
    handler = reply(STATUS);
    const status = await new CometBFTRpcClient(url).status();
    assert.equal(status.sync_info.latest_block_height, 42);
    assert.equal(status.validator_info.voting_power, 10);
    assert.equal(status.node_info.network, 'tmp2p-test-abc');
    assert.deepEqual(requests, [{ method: 'status', params: {} }]);
  });

  it('parses /net_info peers with the fields the tests use', async () => {
    handler = reply(NET_INFO);
    const info = await new CometBFTRpcClient(url).netInfo();
    assert.equal(info.n_peers, 1);
    const [peer] = info.peers;
    assert.equal(peer!.node_info.moniker, 'beta');
    assert.equal(peer!.is_outbound, false);
    assert.equal(peer!.remote_ip, '127.0.0.1');
    assert.equal(peer!.node_info.channels, '40202122233038606100');
  });

  it('sends dial_peers with the peers and flags as JSON params', async () => {
    handler = reply({ Log: 'Dialing peers in progress. See /net_info for details' });
    const peers = [`${'a'.repeat(40)}@127.0.0.1:1`];
    const result = await new CometBFTRpcClient(url).dialPeers(peers, true, { unconditional: true });
    assert.match(result.Log ?? '', /Dialing peers/);
    assert.deepEqual(requests, [{ method: 'dial_peers', params: { peers, persistent: true, unconditional: true, private: false } }]);
  });

  it('surfaces a JSON-RPC error with its code, message and data', async () => {
    handler = (body, res) => {
      res.statusCode = 500;
      res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, error: { code: -32601, message: 'Method not found', data: 'dial_peers' } }));
    };
    await assert.rejects(new CometBFTRpcClient(url).dialPeers([], false), {
      name: 'CometBFTRpcError',
      message: 'RPC dial_peers returned error -32601 Method not found (dial_peers)',
    });
  });

  it('rejects a result of the wrong shape, showing what came back', async () => {
    handler = reply({ ...STATUS, sync_info: { ...STATUS.sync_info, latest_block_height: 'tall' } });
    await assert.rejects(new CometBFTRpcClient(url).status(), { name: 'CometBFTRpcError', message: 'RPC status result has an unexpected shape: sync_info.latest_block_height: expected a decimal integer string, got "tall"' });
  });

  it('rejects a non-JSON body and a non-2xx answer without an error object', async () => {
    handler = (_body, res) => res.end('<html>gateway</html>');
    await assert.rejects(new CometBFTRpcClient(url).status(), { name: 'CometBFTRpcError', message: /non-JSON body: <html>/ });
    handler = (_body, res) => {
      res.statusCode = 503;
      res.end('{}');
    };
    await assert.rejects(new CometBFTRpcClient(url).status(), { name: 'CometBFTRpcError', message: /HTTP 503/ });
  });

  it('gives up on a server that never answers', async () => {
    handler = () => undefined; // hold the request open
    await assert.rejects(new CometBFTRpcClient(url, { requestTimeoutMs: 100 }).status(), {
      name: 'CometBFTRpcError',
      message: /no answer within 100 ms/,
    });
  });

  it('reports a refused connection and honours an abort signal', async () => {
    await assert.rejects(new CometBFTRpcClient('http://127.0.0.1:1').status(), { name: 'CometBFTRpcError', message: /127\.0\.0\.1:1 failed/ });
    handler = () => undefined;
    const controller = new AbortController();
    const pending = new CometBFTRpcClient(url).netInfo({ signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    await assert.rejects(new CometBFTRpcClient(url).netInfo({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});
