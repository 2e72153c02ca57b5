import { setMaxListeners } from 'node:events';
import { ipScope } from '../../framework/address/ip.js';
import { AbortError, toError } from '../../framework/errors/base.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import { NodeKey } from '../../framework/identity/node-key.js';
import { silentLogger, type Logger } from '../../framework/logging/logger.js';
import { peerText } from '../../framework/logging/peer-faults.js';
import { Wakeup } from '../../framework/util/wakeup.js';
import { MConnTransport } from '../../plugins/transports/mconn/mconn-transport.js';
import { PEX_CHANNEL_ID } from '../../reactors/pex/pex-channel.js';
import { PROTOCOL_VERSION, NODE_INFO_VERSION } from '../version.js';
import { CrawlGraph, type DialTarget } from './crawl-graph.js';
import type { CrawlResult } from './crawl-result.js';
import { resolveCrawlOptions, type CrawlOptions, type ResolvedCrawlOptions } from './options.js';
import { probe, type ProbeContext } from './probe.js';

/**
 * The `listen_addr` the crawler announces: it does not listen. An
 * unspecified IP keeps us out of the address books of the nodes we visit
 * (CometBFT's book and tmp2p's PEX refuse it), so a crawl leaves no trace
 * for other nodes to dial; CometBFT still accepts it in a NodeInfo.
 */
export const CRAWLER_LISTEN_ADDR = 'tcp://0.0.0.0:0';

/** Why the crawl's internal signal fired. */
class CrawlEnded extends AbortError {
  override name = 'CrawlEnded';
  constructor(readonly why: 'duration' | 'aborted') {
    super(why === 'duration' ? 'the crawl duration elapsed' : 'the crawl was aborted');
  }
}

function crawlerNodeInfo(o: ResolvedCrawlOptions, key: NodeKey): NodeInfo {
  return {
    protocolVersion: { ...PROTOCOL_VERSION },
    nodeId: key.nodeId,
    listenAddr: CRAWLER_LISTEN_ADDR,
    network: o.network,
    version: NODE_INFO_VERSION,
    // PEX only: every CometBFT node with pex on shares it, and nobody sends us blocks, votes or txs.
    channels: Uint8Array.of(PEX_CHANNEL_ID),
    moniker: o.moniker,
    other: { txIndex: 'off', rpcAddress: '' },
  };
}

/**
 * Walks a CometBFT v0.38 (or tmp2p) network through PEX: from the seeds,
 * visits every node it hears of — dial over TCP (mconn), handshake,
 * one PexRequest, hang up — at most `concurrency` at once, breadth first,
 * until nothing is left to visit, `durationMs` has passed or `signal`
 * aborts. Resolves with every node heard of (NodeInfo, reachability, PEX
 * answer) and every edge (who advertised which address); never rejects for
 * what peers do, only for invalid options (CrawlOptionsError).
 */
export async function crawl(options: CrawlOptions, { signal }: { signal?: AbortSignal } = {}): Promise<CrawlResult> {
  const o = resolveCrawlOptions(options);
  const key = o.nodeKey ?? NodeKey.generate();
  const log = (o.logger ?? silentLogger()).child({ component: 'crawl' });
  const nodeInfo = crawlerNodeInfo(o, key);
  const transport = new MConnTransport(key, log, {});
  const graph = new CrawlGraph(o, key.nodeId);
  for (const seed of o.seeds) graph.addSeed(seed);

  const startedAt = new Date();
  const end = new AbortController();
  // Every probe's deadlines listen on it (up to `concurrency` at once); the default cap of 10 would warn.
  setMaxListeners(0, end.signal);
  const onAbort = () => end.abort(new CrawlEnded('aborted'));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => end.abort(new CrawlEnded('duration')), o.durationMs);
  const ctx: ProbeContext = { ...o, transport, nodeKey: key, nodeInfo, signal: end.signal };
  const running = new Set<Promise<void>>();
  const settled = new Wakeup();
  log.info({ seeds: o.seeds.length, network: o.network, concurrency: o.concurrency, durationMs: o.durationMs }, 'crawl started');

  let complete = false;
  try {
    while (!end.signal.aborted) {
      while (running.size < o.concurrency) {
        const target = graph.next();
        if (target === undefined) break;
        const visit: Promise<void> = visitNode(target, graph, ctx, log).finally(() => {
          running.delete(visit);
          settled.notify();
        });
        running.add(visit);
      }
      if (running.size === 0) break; // nothing queued and nothing running: the walk is complete
      await settled.wait(end.signal).catch(() => undefined);
    }
    // Nothing running and nothing queued when the loop ended, even if the time ran out just then.
    complete = running.size === 0 && graph.queued === 0;
    // Probes in flight see the abort and end promptly (they record themselves as interrupted).
    if (!end.signal.aborted) end.abort(new CrawlEnded('aborted'));
    await Promise.all(running);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await transport.close();
  }

  const reason: unknown = end.signal.reason;
  const finished = complete ? 'complete' : reason instanceof CrawlEnded ? reason.why : 'aborted';
  const nodes = graph.crawledNodes();
  const result: CrawlResult = {
    network: o.network,
    crawler: { nodeId: key.nodeId, moniker: o.moniker },
    startedAt: startedAt.toISOString(),
    elapsedMs: Date.now() - startedAt.getTime(),
    finished,
    stats: graph.stats(),
    nodes,
    edges: graph.edges(),
  };
  log.info({ finished, nodes: nodes.length, reachable: nodes.filter((n) => n.status === 'reachable').length, edges: result.edges.length }, 'crawl finished');
  return result;
}

/** Probes one target and records the outcome; never rejects. */
async function visitNode(target: DialTarget, graph: CrawlGraph, ctx: ProbeContext, log: Logger): Promise<void> {
  try {
    const result = await probe(target.address, ctx);
    switch (result.kind) {
      case 'interrupted':
        graph.interrupted(target);
        return;
      case 'unreached':
        graph.unreached(target, result.errorKind, result.error.message, { final: result.final, nodeInfo: result.nodeInfo });
        log.debug({ peer: target.nodeId, address: target.hostPort, kind: result.errorKind, error: peerText(result.error.message) }, 'node not reached');
        return;
      case 'reached': {
        graph.reached(target, result.nodeInfo);
        for (let i = 0; i < result.ignored; i++) graph.ignoredMessage();
        let accepted = 0;
        if (result.pex.outcome === 'answered') accepted = graph.answered(target.nodeId, result.pex.addrs, ipScope(result.ip) ?? 'public');
        else graph.pexFailed(target.nodeId, result.pex.outcome);
        log.debug(
          { peer: target.nodeId, address: target.hostPort, moniker: peerText(result.nodeInfo.moniker), pex: result.pex.outcome, received: result.pex.outcome === 'answered' ? result.pex.addrs.length : 0, accepted },
          'node visited',
        );
        return;
      }
    }
  } catch (caught) {
    // A bug of ours, not the peer's: record the node as not reached so the crawl goes on.
    const error = toError(caught);
    log.warn({ peer: target.nodeId, address: target.hostPort, err: error }, 'crawl: visiting a node failed unexpectedly');
    try {
      graph.unreached(target, 'handshake-failed', error.message, { final: true });
    } catch {
      // The target was already recorded; nothing more to do.
    }
  }
}
