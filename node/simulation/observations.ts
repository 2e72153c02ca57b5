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

/**
 * A member below its outbound target that is connected to every other
 * running member: it has nobody left to dial. In a small network the
 * connections others made to it (and the simultaneous dials it lost to a
 * lower node ID, which turn its outbound connection into an inbound one)
 * can take the peers it would have dialed; it can only wait for one to leave.
 */
export function isSaturated(network: SimulatedNetwork, member: SimulatedMember, rules: ObservationRules, running: number): boolean {
  return network.outboundCount(member) < rules.outboundTarget && network.peerCount(member) >= running - 1;
}

/** Holds its outbound target, or has nobody left to dial (isSaturated). */
function settled(network: SimulatedNetwork, member: SimulatedMember, rules: ObservationRules, running: number): boolean {
  return network.outboundCount(member) >= rules.outboundTarget || isSaturated(network, member, rules, running);
}

/** Whether every running member holds its outbound target or has nobody left to dial (joining or not: this is the convergence test). */
export function allAtTarget(network: SimulatedNetwork, rules: ObservationRules): boolean {
  const running = network.running();
  return running.length > 0 && running.every((m) => settled(network, m, rules, running.length));
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
  const running = network.running().length;
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
    saturated: members.filter((m) => isSaturated(network, m, rules, running)).length,
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
    saturated: running.filter((m) => isSaturated(network, m, rules, running.length)).length,
    connected: components.length <= 1,
    components: components.length,
    largestComponent: components[0]?.length ?? 0,
  };
}
