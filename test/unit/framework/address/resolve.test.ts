import assert from 'node:assert/strict';
import { AbortError } from '../../../../framework/errors/base.js';
import { AddressResolutionError } from '../../../../framework/address/errors.js';
import { NodeAddress } from '../../../../framework/address/node-address.js';

const user = '00112233445566778899aabbccddeeff00112233';

describe('NodeAddress.resolve', () => {
  it('returns one endpoint for an IPv4 literal without DNS', async () => {
    const lookup = (): Promise<string[]> => Promise.reject(new Error('must not be called'));
    assert.deepEqual(await NodeAddress.parse(`tcp://${user}@127.0.0.1:80/path`).resolve({ lookup }), [{ protocol: 'tcp', ip: '127.0.0.1', port: 80, path: '/path' }]);
    assert.deepEqual(await NodeAddress.parse(`${user}@8.8.8.8`).resolve({ lookup }), [{ protocol: 'mconn', ip: '8.8.8.8' }]);
  });

  it('returns one endpoint for an IPv6 literal', async () => {
    assert.deepEqual(await NodeAddress.parse(`${user}@[::1]:26656`).resolve(), [{ protocol: 'mconn', ip: '::1', port: 26656 }]);
  });

  it('returns a path endpoint (path = node id) when there is no hostname', async () => {
    assert.deepEqual(await NodeAddress.parse(`memory:${user}`).resolve(), [{ protocol: 'memory', path: user }]);
  });

  it('expands a hostname into one endpoint per distinct IP, in lookup order', async () => {
    const asked: string[] = [];
    const lookup = async (host: string): Promise<string[]> => {
      asked.push(host);
      return ['10.0.0.2', '10.0.0.1', '10.0.0.2', '2001:db8::1', '2001:0db8:0::1'];
    };
    const endpoints = await NodeAddress.parse(`mconn://${user}@Seed.Example.com:26656`).resolve({ lookup });
    assert.deepEqual(asked, ['seed.example.com']);
    assert.deepEqual(endpoints, [
      { protocol: 'mconn', ip: '10.0.0.2', port: 26656 },
      { protocol: 'mconn', ip: '10.0.0.1', port: 26656 },
      { protocol: 'mconn', ip: '2001:db8::1', port: 26656 },
    ]);
  });

  it('resolves localhost through real DNS', async () => {
    const endpoints = await NodeAddress.parse(`tcp://${user}@localhost:80/path`).resolve();
    assert.ok(endpoints.length >= 1);
    for (const e of endpoints) {
      assert.equal(e.protocol, 'tcp');
      assert.equal(e.port, 80);
      assert.equal(e.path, '/path');
    }
    assert.ok(endpoints.some((e) => e.ip === '127.0.0.1' || e.ip === '::1'), JSON.stringify(endpoints));
  });

  it('wraps DNS failure in AddressResolutionError with the cause', async () => {
    const cause = new Error('ENOTFOUND');
    await assert.rejects(
      NodeAddress.parse(`${user}@missing.example`).resolve({ lookup: () => Promise.reject(cause) }),
      (err: unknown) => err instanceof AddressResolutionError && err.cause === cause && err.hostname === 'missing.example' && /missing\.example/.test(err.message),
    );
  });

  it('wraps a synchronously throwing lookup too', async () => {
    await assert.rejects(
      NodeAddress.parse(`${user}@h`).resolve({
        lookup: () => {
          throw new Error('boom');
        },
      }),
      AddressResolutionError,
    );
  });

  it('fails on a real lookup of a host that cannot exist', async () => {
    await assert.rejects(NodeAddress.parse(`${user}@does-not-exist.invalid`).resolve(), AddressResolutionError);
  });

  it('rejects an empty or non-IP lookup result', async () => {
    await assert.rejects(NodeAddress.parse(`${user}@h`).resolve({ lookup: async () => [] }), (err: unknown) => err instanceof AddressResolutionError && /no addresses/.test(err.message));
    await assert.rejects(NodeAddress.parse(`${user}@h`).resolve({ lookup: async () => ['not-an-ip'] }), (err: unknown) => err instanceof AddressResolutionError && /"not-an-ip"/.test(err.message));
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    const lookup = async (): Promise<string[]> => {
      called = true;
      return ['1.2.3.4'];
    };
    await assert.rejects(NodeAddress.parse(`${user}@h`).resolve({ signal: controller.signal, lookup }), AbortError);
    assert.equal(called, false);
  });

  it('rejects with AbortError when aborted during a lookup that never finishes', async () => {
    const controller = new AbortController();
    let seenSignal: AbortSignal | undefined;
    const lookup = (_host: string, options: { signal?: AbortSignal }): Promise<string[]> => {
      seenSignal = options.signal;
      return new Promise<string[]>(() => undefined);
    };
    const pending = NodeAddress.parse(`${user}@h`).resolve({ signal: controller.signal, lookup });
    setImmediate(() => controller.abort(new Error('stop')));
    await assert.rejects(pending, (err: unknown) => err instanceof AbortError && (err.cause as Error).message === 'stop');
    assert.equal(seenSignal, controller.signal, 'the signal is passed to the lookup');
  });

  it('reports AbortError (not a resolution error) when the lookup rejects because of the abort', async () => {
    const controller = new AbortController();
    const lookup = (_host: string, options: { signal?: AbortSignal }): Promise<string[]> =>
      new Promise<string[]>((_, reject) => options.signal?.addEventListener('abort', () => reject(new Error('lookup cancelled'))));
    const pending = NodeAddress.parse(`${user}@h`).resolve({ signal: controller.signal, lookup });
    setImmediate(() => controller.abort());
    await assert.rejects(pending, AbortError);
  });
});
