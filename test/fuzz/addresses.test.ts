import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NodeAddress } from '../../framework/address/node-address.js';
import { parseHostPort, parseListenHostPort } from '../../framework/address/host-port.js';
import { parseGoURL } from '../../framework/address/go-url.js';
import { canonicalIP, ipScope, ipToBytes } from '../../framework/address/ip.js';
import { endpointToString, validateEndpoint, type Endpoint } from '../../framework/address/endpoint.js';
import { fuzzParameters, hostileText, typedOrResolved, typedOrResult } from './fuzz-kit.js';

const ID = '00112233445566778899aabbccddeeff00112233';

/** Address-shaped text: real schemes, IDs, IPs and ports glued with hostile pieces. */
const addressText = fc.oneof(
  hostileText(),
  fc
    .tuple(
      fc.constantFrom('', 'mconn://', 'tcp://', 'memory:', 'unix://', 'http://', '://', 'MCONN://', 'a+b.c-d://'),
      fc.constantFrom('', `${ID}@`, `${ID.toUpperCase()}@`, '@', `${ID}:pass@`, 'x@'),
      fc.oneof(fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`), fc.domain(), fc.constantFrom('', '[', ']', '[::1', '::1', '[fe80::1%25eth0]', '%zz', '0x7f.1', '999.1.1.1')),
      fc.oneof(fc.constant(''), fc.integer({ min: -5, max: 70_000 }).map((p) => `:${p}`), fc.constantFrom(':', '::', ':0x10', ':1e3', ':00026656')),
      fc.oneof(fc.constant(''), hostileText('/?#%@:')),
    )
    .map((parts) => parts.join('')),
);

describe('fuzz: addresses (framework/address, NodeAddress and net addresses)', () => {
  it('NodeAddress.parse returns an address that prints and parses back the same, or fails typed', () => {
    fc.assert(
      fc.property(addressText, (text) => {
        const address = typedOrResult('NodeAddress.parse', () => NodeAddress.parse(text));
        if (address === undefined) return;
        const again = NodeAddress.parse(address.toString());
        assert.equal(again.toString(), address.toString());
        if (address.port !== undefined) assert.ok(Number.isInteger(address.port) && address.port >= 0 && address.port <= 65535);
      }),
      fuzzParameters(),
    );
  });

  it('NodeAddress.resolve of a parsed address yields valid endpoints or fails typed (lookups answering anything)', async () => {
    const answers = fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), hostileText()), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(addressText, answers, fc.boolean(), async (text, ips, lookupThrows) => {
        const address = typedOrResult('NodeAddress.parse', () => NodeAddress.parse(text));
        if (address === undefined) return;
        const lookup = async () => {
          if (lookupThrows) throw new TypeError('the resolver broke');
          return ips;
        };
        const endpoints = await typedOrResolved('NodeAddress.resolve', () => address.resolve({ lookup }));
        for (const endpoint of endpoints ?? []) {
          validateEndpoint(endpoint);
          assert.equal(typeof endpointToString(endpoint), 'string');
        }
      }),
      fuzzParameters(0.5),
    );
  });

  it('host:port parsers return a port 0-65535 or a reason, never throw', () => {
    fc.assert(
      fc.property(addressText, (text) => {
        for (const result of [parseHostPort(text), parseListenHostPort(text)]) {
          if (!result.ok) assert.equal(typeof result.reason, 'string');
          else if (result.value.port !== undefined) assert.ok(Number.isInteger(result.value.port) && result.value.port >= 0 && result.value.port <= 65535);
        }
      }),
      fuzzParameters(),
    );
  });

  it('parseGoURL parses or fails typed', () => {
    fc.assert(
      fc.property(addressText, (text) => {
        typedOrResult('parseGoURL', () => parseGoURL(text));
      }),
      fuzzParameters(),
    );
  });

  it('IP helpers agree: an IP has a canonical form, a scope and 4 or 16 bytes; anything else has none', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), addressText), (text) => {
        const canonical = canonicalIP(text);
        const scope = ipScope(text);
        const bytes = ipToBytes(text);
        assert.equal(canonical === undefined, scope === undefined, `canonicalIP ${canonical} vs ipScope ${scope} for ${JSON.stringify(text)}`);
        assert.equal(canonical === undefined, bytes === undefined, `canonicalIP ${canonical} vs ipToBytes for ${JSON.stringify(text)}`);
        if (bytes !== undefined) assert.ok(bytes.length === 4 || bytes.length === 16);
        if (canonical !== undefined) assert.equal(canonicalIP(canonical), canonical);
      }),
      fuzzParameters(),
    );
  });

  it('validateEndpoint accepts or fails typed for any endpoint fields', () => {
    const endpoint = fc.record(
      { protocol: fc.oneof(fc.constantFrom('mconn', 'memory', ''), hostileText()), ip: fc.oneof(fc.ipV4(), hostileText()), port: fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.double()), path: hostileText() },
      { requiredKeys: ['protocol'] },
    );
    fc.assert(
      fc.property(endpoint, (e) => {
        typedOrResult('validateEndpoint', () => validateEndpoint(e as Endpoint));
      }),
      fuzzParameters(),
    );
  });
});
