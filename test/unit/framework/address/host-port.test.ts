import assert from 'node:assert/strict';
import { formatHostPort, parseHostPort, parseListenHostPort } from '../../../../framework/address/host-port.js';

describe('parseHostPort', () => {
  const good: Array<[string, string, number]> = [
    ['127.0.0.1:26656', '127.0.0.1', 26656],
    ['tcp://203.0.113.7:1', '203.0.113.7', 1],
    ['TCP://203.0.113.7:65535', '203.0.113.7', 65535],
    ['[2001:db8::1]:26656', '2001:db8::1', 26656],
    ['tcp://[::1]:26656', '::1', 26656],
    ['Node-1.Example.COM:26656', 'node-1.example.com', 26656],
    ['node.example.com.:26656', 'node.example.com', 26656],
    ['localhost:26656', 'localhost', 26656],
  ];
  for (const [text, host, port] of good) {
    it(`accepts ${JSON.stringify(text)}`, () => assert.deepEqual(parseHostPort(text), { ok: true, value: { host, port } }));
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['127.0.0.1', /no port/],
    ['node.example.com', /no port/],
    ['127.0.0.1:0', /port "0" is not an integer 1-65535/],
    ['127.0.0.1:65536', /port "65536"/],
    ['127.0.0.1:http', /port "http"/],
    ['127.0.0.1:', /port ""/],
    ['::1:26656', /IPv6 host must be in brackets/],
    ['[not-v6]:26656', /not an IPv6 address/],
    ['[fe80::1%eth0]:26656', /IPv6 zone/],
    ['0.0.0.0:26656', /0\.0\.0\.0 is not an address peers can dial/],
    ['[::]:26656', /:: is not an address peers can dial/],
    ['224.0.0.1:26656', /not an address peers can dial/],
    ['mconn://1.2.3.4:26656', /only scheme allowed is tcp/],
    ['under_score.example.com:26656', /neither an IP address nor a DNS name/],
    ['-bad.example.com:26656', /neither an IP address nor a DNS name/],
    ['1.2.3:26656', /neither an IP address nor a DNS name/],
    ['a b:26656', /neither an IP address nor a DNS name/],
    [':26656', /neither an IP address nor a DNS name/],
    [`${'a'.repeat(64)}.com:26656`, /neither an IP address nor a DNS name/],
  ];
  for (const [text, reason] of bad) {
    it(`rejects ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} saying why`, () => {
      const result = parseHostPort(text);
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, reason);
    });
  }
});

describe('formatHostPort', () => {
  it('brackets IPv6 hosts only, and reads back through parseHostPort', () => {
    for (const [host, port, text] of [
      ['10.0.0.1', 26656, '10.0.0.1:26656'],
      ['2001:db8::1', 1, '[2001:db8::1]:1'],
      ['node.example.com', 443, 'node.example.com:443'],
    ] as const) {
      assert.equal(formatHostPort(host, port), text);
      assert.deepEqual(parseHostPort(text), { ok: true, value: { host, port } });
    }
  });
});

describe('parseListenHostPort', () => {
  const good: Array<[string, string | undefined, number]> = [
    ['tcp://127.0.0.1:26656', '127.0.0.1', 26656],
    ['0.0.0.0:0', '0.0.0.0', 0],
    ['tcp://[::1]:5', '::1', 5],
    ['[::]:26656', '::', 26656],
    [':26660', undefined, 26660],
    ['tcp://:26656', undefined, 26656],
    ['localhost:8080', 'localhost', 8080],
  ];
  for (const [text, host, port] of good) {
    it(`accepts ${JSON.stringify(text)}`, () => assert.deepEqual(parseListenHostPort(text), { ok: true, value: { host, port } }));
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['localhost', /no port/],
    ['tcp://127.0.0.1', /no port/],
    ['udp://1.2.3.4:5', /only scheme allowed is tcp/],
    ['http://x:1', /only scheme allowed is tcp/],
    ['tcp://::1:5', /IPv6 host must be in brackets/],
    ['tcp://[::1:5', /unbalanced/],
    ['[10.0.0.1]:5', /not an IPv6 address/],
    ['1.2.3.4:65536', /port "65536" is not an integer 0-65535/],
    ['a@b:1', /not a host name or IP address/],
  ];
  for (const [text, reason] of bad) {
    it(`rejects ${JSON.stringify(text)} saying why`, () => {
      const result = parseListenHostPort(text);
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, reason);
    });
  }
});
