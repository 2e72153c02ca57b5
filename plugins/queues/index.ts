export { FifoQueue, FifoQueueFactory } from './fifo.js';
export {
  FlowQueue,
  DEFAULT_FLOW_QUEUE_CAPACITY_BYTES,
  UNLISTED_CHANNEL_PRIORITY,
  type Flow,
  type FlowQueueSettings,
} from './flow-queue.js';
export { PriorityQueue, PriorityQueueFactory, type PriorityQueueSettings } from './priority.js';
export { WdrrQueue, WdrrQueueFactory, DEFAULT_WDRR_QUANTUM_PER_PRIORITY, type WdrrQueueSettings } from './wdrr.js';
