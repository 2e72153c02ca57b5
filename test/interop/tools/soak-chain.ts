/**
 * The long run of tmp2p against a live CometBFT v0.38.17 chain (not part of CI):
 *
 *   npm run soak:chain -- --duration 3600 [--interval 3] [--keep] [--json-file summary.json]
 *
 * Starts a two-node kvstore chain on loopback (one validator and one full node, PEX on) and a tmp2p
 * node connected to both, running its chain reactors (SOAK_REACTORS). Every `--interval` seconds it
 * sends one transaction each way: tmp2p → chain through its mempool reactor (gossiped to both
 * CometBFT nodes), chain → tmp2p through CometBFT's RPC `broadcast_tx_sync` (to the two nodes in
 * turn), which must arrive on the mempool reactor's `txs$`. At the end it waits a grace period and
 * checks that every transaction was committed (`/abci_query` finds its value), that every
 * chain → tmp2p transaction was observed, that tmp2p never lost a CometBFT peer and reported no
 * peer error, and that no CometBFT log has a peer error ("Stopping peer for error", a pong timeout,
 * a ban). Prints progress on stderr, one JSON summary on stdout, and exits 1 on any failure
 * (2 when the run could not be set up).
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Subscription } from 'rxjs';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { MempoolReactor, type MempoolStats } from '../../../reactors/mempool/mempool-reactor.js';
import { CometBFTNetwork } from '../support/cometbft-network.js';
import type { CometBFTNode } from '../support/cometbft-node.js';
import { ensureCometBFT } from '../support/ensure-cometbft.js';
import { abciQueryValue, broadcastTxSync } from '../support/chain-rpc.js';
import { sleep } from '../support/poll.js';
import { describeEvent, Tmp2pInteropNode } from '../support/tmp2p-node.js';

/** The reactors the tmp2p node runs, by their registered names. */
const SOAK_REACTORS = ['pex', 'mempool', 'blocksync', 'consensus-state'];
/** CometBFT log lines that mean a peer was dropped for an error, timed out or was banned. */
const PEER_ERROR = /Stopping peer for error|pong timeout|Add address to blacklist|MarkBad|peer misbehaved/i;
/** After the last transaction, how long commits and chain → tmp2p arrivals may still take. */
const GRACE_MS = 60_000;
/** How many failure examples the summary lists per kind. */
const MAX_LISTED = 20;

interface Flags {
  durationS: number;
  intervalS: number;
  keep: boolean;
  jsonFile?: string;
}

interface OutTx {
  readonly key: string;
  readonly value: string;
  readonly sentAt: number;
  readonly queuedFor: number;
  committedAt?: number;
}

interface InTx {
  readonly key: string;
  readonly value: string;
  readonly hash: string;
  readonly via: string;
  readonly submittedAt: number;
  accepted: boolean;
  observedAt?: number;
  observedFrom?: NodeID;
  committedAt?: number;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '3600' },
      interval: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      'json-file': { type: 'string' },
    },
    strict: true,
  });
  const durationS = Number(values.duration);
  const intervalS = Number(values.interval);
  if (!Number.isFinite(durationS) || durationS < 10) throw new Error(`--duration must be at least 10 seconds, got ${values.duration}`);
  if (!Number.isFinite(intervalS) || intervalS < 0.5 || intervalS > durationS) throw new Error(`--interval must be 0.5 s to --duration, got ${values.interval}`);
  return { durationS, intervalS, keep: values.keep, jsonFile: values['json-file'] };
}

const log = (line: string) => process.stderr.write(`[soak:chain ${new Date().toISOString()}] ${line}\n`);
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const runId = randomBytes(3).toString('hex');
  const logDir = await mkdtemp(join(tmpdir(), 'tmp2p-soak-chain-'));
  log(`run ${runId}: ${flags.durationS} s, one tx each way every ${flags.intervalS} s; logs in ${logDir}`);
  const binary = await ensureCometBFT();
  let chain: CometBFTNetwork | undefined;
  let tmp: Tmp2pInteropNode | undefined;
  const subscriptions: Subscription[] = [];
  try {
    chain = await CometBFTNetwork.start({ binary, fullNodes: 1, monikerPrefix: 'soak', logLevel: '*:info' });
    const cometNodes = chain.nodes;
    tmp = await Tmp2pInteropNode.start({
      moniker: 'tmp2p-soak',
      network: chain.chainId,
      logDir,
      logLevel: 'info',
      reactors: SOAK_REACTORS,
      persistentPeers: cometNodes.map((n) => n.p2pAddress),
      pingInterval: '5s',
      pongTimeout: '3s',
    });
    const node = tmp.node;
    await Promise.all(cometNodes.map((n) => tmp!.waitForPeer(n.nodeId, { timeoutMs: 60_000 })));
    const mempool = node.reactor(MempoolReactor);
    await waitUntil(() => cometNodes.every((n) => mempool.mempoolPeers().includes(n.nodeId as NodeID)), 30_000, 'both CometBFT nodes as mempool peers');
    const startHeight = (await chain.validator.status()).sync_info.latest_block_height;
    log(`tmp2p ${node.nodeId} connected to ${cometNodes.map((n) => n.moniker).join(' and ')} on ${chain.chainId} at height ${startHeight}`);

    // Everything from here on is judged: the connections are up.
    const eventsFrom = tmp.events.length;
    const cometIds = new Set(cometNodes.map((n) => n.nodeId));
    const inbound = new Map<string, InTx>(); // by tx hash
    subscriptions.push(
      mempool.txs$.subscribe(({ hash, peer }) => {
        const entry = inbound.get(hash);
        if (entry !== undefined && entry.observedAt === undefined) {
          entry.observedAt = Date.now();
          entry.observedFrom = peer;
        }
      }),
    );

    const outbound: OutTx[] = [];
    const inTxs: InTx[] = [];
    const started = Date.now();
    const endAt = started + flags.durationS * 1000;
    let tick = 0;
    let nextReport = started + 60_000;
    while (Date.now() < endAt) {
      const tickAt = Date.now();
      tick++;
      // tmp2p → chain
      const outKey = `soak-${runId}-out-${tick}`;
      const outValue = `v${tick}`;
      const { sentTo } = mempool.broadcast(new TextEncoder().encode(`${outKey}=${outValue}`));
      outbound.push({ key: outKey, value: outValue, sentAt: tickAt, queuedFor: sentTo.length });
      // chain → tmp2p, to the two CometBFT nodes in turn
      const via = cometNodes[tick % cometNodes.length]!;
      const inKey = `soak-${runId}-in-${tick}`;
      const inValue = `w${tick}`;
      const entry: InTx = { key: inKey, value: inValue, hash: '', via: via.moniker, submittedAt: Date.now(), accepted: false };
      try {
        const result = await broadcastTxSync(via.rpc, `${inKey}=${inValue}`);
        const withHash = { ...entry, hash: result.hash.toUpperCase(), accepted: result.code === 0 };
        inTxs.push(withHash);
        inbound.set(withHash.hash, withHash);
      } catch (error) {
        inTxs.push(entry);
        log(`broadcast_tx_sync to ${via.moniker} failed: ${(error as Error).message}`);
      }
      await checkCommits(chain.validator, outbound, inTxs, Infinity);
      if (Date.now() >= nextReport) {
        nextReport += 60_000;
        log(progress(tmp, mempool.stats, outbound, inTxs, started, eventsFrom));
      }
      await sleep(Math.max(0, tickAt + flags.intervalS * 1000 - Date.now()));
    }

    log(`sending stopped after ${tick} ticks; waiting up to ${GRACE_MS / 1000} s for the last commits and arrivals`);
    const graceEnd = Date.now() + GRACE_MS;
    while (Date.now() < graceEnd) {
      await checkCommits(chain.validator, outbound, inTxs, Infinity);
      const pending = outbound.some((t) => t.committedAt === undefined) || inTxs.some((t) => t.accepted && (t.committedAt === undefined || t.observedAt === undefined));
      if (!pending) break;
      await sleep(1000);
    }
    const endHeight = (await chain.validator.status()).sync_info.latest_block_height;

    const events = tmp.events.slice(eventsFrom);
    const downs = events.filter((e) => e.type === 'peer-down' && cometIds.has(e.nodeId));
    const ups = events.filter((e) => e.type === 'peer-up' && cometIds.has(e.nodeId));
    const tmpPeerErrors = events.filter((e) => e.type === 'peer-error' || e.type === 'loop-error');
    const cometPeerErrors: Record<string, string[]> = {};
    for (const n of cometNodes) cometPeerErrors[n.moniker] = await n.grepLogFile(PEER_ERROR);
    const stillPeers = await Promise.all(cometNodes.map(async (n) => (await n.netInfo()).peers.some((p) => p.node_info.id === node.nodeId)));

    const notQueued = outbound.filter((t) => t.queuedFor < cometNodes.length);
    const outUncommitted = outbound.filter((t) => t.committedAt === undefined);
    const rejected = inTxs.filter((t) => !t.accepted);
    const notObserved = inTxs.filter((t) => t.accepted && t.observedAt === undefined);
    const inUncommitted = inTxs.filter((t) => t.accepted && t.committedAt === undefined);
    const cometErrorCount = Object.values(cometPeerErrors).reduce((sum, lines) => sum + lines.length, 0);
    const failures: string[] = [];
    if (downs.length > 0) failures.push(`tmp2p lost a CometBFT peer ${downs.length} time(s)`);
    if (tmpPeerErrors.length > 0) failures.push(`tmp2p reported ${tmpPeerErrors.length} peer/loop error(s)`);
    if (cometErrorCount > 0) failures.push(`CometBFT logged ${cometErrorCount} peer error line(s)`);
    if (stillPeers.some((p) => !p)) failures.push('a CometBFT node no longer lists tmp2p in /net_info');
    if (notQueued.length > 0) failures.push(`${notQueued.length} tmp2p → chain tx(s) not queued for every CometBFT node`);
    if (outUncommitted.length > 0) failures.push(`${outUncommitted.length} tmp2p → chain tx(s) never committed`);
    if (rejected.length > 0) failures.push(`${rejected.length} chain → tmp2p tx(s) refused by broadcast_tx_sync`);
    if (notObserved.length > 0) failures.push(`${notObserved.length} chain → tmp2p tx(s) never arrived on txs$`);
    if (inUncommitted.length > 0) failures.push(`${inUncommitted.length} chain → tmp2p tx(s) never committed`);
    if (endHeight <= startHeight) failures.push(`the chain did not advance (height ${startHeight} → ${endHeight})`);

    const commitLatencies = [...outbound, ...inTxs].flatMap((t) => (t.committedAt === undefined ? [] : [t.committedAt - ('sentAt' in t ? t.sentAt : t.submittedAt)]));
    const arrivalLatencies = inTxs.flatMap((t) => (t.observedAt === undefined ? [] : [t.observedAt - t.submittedAt]));
    const summary = {
      ok: failures.length === 0,
      failures,
      command: `npm run soak:chain -- --duration ${flags.durationS} --interval ${flags.intervalS}`,
      durationS: Math.round((Date.now() - started) / 1000),
      sendingS: flags.durationS,
      intervalS: flags.intervalS,
      reactors: SOAK_REACTORS,
      chain: {
        cometbft: '0.38.17',
        chainId: chain.chainId,
        nodes: cometNodes.map((n) => ({ moniker: n.moniker, nodeId: n.nodeId })),
        heights: { start: startHeight, end: endHeight, blocks: endHeight - startHeight },
      },
      tmp2p: { nodeId: node.nodeId, reconnects: ups.length, disconnects: downs.length, peerErrors: tmpPeerErrors.length, mempool: { ...mempool.stats } },
      txsToChain: { sent: outbound.length, committed: outbound.length - outUncommitted.length, notQueued: notQueued.length, uncommitted: outUncommitted.slice(0, MAX_LISTED).map((t) => t.key) },
      txsFromChain: {
        submitted: inTxs.length,
        accepted: inTxs.length - rejected.length,
        observed: inTxs.length - rejected.length - notObserved.length,
        committed: inTxs.length - rejected.length - inUncommitted.length,
        notObserved: notObserved.slice(0, MAX_LISTED).map((t) => `${t.key} via ${t.via}`),
        uncommitted: inUncommitted.slice(0, MAX_LISTED).map((t) => t.key),
        observedFrom: countBy(inTxs.flatMap((t) => (t.observedFrom === undefined ? [] : [cometNodes.find((n) => n.nodeId === t.observedFrom)?.moniker ?? t.observedFrom]))),
      },
      latencyMs: {
        commit: { p50: percentile(commitLatencies, 50), p99: percentile(commitLatencies, 99), max: commitLatencies.length ? Math.max(...commitLatencies) : null },
        chainToTmp2p: { p50: percentile(arrivalLatencies, 50), p99: percentile(arrivalLatencies, 99), max: arrivalLatencies.length ? Math.max(...arrivalLatencies) : null },
      },
      cometbftPeerErrors: Object.fromEntries(Object.entries(cometPeerErrors).map(([k, lines]) => [k, { count: lines.length, first: lines.slice(0, 5) }])),
      tmp2pEvents: events.filter((e) => e.type !== 'peer-up').slice(0, MAX_LISTED).map(describeEvent),
      logDir: flags.keep || failures.length > 0 ? logDir : undefined,
    };
    if (flags.keep || failures.length > 0) for (const n of cometNodes) await copyFile(n.logFile, join(logDir, `${n.moniker}.log`)).catch(() => undefined);
    const json = JSON.stringify(summary, null, 2);
    if (flags.jsonFile !== undefined) await writeFile(flags.jsonFile, json + '\n');
    process.stdout.write(json + '\n');
    log(summary.ok ? 'OK' : `FAILED: ${failures.join('; ')} (logs kept in ${logDir})`);
    if (summary.logDir === undefined) await rm(logDir, { recursive: true, force: true });
    return summary.ok ? 0 : 1;
  } finally {
    for (const s of subscriptions) s.unsubscribe();
    await tmp?.stop().catch(() => undefined);
    await chain?.cleanup().catch(() => undefined);
  }
}

/** Marks txs whose value `/abci_query` finds as committed; only those sent before `sentBefore` are asked about. */
async function checkCommits(validator: CometBFTNode, outbound: OutTx[], inbound: InTx[], sentBefore: number): Promise<void> {
  const pending = [
    ...outbound.filter((t) => t.committedAt === undefined && t.sentAt < sentBefore),
    ...inbound.filter((t) => t.accepted && t.committedAt === undefined && t.submittedAt < sentBefore),
  ];
  for (const tx of pending) {
    try {
      if ((await abciQueryValue(validator.rpc, tx.key)) === tx.value) tx.committedAt = Date.now();
    } catch {
      // An RPC hiccup is retried on the next round; a tx never found is reported at the end.
    }
  }
}

function progress(tmp: Tmp2pInteropNode, stats: MempoolStats, out: OutTx[], inTxs: InTx[], started: number, eventsFrom: number): string {
  const events = tmp.events.slice(eventsFrom);
  const downs = events.filter((e) => e.type === 'peer-down').length;
  const errors = events.filter((e) => e.type === 'peer-error').length;
  return (
    `t=${Math.round((Date.now() - started) / 1000)}s out: ${out.length} sent, ${out.filter((t) => t.committedAt !== undefined).length} committed; ` +
    `in: ${inTxs.length} submitted, ${inTxs.filter((t) => t.observedAt !== undefined).length} observed, ${inTxs.filter((t) => t.committedAt !== undefined).length} committed; ` +
    `mempool new=${stats.newTxs} dup=${stats.duplicates} repeats=${stats.repeats}; peers=${tmp.node.peers().length} downs=${downs} peer-errors=${errors}`
  );
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    log(`could not run: ${error.stack ?? error.message}`);
    process.exit(2);
  },
);
