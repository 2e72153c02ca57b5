export { crawl, CRAWLER_LISTEN_ADDR } from './crawl.js';
export { CrawlOptionsError, DEFAULT_CRAWL_OPTIONS, resolveCrawlOptions, type CrawlOptions, type ResolvedCrawlOptions } from './options.js';
export { formatCrawlTable } from './table.js';
export type { CrawledNode, CrawledNodeInfo, CrawlEdge, CrawlErrorKind, CrawlNodeStatus, CrawlResult, CrawlStats, PexOutcome } from './crawl-result.js';
