import type { Command } from 'commander';
import { runSimulation } from '../../simulation/run-simulation.js';
import { DEFAULT_SIMULATION_OPTIONS as D, MAX_SIMULATION_NODES, resolveSimulationOptions } from '../../simulation/options.js';
import type { GraphReport, SimulationSummary } from '../../simulation/summary.js';
import { collectSet } from '../home.js';
import { durationFlag, durationOption, intOption, numberOption } from '../options.js';
import { addLogOptions, loggerFromFlags, type LogFlags } from '../log-flags.js';
import { abortOnSignals } from '../interrupt.js';

interface SimulateFlags extends LogFlags {
  nodes: number;
  seeds: number;
  duration: number;
  churn: number;
  churnDowntime: number;
  outbound: number;
  inbound: number;
  latency: number;
  jitter: number;
  loss: number;
  pexInterval: number;
  diameterSamples: number;
  set?: Record<string, string>;
  json?: boolean;
}

/**
 * `tmp2p simulate`: a whole network of full nodes in this process over the
 * memory transport with virtual IPs; every node starts knowing only the
 * seeds and finds the rest through PEX. Reports convergence, connectivity,
 * a diameter estimate, a flood's time to reach everyone, heap per node,
 * and connectivity under churn.
 */
export function registerSimulate(program: Command): void {
  const command = program
    .command('simulate')
    .description('run a network of N nodes in this process (memory transport, virtual IPs, PEX from seeds) and report how it forms')
    .option('-n, --nodes <n>', 'nodes, seeds included', intOption('--nodes', 2, MAX_SIMULATION_NODES), D.nodes)
    .option('--seeds <n>', 'seed nodes (PEX seed mode); every node knows only these at start', intOption('--seeds', 1, MAX_SIMULATION_NODES - 1), D.seeds)
    .option('-d, --duration <seconds>', 'seconds of operation from the start of the nodes', numberOption('--duration', 1, 86_400), D.durationS)
    .option('--churn <percent>', 'percent of the non-seed nodes that leave and rejoin each minute, after convergence', numberOption('--churn', 0, 100), D.churnPercent)
    .addOption(durationFlag('--churn-downtime <duration>', 'how long a churned node stays away', durationOption('--churn-downtime', 3_600_000), D.churnDowntimeMs))
    .option('--outbound <n>', 'outbound slots per node (p2p.max_outgoing_connections)', intOption('--outbound', 1, 1_000), D.outbound)
    .option('--inbound <n>', 'inbound slots per node (p2p.max_inbound_connections; p2p.max_connections = outbound + inbound)', intOption('--inbound', 0, 10_000), D.inbound)
    .addOption(durationFlag('--latency <duration>', 'one-way latency of every link', durationOption('--latency', 60_000), D.latencyMs))
    .addOption(durationFlag('--jitter <duration>', 'extra random latency per message, up to this much (order is kept)', durationOption('--jitter', 60_000), D.jitterMs))
    .option('--loss <percent>', 'percent of messages lost (handshakes and closes are not)', numberOption('--loss', 0, 100), D.lossPercent)
    .addOption(durationFlag('--pex-interval <duration>', "PEX request interval (CometBFT's ensurePeersPeriod; the 10 s per-peer pacing holds regardless)", durationOption('--pex-interval', 3_600_000), D.pexIntervalMs))
    .option('--diameter-samples <n>', 'BFS sources for the diameter estimate', intOption('--diameter-samples', 1, MAX_SIMULATION_NODES), D.diameterSamples)
    .option('--set <key=value>', 'config override for every node (repeatable, values as TOML or text), e.g. --set p2p.min_retry_time=100ms', collectSet)
    .option('--json', 'print the summary as one JSON object on the last line');
  // Silent unless asked: thousands of nodes' lines would drown the report.
  addLogOptions(command, 'silent').action(async (flags: SimulateFlags) => {
    const say = (line: string) => {
      if (!flags.json) process.stdout.write(line + '\n');
    };
    const interrupt = abortOnSignals();
    try {
      const options = {
        nodes: flags.nodes,
        seeds: flags.seeds,
        durationS: flags.duration,
        churnPercent: flags.churn,
        churnDowntimeMs: flags.churnDowntime,
        outbound: flags.outbound,
        inbound: flags.inbound,
        latencyMs: flags.latency,
        jitterMs: flags.jitter,
        lossPercent: flags.loss,
        pexIntervalMs: flags.pexInterval,
        diameterSamples: flags.diameterSamples,
        set: flags.set ?? {},
        progress: say,
        signal: interrupt.signal,
        logger: loggerFromFlags(flags, 'silent'),
      };
      resolveSimulationOptions(options); // a bad combination is refused before anything is printed
      say(`simulating ${flags.nodes} nodes (${flags.seeds} seeds) for ${flags.duration} s …`);
      const summary = await runSimulation(options);
      if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else process.stdout.write(describe(summary));
    } finally {
      interrupt.dispose();
    }
  });
}

function graphLine(label: string, g: GraphReport): string {
  return (
    `  ${label}: ${g.nodes} nodes, ${g.edges} connections, ${g.connected ? 'connected' : `NOT connected (${g.components} components, largest ${g.largestComponent}, ${g.isolated} isolated)`}, ` +
    `diameter ≥ ${g.diameterEstimate} (from ${g.diameterSources} sources), degree ${g.degree.min}/${g.degree.mean}/${g.degree.max}, ` +
    `outbound ${g.outbound.min}/${g.outbound.mean}/${g.outbound.max} (min/mean/max), ${g.atOutboundTarget} at target` +
    (g.saturated > 0 ? `, ${g.saturated} below it with nobody left to dial` : '')
  );
}

function describe(s: SimulationSummary): string {
  const b = s.broadcast;
  const lines = [
    '',
    `summary: ${s.nodes} nodes (${s.seeds} seeds), ${s.outboundTarget} out + ${s.inboundSlots} in slots, ${s.durationS} s` +
      (s.link.latencyMs || s.link.jitterMs || s.link.lossPercent ? `, links ${s.link.latencyMs} ms + ≤${s.link.jitterMs} ms jitter, ${s.link.lossPercent}% loss` : ''),
    `  convergence: ${s.convergence.converged ? `every node at its outbound target after ${s.convergence.timeS} s` : 'NOT reached'}`,
    graphLine('at convergence', s.atConvergence),
    `  flood: reached ${b.reached}/${b.of}${b.timeMs === null ? '' : ` in ${b.timeMs} ms`} (median ${b.medianMs} ms), hops ≤ ${b.maxHops} (mean ${b.meanHops}), ${b.copiesPerNode} copies per node`,
    `  heap: ${s.heap.perNodeMB} MB per node (${s.heap.baselineMB} MB before, ${s.heap.afterConvergenceMB} MB after convergence)`,
  ];
  if (s.churn !== null) {
    const c = s.churn;
    lines.push(
      `  churn ${s.churnPercent}%/min: ${c.departures} left, ${c.rejoins} rejoined, ${c.failures} failures; connected in ${c.connectedSamples}/${c.samples} samples` +
        `${c.alwaysConnected ? ' (always)' : ''}, largest component ≥ ${(c.minLargestComponentFraction * 100).toFixed(1)}%`,
    );
  }
  lines.push(
    graphLine('at the end', s.final),
    `  messages: ${s.messages.sent} sent, ${s.messages.delivered} delivered, ${s.messages.lost} lost, ${s.messages.discarded} to closed connections`,
    `  pex: ${s.pex.requestsSent} requests, ${s.pex.responsesReceived} answers, ${s.pex.addressesLearned} addresses learned, ${s.pex.errors} errors; peer errors ${s.peerErrors}, loop errors ${s.loopErrors}`,
    '',
  );
  return lines.join('\n');
}
