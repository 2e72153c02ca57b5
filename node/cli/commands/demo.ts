import type { Command } from 'commander';
import { createTestNetwork, type TestNetwork } from '../../testing/test-network.js';
import { EchoReactor, type RoundTrip } from '../../../reactors/echo/echo-reactor.js';
import { parseDuration } from '../../../framework/util/duration.js';
import { percentile } from '../../../framework/util/stats.js';
import { intOption } from '../options.js';
import { addLogOptions, loggerFromFlags, type LogFlags } from '../log-flags.js';

export interface DemoSummary {
  nodes: number;
  transport: string;
  durationS: number;
  peersUp: number;
  peersDown: number;
  /** Connections each node had at the end, summed (n·(n−1) for a full mesh). */
  connections: number;
  fullMesh: boolean;
  pingsSent: number;
  pingsReceived: number;
  pongsReceived: number;
  errors: number;
  rttMs: { p50: number; p99: number; max: number; samples: number };
}

/**
 * `tmp2p demo`: N nodes in one process running the echo reactor; prints peer
 * ups/downs and round-trip times while it runs, then a summary.
 */
export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description('run N nodes in one process with the echo reactor and report pings, pongs and round trips')
    .option('-n, --nodes <n>', 'number of nodes', intOption('--nodes', 2, 500), 4)
    .option('-d, --duration <seconds>', 'how long to run (0 = until Ctrl-C)', intOption('--duration', 0, 86_400), 10)
    .option('--ping-interval <duration>', 'echo ping interval', '1s')
    .option('--transport <name>', 'tcp (loopback with SecretConnection, the default) or memory (in-process)', 'tcp')
    .option('--json', 'print the summary as one JSON object on the last line');
  addLogOptions(command, 'warn').action(async (opts: DemoFlags) => {
    const summary = await runDemo(opts);
    if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else printSummary(summary);
    const failure = demoFailure(summary, parseDuration(opts.pingInterval));
    if (failure !== undefined) {
      process.stderr.write(`tmp2p demo: ${failure}; run again with --log-level debug to see why\n`);
      process.exitCode = 1;
    }
  });
}

/**
 * Why a demo run failed, if it did: no connection ever formed, or connections
 * formed but no ping was answered although the run was long enough for one
 * (two ping intervals). A mesh that is not full is reported, not failed: a
 * run stopped early may not have finished it.
 */
export function demoFailure(summary: DemoSummary, pingIntervalMs: number): string | undefined {
  if (summary.peersUp === 0) return `no connection formed between the ${summary.nodes} nodes in ${summary.durationS.toFixed(1)} s`;
  if (summary.pongsReceived === 0 && summary.durationS * 1000 >= 2 * pingIntervalMs) {
    return `connections formed but no ping was answered in ${summary.durationS.toFixed(1)} s`;
  }
  return undefined;
}

interface DemoFlags extends LogFlags {
  nodes: number;
  duration: number;
  pingInterval: string;
  transport: string;
  json?: boolean;
}

export async function runDemo(opts: DemoFlags): Promise<DemoSummary> {
  parseDuration(opts.pingInterval);
  const transportConfig = transportSettings(opts.transport);
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(line + '\n');
  };
  const logger = loggerFromFlags(opts, 'warn');
  const started = Date.now();
  const net: TestNetwork = await createTestNetwork({
    nodes: opts.nodes,
    reactors: [EchoReactor],
    logger,
    config: { reactors: { echo: { ping_interval: opts.pingInterval } }, ...transportConfig.config },
    nodeConfig: transportConfig.nodeConfig,
  });
  const short = (id: string) => id.slice(0, 8);
  const rtts: number[] = [];
  let errors = 0;
  const subscriptions = net.nodes.flatMap((node) => {
    const echo = node.reactor(EchoReactor);
    return [
      node.peerUpdates$.subscribe((u) => say(`peer ${u.status.padEnd(4)} ${short(node.nodeId)} ← ${short(u.nodeId)}`)),
      node.events$.subscribe((e) => {
        if (e.type === 'peer-error' || e.type === 'loop-error') errors++;
      }),
      echo.roundTrips$.subscribe((rt: RoundTrip) => {
        if (rtts.length < 1_000_000) rtts.push(rt.ms);
      }),
    ];
  });
  const ticker = setInterval(() => {
    const recent = rtts.slice(-1000);
    say(
      `t=${((Date.now() - started) / 1000).toFixed(0)}s connections=${net.nodes.reduce((s, n) => s + n.peers().length, 0)} ` +
        `round-trips=${rtts.length} rtt p50=${percentile(recent, 50).toFixed(3)}ms p99=${percentile(recent, 99).toFixed(3)}ms`,
    );
  }, 1000);
  await waitForEnd(opts.duration);
  clearInterval(ticker);

  const totals = net.nodes.map((n) => n.reactor(EchoReactor).stats);
  const connections = net.nodes.reduce((s, n) => s + n.peers().length, 0);
  const summary: DemoSummary = {
    nodes: opts.nodes,
    transport: opts.transport,
    durationS: (Date.now() - started) / 1000,
    peersUp: totals.reduce((s, t) => s + t.peersUp, 0),
    peersDown: totals.reduce((s, t) => s + t.peersDown, 0),
    connections,
    fullMesh: connections === opts.nodes * (opts.nodes - 1),
    pingsSent: totals.reduce((s, t) => s + t.pingsSent, 0),
    pingsReceived: totals.reduce((s, t) => s + t.pingsReceived, 0),
    pongsReceived: totals.reduce((s, t) => s + t.pongsReceived, 0),
    errors,
    rttMs: { p50: percentile(rtts, 50), p99: percentile(rtts, 99), max: rtts.length ? Math.max(...rtts.slice(-100000)) : 0, samples: rtts.length },
  };
  for (const s of subscriptions) s.unsubscribe();
  await net.stop();
  return summary;
}

function transportSettings(transport: string): { config: Record<string, unknown>; nodeConfig?: (i: number) => Record<string, unknown> } {
  if (transport === 'memory') return { config: {} };
  if (transport === 'tcp') {
    return {
      config: { p2p: { transports: ['mconn'] } },
      nodeConfig: () => ({ p2p: { laddr: 'tcp://127.0.0.1:0' } }),
    };
  }
  throw new Error(`--transport must be "memory" or "tcp", got "${transport}"`);
}

function waitForEnd(durationS: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    const timer = durationS > 0 ? setTimeout(done, durationS * 1000) : undefined;
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function printSummary(s: DemoSummary): void {
  process.stdout.write(
    [
      '',
      `summary: ${s.nodes} nodes over ${s.transport} for ${s.durationS.toFixed(1)} s`,
      `  connections ${s.connections} (${s.fullMesh ? 'full mesh' : 'not a full mesh'}), peer ups ${s.peersUp}, downs ${s.peersDown}`,
      `  pings sent ${s.pingsSent}, received ${s.pingsReceived}; pongs received ${s.pongsReceived}`,
      `  round trip p50 ${s.rttMs.p50.toFixed(3)} ms, p99 ${s.rttMs.p99.toFixed(3)} ms over ${s.rttMs.samples} samples`,
      `  errors ${s.errors}`,
      '',
    ].join('\n'),
  );
}
