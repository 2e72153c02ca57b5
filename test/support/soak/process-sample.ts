import { readdirSync } from 'node:fs';
import { collectGarbage } from '../../../node/simulation/heap.js';

/** What one process holds at one moment, after a full garbage collection. */
export interface ProcessSample {
  readonly rssBytes: number;
  /** Live JavaScript heap: measured right after a full collection, so it is what is reachable, not what awaits collection. */
  readonly heapUsedBytes: number;
  /** Memory held outside the JS heap by buffers and native objects. */
  readonly externalBytes: number;
  /** Active libuv handles and requests (sockets, servers, timers, …): process.getActiveResourcesInfo(). */
  readonly handles: number;
  readonly handlesByType: Readonly<Record<string, number>>;
  /** Open file descriptors (/proc/self/fd), or null where /proc does not exist. */
  readonly fds: number | null;
}

export function sampleProcess(): ProcessSample {
  collectGarbage();
  const memory = process.memoryUsage();
  const handlesByType: Record<string, number> = {};
  const resources = process.getActiveResourcesInfo();
  for (const type of resources) handlesByType[type] = (handlesByType[type] ?? 0) + 1;
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    handles: resources.length,
    handlesByType,
    fds: openFileDescriptors(),
  };
}

function openFileDescriptors(): number | null {
  try {
    // The listing itself holds one descriptor open while it reads the directory.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}
