import { peerText } from '../../framework/logging/peer-faults.js';
import type { CrawledNode, CrawlResult, CrawlStats } from './crawl-result.js';

/** Widest a peer-controlled cell (moniker, version) is shown; the JSON output has it whole. */
const PEER_CELL_MAX = 24;

function pexCell(node: CrawledNode): string {
  if (node.pex === undefined) return '';
  if (node.pex.outcome !== 'answered') return node.pex.outcome;
  return node.pex.accepted === node.pex.received ? `${node.pex.received} addrs` : `${node.pex.accepted}/${node.pex.received} addrs`;
}

/** Every count of something dropped or malformed, as "n what" phrases; empty when nothing was. */
function dropped(stats: CrawlStats): string[] {
  const parts: Array<[number, string]> = [
    [stats.droppedOverResponseLimit, 'addresses over the per-answer limit'],
    [stats.droppedOverNodeLimit, 'addresses of nodes over the node limit'],
    [stats.droppedOverAddressLimit, 'addresses over the per-node limit'],
    [stats.droppedOverEdgeLimit, 'edges over the edge limit'],
    [stats.invalidAddresses, 'malformed addresses'],
    [stats.unusableAddresses, 'undialable addresses'],
    [stats.duplicateAddresses, 'repeated addresses'],
    [stats.ignoredMessages, 'unexpected messages'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
}

/**
 * The crawl as a table, one row per node — ID, status, the address it
 * answered on (or was heard at), moniker, version, its PEX answer, how many
 * nodes advertised it (or "seed"), why it was not reached — and a summary.
 * Every peer-controlled string is escaped and truncated (peerText), so a
 * hostile moniker cannot move the cursor or forge rows.
 */
export function formatCrawlTable(result: CrawlResult): string {
  const heardFrom = new Map<string, Set<string>>();
  for (const edge of result.edges) {
    const from = heardFrom.get(edge.toNodeId) ?? new Set<string>();
    from.add(edge.from);
    heardFrom.set(edge.toNodeId, from);
  }
  const rows = result.nodes.map((n) => {
    const heard = heardFrom.get(n.nodeId)?.size ?? 0;
    return [
      n.nodeId,
      n.status,
      peerText(n.address ?? n.addresses[0] ?? '', 48),
      peerText(n.nodeInfo?.moniker ?? '', PEER_CELL_MAX),
      peerText(n.nodeInfo?.version ?? '', PEER_CELL_MAX),
      pexCell(n),
      n.seed ? (heard > 0 ? `seed+${heard}` : 'seed') : String(heard),
      n.error?.kind ?? '',
    ];
  });
  const header = ['node', 'status', 'address', 'moniker', 'version', 'pex', 'heard from', 'error'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';

  const count = (status: CrawledNode['status']) => result.nodes.filter((n) => n.status === status).length;
  const how = result.finished === 'complete' ? 'complete' : result.finished === 'duration' ? 'stopped at the time limit' : 'aborted';
  let summary =
    `${plural(result.nodes.length, 'node')}: ${count('reachable')} reachable, ${count('unreachable')} unreachable, ${count('skipped')} skipped, ` +
    `${count('not-dialed')} not dialed; ${plural(result.edges.length, 'edge')}; ${plural(result.stats.dials, 'dial')}; ${how} after ${(result.elapsedMs / 1000).toFixed(1)} s\n`;
  const drops = dropped(result.stats);
  if (drops.length > 0) summary += `dropped or skipped: ${drops.join(', ')}\n`;
  return line(header) + rows.map(line).join('') + '\n' + summary;
}

/** "1 node", "3 nodes". */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
