import type { CrawlResult } from './crawl-result.js';
import type { CrawlOptions } from './options.js';

export { CrawlOptionsError, DEFAULT_CRAWL_OPTIONS, type CrawlOptions } from './options.js';
export { formatCrawlTable } from './table.js';
export type { CrawledNode, CrawledNodeInfo, CrawlEdge, CrawlErrorKind, CrawlNodeStatus, CrawlResult, CrawlStats, PexOutcome } from './crawl-result.js';

/**
 * Walks a CometBFT v0.38 (or tmp2p) network through PEX from `options.seeds`
 * and resolves with every node heard of and every edge (see `crawl.ts`).
 * The crawler (mconn transport, PEX codecs) is loaded on the first call, so
 * `import 'tmp2p'` stays free of plugins and reactors.
 */
export async function crawl(options: CrawlOptions, init: { signal?: AbortSignal } = {}): Promise<CrawlResult> {
  const { crawl: run } = await import('./crawl.js');
  return run(options, init);
}
