import { sampleVertices } from './graph.js';
import type { SimulatedMember, SimulatedNetwork } from './simulated-network.js';
import { spread, type GraphReport, type TimelineSample } from './summary.js';

/** What decides who is counted and what "converged" means. */
export interface ObservationRules {
  /** Ready outbound connections each member should hold. */
  readonly outboundTarget: number;
  /** Members that rejoined less than this long ago are joining and not counted. */
  readonly joinGraceMs: number;
}

/**
 * A member that rejoined (after churn) less than `joinGraceMs` ago: it is
 * still finding peers, so connectivity checks leave it out. Members of the
 * initial start are never "joining": reaching them is what convergence means.
 */
export function isJoining(member: SimulatedMember, rules: ObservationRules, now = performance.now()): boolean {
  return member.restarts > 0 && now - member.startedAt < rules.joinGraceMs;
}

/** Whether every running member holds its outbound target (joining or not: this is the convergence test). */
export function allAtTarget(network: SimulatedNetwork, rules: ObservationRules): boolean {
  const running = network.running();
  return running.length > 0 && running.every((m) => network.outboundCount(m) >= rules.outboundTarget);
}

/** The overlay among the members `counted` accepts, with a diameter estimate from `diameterSources` random members. */
export function graphReport(
  network: SimulatedNetwork,
  rules: ObservationRules,
  options: { readonly diameterSources: number; readonly random: () => number; readonly counted?: (m: SimulatedMember) => boolean },
): GraphReport {
  const now = performance.now();
  const { graph, members } = network.topology(options.counted ?? ((m) => !isJoining(m, rules, now)));
  const components = graph.components();
  const degrees = members.map((_, i) => graph.degree(i));
  const outbound = members.map((m) => network.outboundCount(m));
  const sources = sampleVertices(graph.size, options.diameterSources, options.random);
  return {
    nodes: graph.size,
    edges: graph.edgeCount,
    connected: graph.isConnected(),
    components: components.length,
    largestComponent: components[0]?.length ?? 0,
    isolated: degrees.filter((d) => d === 0).length,
    diameterEstimate: graph.diameterEstimate(sources),
    diameterSources: sources.length,
    degree: spread(degrees),
    outbound: spread(outbound),
    atOutboundTarget: outbound.filter((o) => o >= rules.outboundTarget).length,
  };
}

/** One timeline point: connectivity of the established members, `tS` seconds into the run. */
export function timelineSample(network: SimulatedNetwork, rules: ObservationRules, tS: number): TimelineSample {
  const now = performance.now();
  const running = network.running();
  const { graph, members } = network.topology((m) => !isJoining(m, rules, now));
  const components = graph.components();
  return {
    tS: Math.round(tS * 10) / 10,
    running: running.length,
    joining: running.length - members.length,
    atOutboundTarget: running.filter((m) => network.outboundCount(m) >= rules.outboundTarget).length,
    connected: components.length <= 1,
    components: components.length,
    largestComponent: components[0]?.length ?? 0,
  };
}
