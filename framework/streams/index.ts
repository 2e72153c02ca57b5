export {
  BoundedConsumer,
  DEFAULT_CONSUME_OPTIONS,
  InvalidConsumeOptionsError,
  resolveConsumeOptions,
  type ConsumeOptions,
  type ConsumerStats,
  type OverflowPolicy,
} from './bounded-consumer.js';
export { consumeBounded, type ConsumeOperatorOptions } from './operators.js';
