import type { Worker } from 'node:worker_threads';

/** A message from a bench worker: `type` says what it answers; the rest is the answer. */
export interface WorkerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Turns a worker's messages into awaitable replies: `next(type)` resolves with the next message of that type. */
export function mailbox(worker: Worker): <M extends WorkerMessage = WorkerMessage>(type: string) => Promise<M> {
  const waiting: Array<{ type: string; resolve: (m: WorkerMessage) => void }> = [];
  worker.on('message', (m: WorkerMessage) => {
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
  });
  return <M extends WorkerMessage>(type: string) => new Promise<M>((resolve) => waiting.push({ type, resolve: resolve as (m: WorkerMessage) => void }));
}
