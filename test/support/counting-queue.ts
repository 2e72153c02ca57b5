import { injectable } from 'inversify';
import { Plugin } from '../../framework/plugin/plugin.js';
import { FifoQueue } from '../../plugins/queues/fifo.js';
import type { Queue, QueueFactory, QueueItem, QueueOptions } from '../../framework/queue/queue.js';

/**
 * A custom queue plugin as a user would write one, loaded by module path from
 * config in the plugin-swap tests: a FIFO that counts the queues it creates.
 */
@Plugin('queue', 'counting-fifo')
@injectable()
export default class CountingQueueFactory implements QueueFactory {
  static created = 0;
  readonly name = 'counting-fifo';
  create<T extends QueueItem>(options: QueueOptions): Queue<T> {
    CountingQueueFactory.created++;
    return new FifoQueue<T>(options);
  }
}
