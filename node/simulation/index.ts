export { runSimulation } from './run-simulation.js';
export { resolveSimulationOptions, SimulationOptionsError, DEFAULT_SIMULATION_OPTIONS, MAX_SIMULATION_NODES, type SimulationOptions } from './options.js';
export { SimulatedNetwork, virtualIpOf, SIMULATED_PORT, type SimulatedMember, type Topology } from './simulated-network.js';
export { Graph } from './graph.js';
export { ChurnDriver, type ChurnOptions, type ChurnStats } from './churn.js';
export { measureFlood, type FloodProbeOptions, type FloodResult } from './flood-probe.js';
export type { SimulationSummary, GraphReport, TimelineSample, Spread } from './summary.js';
