import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import { CrawlOptionsError, DEFAULT_CRAWL_OPTIONS, resolveCrawlOptions, type CrawlOptions } from '../../../../node/crawl/options.js';

const ID = 'a'.repeat(40);
const SEED = `${ID}@203.0.113.7:26656`;

describe('crawl options', () => {
  it('fills in the documented defaults and parses the seeds', () => {
    const o = resolveCrawlOptions({ seeds: [SEED, ` ${'b'.repeat(40)}@seed.example.com:26656 `], network: 'cosmoshub-4' });
    assert.deepEqual(o.seeds.map(String), [`mconn://${SEED}`, `mconn://${'b'.repeat(40)}@seed.example.com:26656`]);
    assert.equal(o.network, 'cosmoshub-4');
    for (const [key, value] of Object.entries(DEFAULT_CRAWL_OPTIONS)) assert.equal(o[key as keyof typeof o], value, key);
    assert.equal(o.concurrency, 8);
    assert.equal(o.maxAddressesPerResponse, 250);
    assert.equal(o.nodeKey, undefined);
  });

  it('takes NodeAddress seeds as they are', () => {
    const seed = NodeAddress.parse(SEED);
    assert.equal(resolveCrawlOptions({ seeds: [seed], network: 'n' }).seeds[0], seed);
  });

  it('rejects malformed options with a CrawlOptionsError naming the option', () => {
    const base = { seeds: [SEED], network: 'n' };
    const bad: Array<[unknown, RegExp]> = [
      [{ network: 'n', seeds: [] }, /"seeds".*at least one/],
      [{ network: 'n' }, /"seeds"/],
      [{ ...base, seeds: ['not an address'] }, /"seeds"/],
      [{ ...base, seeds: [`${ID}@203.0.113.7`] }, /"seeds".*port/],
      [{ ...base, seeds: [`memory:${ID}`] }, /"seeds".*host and a port/],
      [{ ...base, seeds: [`udp://${ID}@203.0.113.7:1`] }, /"seeds".*TCP/],
      [{ ...base, seeds: [42] }, /"seeds"/],
      [{ seeds: [SEED], network: '' }, /"network"/],
      [{ ...base, concurrency: 0 }, /"concurrency"/],
      [{ ...base, concurrency: 1.5 }, /"concurrency"/],
      [{ ...base, durationMs: -1 }, /"durationMs"/],
      [{ ...base, durationMs: 2 ** 31 }, /"durationMs"/],
      [{ ...base, dialTimeoutMs: '3s' }, /"dialTimeoutMs"/],
      [{ ...base, maxNodes: 0 }, /"maxNodes"/],
      [{ ...base, seeds: [SEED, `${'b'.repeat(40)}@203.0.113.8:26656`], maxNodes: 1 }, /"seeds".*maxNodes/],
      [{ ...base, privateAddresses: 'sometimes' }, /"privateAddresses"/],
      [{ ...base, moniker: '   ' }, /"moniker"/],
      [{ ...base, moniker: 'tab\there' }, /"moniker"/],
      [{ ...base, lookup: 'dns' }, /"lookup"/],
      [{ ...base, concurency: 4 }, /"concurency".*unknown option/],
      [null, /expected an object/],
    ];
    for (const [input, pattern] of bad) {
      assert.throws(
        () => resolveCrawlOptions(input as CrawlOptions),
        (error: Error) => error instanceof CrawlOptionsError && error.name === 'CrawlOptionsError' && pattern.test(error.message),
        `${JSON.stringify(input)} → ${pattern}`,
      );
    }
  });
});
